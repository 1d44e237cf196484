"""The server's start-up leaves the heavy libraries for their first use: rendering (athena_nb.render)
and notebook files (athena_nb.formats.ipynb) import theirs when first called, since a server that
starts renders no text and reads no notebook yet (docs/performance.md, cold start)."""

from __future__ import annotations

import json
import subprocess
import sys

#: Imported at first use only; together about 40 % of what the server would import at start.
LAZY = ("nbformat", "jsonschema", "markdown_it", "mdit_py_plugins", "docutils", "latex2mathml",
        "pygments", "nh3", "tinycss2")


def loadedAfter(code: str) -> list[str]:
    script = (f"import json, sys\n{code}\n"
              f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(LAZY)!r})))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_starting_the_server_and_its_pages_imports_none_of_them():
    assert loadedAfter("import athena_nb.service, athena_nb.web.site, athena_nb.web.worksheet,"
                       " athena_nb.cli") == []


def test_they_come_at_first_use():
    """So the test above would see them: first use loads them."""
    loaded = loadedAfter(
        "from athena_nb.render import renderMarkdown\n"
        "from athena_nb.formats import ipynb\n"
        "renderMarkdown('*a*')\n"
        "ipynb.read(b'{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, "
        "\"cells\": []}', 'a.ipynb')")
    assert {"markdown_it", "pygments", "nh3", "nbformat", "jsonschema"} <= set(loaded)
