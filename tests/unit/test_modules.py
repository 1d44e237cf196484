"""Serving the ES module tree under a content-versioned URL (livefragments._modules)."""

import base64
import hashlib
import json

import pytest
from twisted.web.resource import Resource
from twisted.web.server import Site

import livefragments
from livefragments import ModuleResource, jsRoot
from tests.support.memoryhttp import MemoryHTTP


def serve(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.js").write_text("export const a = 1;\n")
    (tmp_path / "style.css").write_text("body {}\n")
    (tmp_path / ".hidden.js").write_text("secret\n")
    (tmp_path / "notes.txt").write_text("not served\n")
    modules = ModuleResource(tmp_path, "/static")
    root = Resource()
    root.putChild(b"static", modules)
    return modules, MemoryHTTP(Site(root))


def get(http, path):
    got = []
    http.request(b"GET", path, {}, None).addBoth(got.append)
    return got[0]


def test_modules_are_served_with_their_type_and_cached_forever(tmp_path):
    modules, http = serve(tmp_path)
    assert modules.rootURL == f"/static/{modules.version}/"
    js = get(http, modules.rootURL + "lib/a.js")
    assert js.code == 200 and js.body == b"export const a = 1;\n"
    assert js.headers["content-type"] == ["text/javascript; charset=utf-8"]
    assert js.headers["cache-control"] == ["public, max-age=31536000, immutable"]
    assert get(http, modules.rootURL + "style.css").headers["content-type"] == ["text/css; charset=utf-8"]


def test_hidden_files_other_types_traversal_and_old_versions_are_404(tmp_path):
    modules, http = serve(tmp_path)
    for path in (".hidden.js", "notes.txt", "../lib/a.js", "lib/../../x.js", "nothing.js"):
        assert get(http, modules.rootURL + path).code == 404, path
    assert get(http, "/static/0123456789abcdef/lib/a.js").code == 404


def test_the_version_changes_when_any_file_changes(tmp_path):
    before = ModuleResource(tmp_path / ".." / tmp_path.name).version
    (tmp_path / "new.js").write_text("export {};\n")
    assert ModuleResource(tmp_path).version != before


def test_the_project_js_tree_is_found():
    assert (jsRoot() / "livefragments").is_dir()


def test_a_file_edited_after_start_up_is_served_as_it_was_hashed(tmp_path):
    modules, http = serve(tmp_path)
    (tmp_path / "lib" / "a.js").write_text("export const a = 2;\n")
    assert get(http, modules.rootURL + "lib/a.js").body == b"export const a = 1;\n"


def test_an_import_map_points_names_at_served_urls_and_its_policy_admits_it_by_hash(tmp_path):
    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / "index.js").write_text("export const x = 1;\n")
    (tmp_path / "vendor" / "importmap.json").write_text(
        json.dumps({"imports": {"lib": "lib/index.js", "</script>": "lib/index.js"}}))
    modules = ModuleResource(tmp_path, "/static")
    imap = modules.importMap
    assert imap.imports["lib"] == f"{modules.rootURL}vendor/lib/index.js"
    assert "</script>" not in imap.json and imap.script.count("</script>") == 1
    digest = base64.b64encode(hashlib.sha256(imap.json.encode()).digest()).decode()
    assert imap.policy() == livefragments.CSP.replace(
        "script-src 'self'", f"script-src 'self' 'sha256-{digest}'")
    assert ModuleResource(tmp_path / "vendor" / "lib").importMap is None


def test_a_broken_import_map_is_refused_with_a_sentence(tmp_path):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "importmap.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="is not a JSON object"):
        ModuleResource(tmp_path)


def test_the_built_tree_maps_codemirror():
    imap = ModuleResource(jsRoot()).importMap
    assert imap is not None, "js/vendor is made by the package build (pip install .)"
    for name in ("@codemirror/view", "@codemirror/state", "@codemirror/lang-python",
                 "@lezer/highlight"):
        assert name in imap.imports
