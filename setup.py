"""Packaging for athena-nb: the livefragments framework, the notebook, its JS and its twistd plugin."""

import json
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "js" / "vendor"
IMPORT = re.compile(r"""(?:from|import)\s*["'](\.{1,2}/[^"']+)["']""")


def runtimePackages(lock: dict) -> list[str]:
    """The npm packages the browser loads: every package in package-lock.json but the dev ones."""
    return sorted(key.split("node_modules/")[-1] for key, entry in lock["packages"].items()
                  if key.startswith("node_modules/") and not entry.get("dev"))


def moduleEntry(manifest: dict) -> str:
    """The ES module a bare import of the package loads (its "exports" import condition)."""
    exports = manifest.get("exports")
    if isinstance(exports, dict) and "." in exports:
        exports = exports["."]
    if isinstance(exports, dict):
        exports = exports.get("import") or exports.get("default")
    entry = exports if isinstance(exports, str) else manifest.get("module") or manifest["main"]
    return entry.removeprefix("./")


def vendorModules() -> None:
    """Copies the browser's npm packages (their ES modules and licences, nothing else) from
    node_modules into js/vendor/, with js/vendor/importmap.json naming each package's entry.

    Runs ``npm ci --omit=dev`` first when node_modules lacks them (a fresh clone)."""
    lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))
    names = runtimePackages(lock)
    modules = HERE / "node_modules"
    if any(not (modules / name / "package.json").is_file() for name in names):
        if shutil.which("npm") is None:
            raise SystemExit("Building athena-nb needs npm (to fetch CodeMirror from the npm "
                             "registry): install it, e.g. `sudo apt-get install -y npm`.")
        subprocess.run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=HERE, check=True)
    shutil.rmtree(VENDOR, ignore_errors=True)
    imports = {}
    for name in names:
        source, target = modules / name, VENDOR / name
        manifest = json.loads((source / "package.json").read_text(encoding="utf-8"))
        entry = moduleEntry(manifest)
        imports[name] = f"{name}/{entry}"
        todo, seen = [entry], set()
        while todo:  # the entry and every module it imports by relative path
            file = todo.pop()
            if file in seen:
                continue
            seen.add(file)
            text = (source / file).read_text(encoding="utf-8")
            (target / file).parent.mkdir(parents=True, exist_ok=True)
            (target / file).write_text(text, encoding="utf-8")
            base = Path(file).parent
            todo += [str((base / ref).as_posix()) for ref in IMPORT.findall(text)]
        for licence in source.glob("LICEN[CS]E*"):
            shutil.copyfile(licence, target / licence.name)
    (VENDOR / "importmap.json").write_text(
        json.dumps({"imports": imports}, indent=1, sort_keys=True) + "\n", encoding="utf-8")


class BuildWithVendor(build_py):
    """build_py that first puts the npm packages into js/vendor/ (so into athena_js)."""

    def run(self):
        vendorModules()
        self.__dict__.pop("data_files", None)  # computed again, with the vendored files
        super().run()


setup(
    name="athena-nb",
    version="0.1.0",
    description="A live browser notebook for Sage and Python, built on Twisted.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.11",
    packages=[
        *find_packages(include=["livefragments", "livefragments.*", "athena_nb", "athena_nb.*"]),
        "athena_js",
        "twisted.plugins",
    ],
    # The browser modules live in the top-level js/ tree; installed, they are the data
    # package `athena_js`, so a non-editable install serves them from site-packages.
    package_dir={"athena_js": "js"},
    package_data={"athena_js": ["**/*.js", "**/*.css", "**/*.svg", "vendor/importmap.json",
                                 "vendor/**/LICEN[CS]E*"]},
    cmdclass={"build_py": BuildWithVendor},
    include_package_data=False,
    install_requires=[
        "twisted[tls]>=25.5,<27",
        "wsproto>=1.2,<2",
        "pexpect>=4.9,<5",
        "matplotlib>=3.8,<4",
        # Text cells and typeset mathematics (athena_nb/render, docs/typesetting.md).
        "markdown-it-py>=3,<5",
        "mdit-py-plugins>=0.4,<0.8",
        "nh3>=0.2.17,<0.4",
        "latex2mathml>=3.77,<4",
        "Pygments>=2.17,<3",
        # Worksheets as files (athena_nb/formats): Jupyter notebooks in and out.
        "nbformat>=5.9,<6",
        # The styles of HTML outputs in published snapshots, sanitised (athena_nb/render/css.py).
        "tinycss2>=1.2,<2",
        # Docstrings in the help panel: reStructuredText (athena_nb/render/docstring.py).
        "docutils>=0.20,<1",
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "pytest-twisted>=1.14,<2",
            "pytest-timeout>=2.3,<3",
            "hypothesis>=6.100,<7",
            "playwright>=1.50,<2",
            "ruff>=0.6",
            "ipython>=8.12",
            # Jupyter's interact made this notebook's (athena_nb/kernel/jupyterinteract.py).
            "ipywidgets>=8,<9",
            # The REST API checked against its OpenAPI document (tests/integration/
            # test_api_schemathesis.py); 4.x is the CLI and checks that test uses.
            "schemathesis>=4.1,<5",
        ],
        "sage": [
            "passagemath-standard==10.8.13",
            "passagemath-repl==10.8.13",
        ],
        "bench": ["pyinstrument>=4.6"],
    },
    entry_points={"console_scripts": ["athena-nb = athena_nb.cli:main"]},
)
