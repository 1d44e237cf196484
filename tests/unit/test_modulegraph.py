"""A module tree's import graph (livefragments._modulegraph) and the modulepreload links a live
page makes of it: every module the page will load, named up front, after the import map."""

import json
import re

from livefragments import ModuleResource, jsRoot
from tests.support.notebook import NotebookEnv


def tree(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "vendor" / "pkg").mkdir(parents=True)
    (tmp_path / "app" / "main.js").write_text(
        "// @ts-check\n"
        "import {b} from './b.js';\n"
        "import {\n  one,\n  two,\n} from \"pkg\";\n"
        "export * from '../app/c.js';\n"
        "/**\n * import {x} from './commented.js';\n * @typedef {import('./typed.js').T} T\n */\n"
        "const later = () => import('./dynamic.js');\n"
        "import './missing.js';\n"
        "import {y} from 'not-mapped';\n")
    (tmp_path / "app" / "b.js").write_text("export {c} from './c.js';\nexport const b = 1;\n")
    (tmp_path / "app" / "c.js").write_text("export const c = 1;\n")
    for name in ("commented", "typed", "dynamic"):
        (tmp_path / "app" / f"{name}.js").write_text("export {};\n")
    (tmp_path / "vendor" / "pkg" / "index.js").write_text("import {c} from './util.js';\n")
    (tmp_path / "vendor" / "pkg" / "util.js").write_text("export const c = 1;\n")
    (tmp_path / "vendor" / "importmap.json").write_text(
        json.dumps({"imports": {"pkg": "pkg/index.js"}}))
    return ModuleResource(tmp_path, "/static")


def test_the_closure_follows_static_imports_relative_and_by_name(tmp_path):
    modules = tree(tmp_path)
    urls = modules.graph.closure(["app/main.js"])
    root = modules.rootURL
    assert urls == [root + p for p in ("app/main.js", "app/b.js", "vendor/pkg/index.js",
                                       "app/c.js", "vendor/pkg/util.js")]
    # Comments, type imports, dynamic imports, missing files and unmapped names are left out.
    assert modules.graph.importsOf("app/main.js") == ["app/b.js", "vendor/pkg/index.js",
                                                      "app/c.js"]
    assert modules.graph.closure(["app/c.js", "nothing.js"]) == [root + "app/c.js"]


def test_the_worksheet_page_preloads_every_module_it_loads_after_the_import_map():
    env = NotebookEnv()
    owner = env.owner()
    sheet = env.worksheet("Preloaded", ["1+1"])
    html = owner.get(f"/worksheets/{sheet.id}/").body.decode()
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    root = re.search(r'src="(/static/[0-9a-f]+/)livefragments/runtime\.js"', html).group(1)
    names = {url[len(root):] for url in preloads}
    for module in ("livefragments/runtime.js", "livefragments/transport.js",
                   "athena_nb/worksheet.js", "athena_nb/cell.js", "athena_nb/editor.js",
                   "athena_nb/ot/client.js", "vendor/@codemirror/view/dist/index.js",
                   "vendor/@lezer/python/dist/index.js"):
        assert module in names, module
    assert len(preloads) == len(set(preloads))
    imports = json.loads(re.search(r'<script type="importmap">(.*?)</script>', html).group(1))
    assert set(imports["imports"].values()) & set(preloads), "the named packages are preloaded"
    assert html.index('type="importmap"') < html.index("modulepreload") < html.index('id="lf-boot"')
    served = ModuleResource(jsRoot())._files
    assert all(name in served for name in names)
