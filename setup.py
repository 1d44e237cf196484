"""Packaging for athena-nb: the livefragments framework, the notebook, its JS and its twistd plugin."""

from setuptools import find_packages, setup

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
    package_data={"athena_js": ["**/*.js", "**/*.css", "**/*.svg"]},
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
        ],
        "sage": [
            "passagemath-standard==10.8.13",
            "passagemath-repl==10.8.13",
        ],
        "bench": ["pyinstrument>=4.6"],
    },
    entry_points={"console_scripts": ["athena-nb = athena_nb.cli:main"]},
)
