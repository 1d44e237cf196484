"""Published read-only snapshots: publishing from the home page's API, the public page, refusals.

Real HTTP through the production Site with deterministic time and commits (tests/support/webenv.py).
"""

from __future__ import annotations

import base64
import json

import pytest

from athena_nb.hub import WorksheetHub
from athena_nb.render.htmloutput import TABLE_CSS
from athena_nb.web.public import CSP, KEY
from tests.support.webenv import Env, call

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nnot-really-an-image").decode()


class OneHub:
    """A hub registry holding at most one open hub."""

    def __init__(self):
        self.hub = None

    def get(self, worksheetId):
        hub = self.hub
        return hub if hub is not None and hub.worksheetId == worksheetId else None

    def renamed(self, worksheetId, title):
        pass

    def closeHub(self, worksheetId, reason):
        pass


@pytest.fixture
def hubs():
    return OneHub()


@pytest.fixture
def env(hubs):
    return Env(hubs=hubs)


#: A Sage 3D plot's page (athena_nb/kernel/worker.py), cut short.
SCENE = ('<!DOCTYPE html><html><head><meta name="athena-nb-scene" content="threejs"><style>'
         '#menu-container { position: absolute; }</style></head><body><script>new THREE.Scene()'
         '</script><div id="menu-container">ⓘ</div></body></html>')


def sheetWithOutputs(env):
    sheet = env.run(env.store.create_worksheet("Results <b>&</b>",
                                               ("print('<script>alert(1)</script>')", "plot()")))
    cells = env.run(env.store.load_worksheet(sheet.id)).cells
    env.run(env.store.append_outputs(cells[0].id, [
        ("stream", {"name": "stdout", "text": "<script>alert(2)</script>\n"}),
        ("stream", {"name": "stdout", "text": "second line\n"}),
    ]))
    env.run(env.store.append_outputs(cells[1].id, [
        ("display", {"data": {"image/png": PNG, "text/plain": "<Figure>"}}),
        ("display", {"data": {"image/png": PNG, "text/plain": "<Small>"},
                     "metadata": {"image/png": {"width": 200, "height": "9; onerror=x"}}}),
        ("display", {"data": {"text/html": '<b onclick="x()">"bold"</b>'}}),
        ("result", {"data": {"text/plain": "Graphics3d Object", "text/html": SCENE}}),
        ("result", {"data": {"text/plain": "42 < 43"}}),
        ("error", {"ename": "ValueError", "evalue": "bad <value>",
                   "traceback": "\x1b[31mTraceback\x1b[0m line 1"}),
        ("file", {"path": "out/<plot>.png", "change": "created"}),
        ("notice", {"text": "Interrupted."}),
    ]))
    return sheet


def publish(env, owner, sheet):
    code, answer = call(owner, b"POST", f"/api/worksheets/{sheet.id}/publish")
    assert code == 200, answer
    return answer["published"]


def test_the_owner_publishes_and_anyone_without_a_session_sees_the_snapshot(env):
    """The public page needs no cookie, shows the title, every input and output escaped, the
    image inline as a data URL and HTML in a sandboxed frame without scripts, under a strict
    policy."""
    owner = env.owner()
    sheet = sheetWithOutputs(env)
    before = env.clock.seconds()
    published = publish(env, owner, sheet)
    assert published["path"].startswith(f"/public/{sheet.id}/")
    assert len(published["path"].rsplit("/", 1)[1]) >= 30
    assert before <= published["at"] <= env.clock.seconds()
    assert call(owner, b"GET", f"/api/worksheets/{sheet.id}/published")[1] == {
        "published": published}

    stranger = env.browser()
    page = stranger.get(published["path"])
    assert page.code == 200 and stranger.cookie is None
    body = page.body.decode()
    assert "<h1>Results &lt;b&gt;&amp;&lt;/b&gt;</h1>" in body
    # Code highlighted when it was published (Pygments' classes, highlight.css), escaped.
    assert '<span class="nb">print</span>' in body
    assert "'&lt;script&gt;alert(1)&lt;/script&gt;'</span>" in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;\nsecond line\n" in body
    assert "<script" not in body
    assert f'<img class="public-image" alt="Image output" src="data:image/png;base64,{PNG}">' in body
    # Its width as its metadata asks, as the worksheet page shows it; nothing else of it.
    assert (f'<img class="public-image" alt="Image output" src="data:image/png;base64,{PNG}"'
            ' width="200">') in body
    assert ('<div class="public-html" role="group" aria-label="HTML output">'
            '<template shadowrootmode="open"><b>"bold"</b></template></div>') in body
    assert "onclick" not in body and "<iframe" not in body
    assert "allow-scripts" not in body and "allow-same-origin" not in body
    assert "42 &lt; 43" in body
    # A 3D plot, which needs its scripts, says so instead of leaving an empty box.
    assert ('<p class="public-notice">A 3D plot, drawn and turned in the worksheet; a published '
            'snapshot runs no script, so it shows none.</p>') in body
    assert "menu-container" not in body and "ⓘ" not in body
    assert "ValueError: bad &lt;value&gt;" in body and "Traceback line 1" in body
    assert "\x1b" not in body
    cells = body.split('<ol class="public-cells">', 1)[1]
    assert "File: <span>out/&lt;plot&gt;.png</span>" in cells and "<a " not in cells
    assert "Interrupted." in body
    headers = page.headers
    assert headers["content-security-policy"] == [CSP]
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["same-origin"]
    assert headers["cache-control"] == ["no-store"]
    root = env.site.resource.moduleRoot
    assert f'href="{root}athena_nb/public.css"' in body
    assert stranger.get(root + "athena_nb/public.css").code == 200


def test_a_wrong_token_an_unknown_worksheet_and_an_unpublished_one_are_404(env):
    owner = env.owner()
    sheet, other = sheetWithOutputs(env), env.worksheet("Never published")
    path = publish(env, owner, sheet)["path"]
    token = path.rsplit("/", 1)[1]
    stranger = env.browser()
    wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # never the token itself
    for bad in (f"/public/{sheet.id}/{wrong}", f"/public/{sheet.id}/",
                f"/public/{other.id}/{token}", f"/public/nope/{token}", "/public/",
                f"/public/{sheet.id}/{token}/more"):
        answer = stranger.get(bad)
        assert answer.code == 404, bad
        assert b"Nothing is published at this address." in answer.body
        assert answer.headers["content-security-policy"] == [CSP]
    assert stranger.get(path + "/").code == 200


def test_republishing_refreshes_the_snapshot_at_the_same_address(env):
    owner = env.owner()
    sheet = sheetWithOutputs(env)
    first = publish(env, owner, sheet)["path"]
    cell = env.run(env.store.load_worksheet(sheet.id)).cells[0]
    env.run(env.store.set_cell_text(cell.id, "x = 'changed'", cell.version + 1))
    env.run(env.store.rename_worksheet(sheet.id, "Renamed"))
    stranger = env.browser()
    assert b"changed" not in stranger.get(first).body
    env.clock.advance(60)
    before = env.clock.seconds()
    second = publish(env, owner, sheet)
    assert second["path"] == first and before <= second["at"] <= env.clock.seconds()
    body = stranger.get(first).body.decode()
    assert "'changed'</span>" in body and "<h1>Renamed</h1>" in body
    assert ">print<" not in body


def test_an_unpublish_while_the_copy_is_made_wins(env, monkeypatch):
    """The code is highlighted in the thread pool: an unpublish (or a newer publish) asked for
    meanwhile is not undone when that ends, and the public address stays gone."""
    from twisted.internet.defer import Deferred

    from athena_nb.web import public

    pending = []

    def later(reactor, function, *args):
        d = Deferred()
        pending.append(lambda: d.callback(function(*args)))
        return d

    monkeypatch.setattr(public, "offReactor", later)
    publisher = public.Publisher(env.clock, env.store)
    sheet = sheetWithOutputs(env)
    publishing = publisher.publish(sheet.id)
    env.run(publisher.unpublish(sheet.id))
    [made] = pending
    made()
    assert env.run(publishing) is None  # what is published then: nothing
    assert env.run(env.store.load_worksheet(sheet.id)).metadata.get(KEY) is None
    # Two publishes: the later one is stored, the earlier one's copy is dropped.
    earlier, later_ = publisher.publish(sheet.id), publisher.publish(sheet.id)
    env.run(env.store.load_worksheet(sheet.id))  # both have loaded theirs by then
    first, second = pending[1:]
    second()
    answer = env.run(later_)
    stored = env.run(env.store.load_worksheet(sheet.id)).metadata[KEY]
    first()
    assert env.run(earlier) == answer  # the later one's
    assert env.run(env.store.load_worksheet(sheet.id)).metadata[KEY] == stored
    assert answer["path"].endswith(stored["token"]) and publisher._latest == {}


def test_unpublishing_makes_the_address_404_and_publishing_again_makes_a_new_one(env):
    owner = env.owner()
    sheet = sheetWithOutputs(env)
    path = publish(env, owner, sheet)["path"]
    code, answer = call(owner, b"POST", f"/api/worksheets/{sheet.id}/unpublish")
    assert code == 200 and answer == {"published": None}
    assert KEY not in env.run(env.store.load_worksheet(sheet.id)).metadata
    assert env.browser().get(path).code == 404
    assert call(owner, b"GET", f"/api/worksheets/{sheet.id}/published")[1] == {"published": None}
    assert call(owner, b"POST", "/api/worksheets/nope/unpublish")[0] == 404
    again = publish(env, owner, sheet)["path"]
    assert again != path and env.browser().get(again).code == 200
    assert env.browser().get(path).code == 404
    assert call(owner, b"POST", "/api/worksheets/nope/publish")[0] == 404


def test_a_trashed_worksheet_is_not_shown(env):
    owner = env.owner()
    sheet = sheetWithOutputs(env)
    path = publish(env, owner, sheet)["path"]
    env.run(env.store.trash_worksheet(sheet.id))
    assert env.browser().get(path).code == 404


@pytest.mark.parametrize("role", ["collaborator", "viewer"])
def test_only_the_owner_may_publish(env, role):
    """A share-link visitor, whatever the role, gets 403 from every publishing call and
    nothing is published; nor may a visitor without a session."""
    owner = env.owner()
    sheet = sheetWithOutputs(env)
    link = json.loads(owner.post(f"/api/worksheets/{sheet.id}/links", {"role": role}).body)["link"]
    guest = env.browser()
    assert guest.form(link["path"], name="Ada").code == 303
    for method, action in ((b"POST", "publish"), (b"POST", "unpublish"), (b"GET", "published")):
        code, answer = call(guest, method, f"/api/worksheets/{sheet.id}/{action}")
        assert code == 403 and answer["error"]["type"] == "Forbidden"
        assert call(env.browser(), method, f"/api/worksheets/{sheet.id}/{action}")[0] == 403
    assert KEY not in env.run(env.store.load_worksheet(sheet.id)).metadata


def test_an_open_worksheet_is_published_as_its_hub_holds_it(env, hubs):
    """Output the hub has not yet written to the store, and its title, are in the snapshot."""
    owner = env.owner()
    sheet = sheetWithOutputs(env)
    snapshot = env.run(env.store.load_worksheet(sheet.id))
    hub = WorksheetHub(env.clock, env.store, snapshot, "/nonexistent", kernelSource=None)
    hubs.hub = hub
    hub.title = "Live title"
    hub.cells[0].outputs.append({"type": "stream", "name": "stderr", "text": "not stored yet"})
    hub.cells[1].leaving = True
    hub.cells[0].count = 7
    body = env.browser().get(publish(env, owner, sheet)["path"]).body.decode()
    assert "<h1>Live title</h1>" in body
    # The run's number, as the gutter shows it.
    assert '<span class="public-count" aria-label="Run 7">[7]</span>' in body
    assert '<pre class="public-stream stderr">not stored yet</pre>' in body
    assert "plot()" not in body and "42 &lt; 43" not in body


def test_outputs_show_as_the_worksheet_page_shows_them():
    """Streams as a terminal shows them (no escape is shown, a progress bar is its last state),
    displays in Jupyter's order of forms: SVG as an image, JSON as text, LaTeX only when the
    text says less."""
    from athena_nb.web.public import renderSnapshot

    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page = renderSnapshot({"title": "T", "cells": [{"input": "x", "outputs": [
        {"type": "stream", "name": "stdout", "text": "\r0%\r50%\r100%\n\x1b[31mred\x1b[0m\n"},
        {"type": "display", "data": {"image/svg+xml": svg, "text/plain": "s"}},
        {"type": "display", "data": {"application/json": {"a": 1}, "text/plain": "j"}},
        {"type": "display", "data": {"text/latex": "$x$", "text/plain": "x"}},
        {"type": "display", "data": {"text/latex": "$y$",
                                     "text/plain": "<IPython.core.display.Latex object>"}},
    ]}]}, "/static/").decode()
    assert '<pre class="public-stream stdout">100%\nred\n</pre>' in page
    assert "\x1b" not in page and "50%" not in page
    assert 'src="data:image/svg+xml;base64,' in page and "<svg" not in page
    assert '{\n  &quot;a&quot;: 1\n}' in page
    assert '<pre class="public-result">x</pre>' in page and "$x$" not in page
    assert '<pre class="public-result">$y$</pre>' in page


def test_code_is_highlighted_once_when_published_and_plain_past_the_limit_or_before(monkeypatch):
    """``highlightCode`` gives code cells Pygments' spans (Sage's preparser syntax is no
    error); a cell over ``MAX_HIGHLIGHT``, and a snapshot made before highlighting, show
    their code escaped, as it is."""
    from athena_nb.web import public
    from athena_nb.web.public import MAX_HIGHLIGHT, highlightCode, renderSnapshot

    long = "x = '<b>'\n" * (MAX_HIGHLIGHT // 10 + 1)
    published = highlightCode({"title": "T", "cells": [
        {"input": "v = [1..9]  # <i>", "outputs": []},
        {"input": long, "outputs": []},
        {"input": "# a *text* cell", "kind": "text", "html": "<p>a <em>text</em> cell</p>",
         "outputs": []},
    ]})
    page = renderSnapshot(published, "/static/").decode()
    assert '<span class="mf">1..9</span>' in page and "err" not in page
    assert '<span class="c1"># &lt;i&gt;</span>' in page and "<i>" not in page
    assert published["cells"][2]["html"] == "<p>a <em>text</em> cell</p>"
    assert "html" not in published["cells"][1] and "x = &#x27;&lt;b&gt;&#x27;\n" in page
    # Past MAX_HIGHLIGHT_ALL characters in all, the cells stay plain.
    monkeypatch.setattr(public, "MAX_HIGHLIGHT_ALL", 30)
    cells = highlightCode({"cells": [{"input": "a = 1" * 5}, {"input": "b = 2" * 5}]})["cells"]
    assert ["html" in c for c in cells] == [True, False]
    before = renderSnapshot({"title": "T", "cells": [{"input": "f(<x>)", "outputs": []}]},
                            "/static/").decode()
    assert '<pre class="public-input"><code>f(&lt;x&gt;)</code></pre>' in before
    assert "public-count" not in before  # made before snapshots kept the counts: none shown
    assert '<li class="public-cell"><pre' in before  # and no room kept for them
    unrun = renderSnapshot({"title": "T", "cells": [{"input": "x", "outputs": [],
                                                     "count": None}]}, "/static/").decode()
    assert '<span class="public-count" aria-label="Not run">[ ]</span>' in unrun
    # An empty cell never run (the one at a worksheet's end) is left out: nothing to read.
    empty = renderSnapshot({"title": "T", "cells": [{"input": "x", "outputs": [], "count": 1},
                                                    {"input": " \n", "outputs": [], "count": None}]},
                           "/static/").decode()
    assert empty.count('<li class="public-cell') == 1


def test_html_outputs_keep_their_styles_sanitised_and_admitted_by_hash(env):
    """An HTML output is shown in a shadow root of its own with its <style> rules and style
    attributes, sanitised into one <style> element that the page's policy admits by its hash:
    no inline style or script is admitted otherwise, and nothing reaches the page around it."""
    import hashlib

    owner = env.owner()
    sheet = env.run(env.store.create_worksheet("Styled", ("table()",)))
    cell = env.run(env.store.load_worksheet(sheet.id)).cells[0]
    html = ('<style>td {color: red} :host {display: none} @import url(x.css);</style>'
            '<table><tr><td style="background: yellow; background-image: url(http://x.org/y)">'
            'styled</td></tr></table><script>alert(1)</script>')
    env.run(env.store.append_outputs(cell.id, [("display", {"data": {"text/html": html}})]))
    page = env.browser().get(publish(env, owner, sheet)["path"])
    body = page.body.decode()
    css = TABLE_CSS + 'td{color:red}[data-nb-style="0"]{background:yellow !important}'
    assert (f'<template shadowrootmode="open"><style>{css}</style><table><tbody><tr>'
            '<td data-nb-style="0">styled</td></tr></tbody></table></template>') in body
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    [policy] = page.headers["content-security-policy"]
    assert policy == CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert "alert" not in body and ":host" not in body and "x.org" not in body


def test_text_cells_and_latex_outputs_are_published_rendered_with_no_script(env):
    """A text cell's HTML and a text/latex output's MathML are made when publishing, sanitised;
    the Typeset setting off publishes the plain text instead."""
    owner = env.owner()
    sheet = env.run(env.store.create_worksheet("Maths", ("# Notes\n\n$x^2$ <script>x()</script>",
                                                         "show(x^2)")))
    cells = env.run(env.store.load_worksheet(sheet.id)).cells
    env.run(env.store.set_cell_kind(cells[0].id, "text"))
    env.run(env.store.append_outputs(cells[1].id, [
        ("result", {"data": {"text/plain": "x^2", "text/latex": r"\(\displaystyle x^{2}\)"}}),
        ("display", {"data": {"text/plain": "m", "text/markdown": "*seen* <img src=x onerror=y>"}})]))
    body = env.browser().get(publish(env, owner, sheet)["path"]).body.decode()
    assert '<div class="public-markdown"><p><em>seen</em> <img src="x"></p>' in body
    assert "onerror" not in body
    assert '<li class="public-cell public-text"><div class="nb-md"><h1>Notes</h1>' in body
    assert body.count("<math") == 2 and "<script" not in body and "x()" not in body
    assert '<div class="public-math"><math display="inline">' in body
    assert "athena_nb/highlight.css" in body
    env.run(env.store.set_metadata(sheet.id, "typeset", False))
    body = env.browser().get(publish(env, owner, sheet)["path"]).body.decode()
    assert body.count("<math") == 1 and '<pre class="public-result">x^2</pre>' in body


def test_an_interact_is_published_as_its_controls_values_in_text_and_its_last_outputs(env):
    from athena_nb.interactmodel import clean, storedPayload

    owner = env.owner()
    sheet = env.run(env.store.create_worksheet("Interact", ("@interact ...",)))
    cell = env.run(env.store.load_worksheet(sheet.id)).cells[0]
    event = clean({"type": "interact", "id": "i", "session": "s", "name": "f", "controls": [
        {"name": "n", "kind": "slider", "label": "<n>", "n": 3, "labels": ["a", "b", "c"]},
        {"name": "on", "kind": "checkbox", "label": "on"},
        {"name": "g", "kind": "input_grid", "label": "g", "rows": 1, "cols": 2},
        {"name": "t", "kind": "text", "label": "t", "text": "**Hi** <script>x()</script>"}],
        "values": {"n": 2, "on": True, "g": [["1", "<2>"]]},
        "outputs": [{"type": "stream", "name": "stdout", "text": "<ran>\n"}]})
    env.run(env.store.append_outputs(cell.id, [("display", storedPayload(event))]))
    body = env.browser().get(publish(env, owner, sheet)["path"]).body.decode()
    assert ('<span class="public-label">&lt;n&gt;</span> <span class="public-value">c</span>'
            in body)
    assert '<span class="public-value">on</span>' in body
    assert '<span class="public-value">1, &lt;2&gt;</span>' in body
    assert "<strong>Hi</strong>" in body and "<script" not in body
    assert '<pre class="public-stream stdout">&lt;ran&gt;\n</pre>' in body


def test_an_error_whose_traceback_ends_with_it_is_said_once():
    from athena_nb.web.public import snapshotBody

    trace = "Traceback (most recent call last):\n  File \"<cell 1>\", line 1\nZeroDivisionError: division by zero"
    published = {"title": "T", "cells": [{"input": "1/0", "outputs": [
        {"type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
         "traceback": trace}]}]}
    _, body = snapshotBody(published, [])
    assert body.count("ZeroDivisionError: division by zero") == 1
    assert "<p>" not in body.split('class="public-error"')[1].split("</div>")[0]


def test_a_prompt_shows_with_its_answer_and_an_error_python_printed_is_said_once():
    from athena_nb.web.public import _clean, snapshotBody

    outputs = _clean((
        {"type": "input", "prompt": "Your name? ", "password": False, "answer": "Alice <3"},
        {"type": "input", "prompt": "Secret: ", "password": True, "answer": "••••"},
        {"type": "input", "prompt": "Never: ", "password": False, "answer": None},
        {"type": "error", "ename": "KeyboardInterrupt", "evalue": "",
         "traceback": "Traceback (most recent call last):\n  ...\nKeyboardInterrupt"},
        {"type": "error", "ename": "SyntaxError", "evalue": "invalid syntax (<cell 1>, line 3)",
         "traceback": "  File \"<cell 1>\", line 3\n    y.append?\nSyntaxError: invalid syntax"}))
    _, body = snapshotBody({"title": "T", "cells": [{"input": "x", "outputs": outputs}]}, [])
    assert ('<p class="public-prompt">Your name? <span class="public-answer">Alice &lt;3</span>'
            in body)
    assert "Secret: <span class=\"public-answer\">••••</span>" in body
    assert "Never: <span class=\"public-answer\">(not answered)</span>" in body
    errors = body.split('class="public-error"')[1:]
    assert all("<p>" not in e.split("</div>")[0] for e in errors), "said once, by the traceback"
