"""The CodeMirror editor in a real Chromium, through the real ``athena-nb`` process: Python
highlighting, auto-indent after ``:``, bracket matching, comment toggling, search within one
cell, the remembered line-numbers toggle, Sage syntax without error marks, undo of one's own
edits with two people typing, and the keystroke policy (fewer edit calls than keys while typing
fast over a slow link; a run right behind the pending edit, before its answer).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.support.notebookbrowser import (
    NotebookServer,
    box,
    cell,
    expectText,
    join,
    login,
    newWorksheet,
    output,
    shareLink,
    toolbarMenu,
    typeInto,
)

T = 20_000


@pytest.fixture
def two(browser, server):
    """The owner and a collaborator (Carla) on one worksheet, each in a context of their own."""
    contexts = [browser.new_context() for _ in range(2)]
    for each in contexts:
        each.set_default_timeout(T)
    owner, carla = (c.new_page() for c in contexts)
    login(owner, server)
    url = newWorksheet(owner)
    join(carla, server.origin, shareLink(owner, url, "collaborator"), "Carla")
    yield owner, carla
    for each in contexts:
        each.close()


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


def test_python_is_highlighted_with_token_classes(page):
    newWorksheet(page)
    typeInto(page, 1, "def f(x):\n    return 'text'  # note")
    keyword = cell(page, 1).locator(".tok-keyword")
    expect(keyword.first).to_have_text("def", timeout=T)
    expect(keyword.nth(1)).to_have_text("return")
    expect(cell(page, 1).locator(".tok-string")).to_have_text("'text'")
    expect(cell(page, 1).locator(".tok-comment")).to_have_text("# note")
    color = keyword.first.evaluate("e => getComputedStyle(e).color")
    plain = cell(page, 1).locator(".cm-line").first.evaluate("e => getComputedStyle(e).color")
    assert color != plain, "keywords have a colour of their own"


def test_enter_after_a_colon_indents_the_next_line(page):
    newWorksheet(page)
    target = box(page, 1)
    target.click()
    target.press_sequentially("for i in range(3):")
    target.press("Enter")
    target.press_sequentially("print(i)")
    expectText(page, 1, "for i in range(3):\n    print(i)")
    target.press("Enter")
    target.press("Enter")
    target.press("Shift+Tab")
    target.press_sequentially("done = True")
    # The blank line keeps no indentation; Shift-Tab took the new one's away.
    expectText(page, 1, "for i in range(3):\n    print(i)\n\ndone = True")


def test_the_bracket_at_the_caret_and_its_partner_are_marked(page):
    newWorksheet(page)
    typeInto(page, 1, "f(1, [2, 3])")
    marks = cell(page, 1).locator(".cm-matchingBracket")
    expect(marks).to_have_count(2, timeout=T)
    expect(marks.first).to_have_text("(")
    expect(marks.nth(1)).to_have_text(")")
    box(page, 1).press("ArrowLeft")
    expect(marks.first).to_have_text("[")
    expect(cell(page, 1).locator(".cm-nonmatchingBracket")).to_have_count(0)


def test_ctrl_slash_comments_the_lines_out_and_in_again(page):
    newWorksheet(page)
    typeInto(page, 1, "a = 1\nb = 2")
    target = box(page, 1)
    target.press("Control+a")
    target.press("Control+/")
    expectText(page, 1, "# a = 1\n# b = 2")
    target.press("Control+/")
    expectText(page, 1, "a = 1\nb = 2")


def test_ctrl_f_searches_within_the_cell_only(page):
    newWorksheet(page)
    typeInto(page, 1, "needle = 1\nhay = needle")
    page.get_by_role("button", name="Add cell").click()
    expect(box(page, 2)).to_be_focused(timeout=T)
    typeInto(page, 2, "needle = 2")
    box(page, 1).click()
    box(page, 1).press("Control+f")
    find = cell(page, 1).get_by_role("textbox", name="Find")
    expect(find).to_be_focused(timeout=T)
    find.press_sequentially("needle")
    expect(cell(page, 1).locator(".cm-searchMatch")).to_have_count(2, timeout=T)
    expect(cell(page, 2).locator(".cm-searchMatch")).to_have_count(0)
    expect(cell(page, 2).get_by_role("textbox", name="Find")).to_have_count(0)
    # Enter and Shift-Enter go from match to match; they run nothing (editor.js, #runKey).
    selected = cell(page, 1).locator(".cm-searchMatch-selected")
    find.press("Enter")
    expect(selected).to_have_count(1, timeout=T)
    first = selected.bounding_box()
    find.press("Shift+Enter")
    expect(find).to_be_focused()
    page.wait_for_function(
        "([y]) => document.querySelector('.cm-searchMatch-selected')?.getBoundingClientRect().y !== y",
        arg=[first["y"]])
    expect(cell(page, 1)).not_to_have_attribute("data-state", re.compile("queued|running|done"))
    find.press("Escape")
    expect(find).to_have_count(0)
    expect(box(page, 1)).to_be_focused()


def test_line_numbers_are_a_toggle_this_browser_remembers(page):
    newWorksheet(page)
    typeInto(page, 1, "a = 1\nb = 2\nc = 3")
    toolbarMenu(page)
    toggle = page.get_by_role("button", name="Line numbers")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(cell(page, 1).locator(".cm-lineNumbers")).to_have_count(0)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    numbers = cell(page, 1).locator(".cm-lineNumbers .cm-gutterElement")
    expect(numbers.filter(has_text=re.compile(r"^3$"))).to_have_count(1, timeout=T)
    page.reload()
    expect(page.get_by_role("main")).not_to_have_attribute("aria-busy", "true", timeout=T)
    toolbarMenu(page)
    expect(page.get_by_role("button", name="Line numbers")).to_have_attribute("aria-pressed", "true")
    expect(numbers.filter(has_text=re.compile(r"^3$"))).to_have_count(1, timeout=T)
    page.get_by_role("button", name="Line numbers").click()
    expect(cell(page, 1).locator(".cm-lineNumbers")).to_have_count(0)


def test_menus_close_on_a_click_elsewhere_on_escape_and_one_at_a_time(page):
    newWorksheet(page)
    typeInto(page, 1, "x = 1")
    more = toolbarMenu(page)
    menu = page.locator(".nb-toolbar .nb-menu").last
    expect(menu).to_be_visible()
    expect(menu.get_by_role("button").first).to_be_focused()
    page.get_by_role("button", name="Line numbers").click()  # a toggle: it stays open
    expect(menu).to_be_visible()
    page.locator(".nb-keys").click()
    expect(menu).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    toolbarMenu(page)
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()
    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    cellMenu = cell(page, 1).locator(".nb-menu")
    expect(cellMenu).to_be_visible()
    toolbarMenu(page, "Download")
    expect(cellMenu).to_be_hidden()
    expect(page.get_by_role("link", name=re.compile("Jupyter notebook"))).to_be_focused()
    cell(page, 1).get_by_role("button", name="More actions for this cell").click()
    cellMenu.get_by_role("button", name="Insert cell below").click()  # an action: it closes
    expect(cellMenu).to_be_hidden()
    expect(page.locator(".nb-cell")).to_have_count(2, timeout=T)


def test_sage_syntax_shows_no_error_marks(page):
    newWorksheet(page)
    typeInto(page, 1, "R.<x> = QQ[]\nv = [1..9]\nw = 2^3")
    expectText(page, 1, "R.<x> = QQ[]\nv = [1..9]\nw = 2^3")
    lines = cell(page, 1).locator(".cm-line")
    expect(lines.nth(1)).to_have_text("v = [1..9]")
    # The caret is after "2^3"; put it after "[1..9]" too: the brackets pair up.
    box(page, 1).press("ArrowUp")
    box(page, 1).press("End")
    expect(cell(page, 1).locator(".cm-matchingBracket")).to_have_count(2)
    for mark in (".tok-invalid", ".cm-lintRange", ".cm-diagnostic", ".cm-nonmatchingBracket"):
        expect(cell(page, 1).locator(mark)).to_have_count(0)
    # Nothing in the cell is drawn in the error colour, underlined or struck through.
    marked = cell(page, 1).locator(".cm-content *").evaluate_all("""(nodes) => nodes.filter((n) => {
        const s = getComputedStyle(n);
        return s.textDecorationLine !== 'none' || s.color === 'rgb(180, 35, 24)'
          || s.color === 'rgb(255, 0, 0)';
      }).map((n) => n.outerHTML)""")
    assert marked == []


def test_undo_takes_back_ones_own_edits_only_with_two_people(two):
    owner, carla = two
    typeInto(owner, 1, "mine")
    expectText(carla, 1, "mine")
    owner.wait_for_timeout(1100)  # her next typing is an undo group of its own
    typeInto(carla, 1, " theirs")
    expectText(owner, 1, "mine theirs")
    box(owner, 1).press("Control+z")
    for page in (owner, carla):
        expectText(page, 1, " theirs")
    box(owner, 1).press("Control+Shift+z")
    for page in (owner, carla):
        expectText(page, 1, "mine theirs")
    box(carla, 1).press("Control+z")
    for page in (owner, carla):
        expectText(page, 1, "mine")


class Wire:
    """The calls a page sends and the answers it gets over long-poll, with their times."""

    def __init__(self, page):
        self.sent: list[tuple[float, int | None, str, list]] = []  # (time, callId, method, args)
        self.answered: dict[int, float] = {}
        page.on("request", self._request)
        page.on("response", self._response)

    def _request(self, request):
        if not request.url.endswith("/transport") or request.method != "POST":
            return
        for _, message in json.loads(request.post_data or "[0, []]")[1]:
            if message[0] == "call":
                self.sent.append((time.monotonic(), message[1][0], message[1][2], message[1][3]))

    def _response(self, response):
        if not response.url.endswith("/transport"):
            return
        try:
            envelope = json.loads(response.body())
        except Exception:
            return
        for item in envelope[1] if isinstance(envelope, list) and len(envelope) > 1 else []:
            message = item[1]
            if message[0] == "respond":
                self.answered.setdefault(message[1][0], time.monotonic())

    def calls(self, method: str) -> list[tuple[float, int | None, str, list]]:
        return [each for each in self.sent if each[2] == method]


@pytest.fixture
def slow(context, tmp_path, watch):
    """A worksheet over long-poll with 150 ms of latency each way."""
    server = NotebookServer(tmp_path / "slow", "--no-websocket").start()
    page = context.new_page()
    seen = watch(page)
    login(page, server)
    newWorksheet(page)
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 150, "downloadThroughput": -1, "uploadThroughput": -1})
    yield page, Wire(page)
    seen.assertClean()
    server.stop()


def test_fast_typing_sends_fewer_edits_than_keys_and_the_first_at_once(slow):
    page, wire = slow
    target = box(page, 1)
    target.click()
    code = "total = sum(range(10))"
    target.press_sequentially(code)
    expectText(page, 1, code)
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=T)
    edits = wire.calls("edit")
    assert 1 <= len(edits) < len(code) / 2, f"{len(edits)} edit calls for {len(code)} keys"
    assert edits[0][3][0] == [{"at": 0, "insert": "t"}], \
        "the first keystroke is sent at once, alone, not held to gather more"
    assert "".join(c["insert"] for e in edits for c in e[3][0]) == code


def test_shift_enter_sends_the_run_right_behind_the_pending_edit(slow):
    page, wire = slow
    target = box(page, 1)
    target.click()
    target.press_sequentially("6*7")
    target.press("Shift+Enter")
    expect(output(page, 1)).to_have_text("42", timeout=T)
    runs, edits = wire.calls("run"), wire.calls("edit")
    assert len(runs) == 1
    before = [e for e in edits if e[0] <= runs[0][0]]
    assert before and len(before) == len(edits), "every edit went before the run"
    assert len(edits) >= 2, "the keys after the first gathered while it was in flight"
    assert [len(e[3]) > 2 and e[3][2] for e in edits[1:]] == list(range(1, len(edits))), \
        "each edit after the first names the unanswered edits it follows"
    firstAnswer = min(wire.answered.get(e[1], float("inf")) for e in edits)
    assert runs[0][0] < firstAnswer, "the run waited for no answer: not even the first edit's"


def test_typing_on_after_shift_enter_in_the_last_cell_goes_into_the_new_cell(slow):
    """The new cell is a round trip away (300 ms here): the keys typed meanwhile wait for it
    and go into it, and a second Shift+Enter among them runs it; none lands in the cell just
    run (typeahead.js)."""
    page, _ = slow
    target = box(page, 1)
    target.click()
    target.press_sequentially("a1 = 1")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("a2 = 2")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("a1 + a2")
    page.keyboard.press("Control+Enter")
    expect(output(page, 3)).to_have_text("3", timeout=T)
    for n, text in ((1, "a1 = 1"), (2, "a2 = 2"), (3, "a1 + a2")):
        expectText(page, n, text)
    expect(page.locator(".nb-cell")).to_have_count(3)
    expect(cell(page, 3).get_by_label("Cell input")).to_be_focused()


_SPY_ON_FRAMES = """async () => {
  const {EditorView} = await import('@codemirror/view');
  const send = WebSocket.prototype.send;
  globalThis.__frames = [];
  WebSocket.prototype.send = function (data) {
    const content = document.activeElement?.closest?.('.cm-content');
    const view = content ? EditorView.findFromDOM(/** @type {HTMLElement} */ (content)) : null;
    const cells = [...document.querySelectorAll('.nb-cell')];
    const focused = cells.findIndex((c) => c.contains(document.activeElement));
    globalThis.__frames.push([String(data), view ? view.state.doc.toString() : null, focused]);
    return send.call(this, data);
  };
}"""


def test_a_keystroke_is_sent_before_the_editor_takes_it_in(page):
    """The edit leaves while CodeMirror is still to update the page with it (editor.js,
    ``#update``; Transport.flush): its frame is written when the view's state is the old one."""
    newWorksheet(page)
    target = box(page, 1)
    target.click()
    page.evaluate(_SPY_ON_FRAMES)
    # The socket is open: a frame queued while it connects leaves later (CI saw that once).
    expect(page.locator("html")).to_have_attribute("data-lf-connection", "live", timeout=T)
    target.press_sequentially("q")
    expectText(page, 1, "q")
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=T)
    edits = [shown for data, shown, _ in page.evaluate("() => __frames") if '"edit"' in data]
    assert edits == [""], f"the edit frame was sent when the editor held {edits!r}"


def twoCellsWithOnePlusOne(page) -> None:
    """A new worksheet of two cells, the first holding ``1+1``, saved."""
    newWorksheet(page)
    page.get_by_role("button", name="Add cell").click()
    expect(page.locator(".nb-cell")).to_have_count(2)
    typeInto(page, 1, "1+1")
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=T)


def test_shift_enter_sends_the_run_before_the_focus_moves_on(page):
    """The run leaves in the key's own task, before the next cell takes the focus (cell.js
    ``run``: ``behindEdits`` and Transport.flush)."""
    twoCellsWithOnePlusOne(page)
    page.evaluate(_SPY_ON_FRAMES)
    box(page, 1).press("Shift+Enter")
    expect(output(page, 1)).to_have_text("2", timeout=T)
    runs = [focused for data, _, focused in page.evaluate("() => __frames") if '"run"' in data]
    assert runs == [0], f"the run frame left with the focus in cell {runs!r} (0 is the first)"


_SPY_ON_KEY_FRAMES = """() => {
  globalThis.__keyFrames = [];
  const ask = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => {
    const event = window.event; // the event being handled, if any
    if (event instanceof KeyboardEvent && event.type === 'keydown') __keyFrames.push(event.key);
    return ask(callback);
  };
}"""


@pytest.mark.parametrize("key", ["Shift+Enter", "Control+Enter"])
def test_a_run_key_asks_for_no_frame_while_it_is_handled(page, key):
    """While a frame is due after a key, Chromium holds the page's other tasks, the run's
    answer among them, until the frame is drawn: the run keys are taken before CodeMirror asks
    for one (editor.js, ``#runKey``)."""
    twoCellsWithOnePlusOne(page)
    page.evaluate(_SPY_ON_KEY_FRAMES)
    modifier = key.split("+")[0]
    page.keyboard.down(modifier)  # as a person does: the modifier first, its frame drawn
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.keyboard.press("Enter")
    page.keyboard.up(modifier)
    expect(output(page, 1)).to_have_text("2", timeout=T)
    expect(box(page, 2 if key == "Shift+Enter" else 1)).to_be_focused()
    asked = page.evaluate("() => __keyFrames")
    assert "Enter" not in asked, f"frames were asked for while Enter was handled: {asked!r}"


_CARET = """() => {
  const layer = document.querySelector('.cm-focused .cm-cursorLayer');
  return layer ? [layer.style.visibility, document.getAnimations().length] : null;
}"""


def test_the_caret_blinks_by_a_timer_and_no_animation_runs(page):
    """An endless animation would make Chromium draw a frame at every refresh, and hold the
    page's tasks after each key until the next one (editor/caret.js)."""
    newWorksheet(page)
    box(page, 1).click()
    page.wait_for_function(f"() => ({_CARET})()?.[0] === 'hidden'")
    page.wait_for_function(f"() => ({_CARET})()?.[0] === ''")
    assert page.evaluate(_CARET)[1] == 0, "an animation runs in the page"


def test_the_caret_does_not_blink_for_those_who_ask_for_reduced_motion(page):
    page.emulate_media(reduced_motion="reduce")
    newWorksheet(page)
    box(page, 1).click()
    page.wait_for_timeout(1500)  # more than a blink cycle (caret.js, BLINK_MS: 600)
    assert page.evaluate(_CARET) == ["", 0]


# The caret's widget is drawn anew as the text changes: one taken out of the page while the
# module loads gives null, and the wait asks again for the one drawn in its place.
_PEER_AT = """async (el) => {
  const {EditorView} = await import('@codemirror/view');
  const content = el.closest('.cm-content');
  return content ? EditorView.findFromDOM(content).posAtDOM(el) : null;
}"""


def waitPeerAt(page, caret, position: int) -> None:
    """Until the caret is at ``position`` of its cell's text (it may show an earlier one first)."""
    deadline = time.monotonic() + T / 1000
    while (at := caret.evaluate(_PEER_AT)) != position:
        assert time.monotonic() < deadline, f"the caret is at {at}, not {position}"
        page.wait_for_timeout(50)


def test_other_peoples_carets_and_selections_show_with_their_name_and_move(two):
    owner, carla = two
    typeInto(owner, 1, "hello world")
    expectText(carla, 1, "hello world")
    box(carla, 1).click()
    box(carla, 1).press("End")
    caret = cell(owner, 1).locator(".nb-peer-caret")
    expect(caret).to_have_text("Carla", timeout=T)
    waitPeerAt(owner, caret, len("hello world"))
    # On the cell's first line her name goes under the caret, inside the cell, readable.
    name = caret.locator(".nb-peer-name")
    expect(name).to_have_class(re.compile("nb-peer-below"))
    shown, editor = name.bounding_box(), box(owner, 1).bounding_box()
    assert shown["y"] >= editor["y"], (shown, editor)
    # Not cut off by the editor's edge: its lower part is what the page shows there.
    assert name.evaluate("""(el) => { const r = el.getBoundingClientRect();
        for (let a = el.parentElement; a && !a.classList.contains('nb-cell'); a = a.parentElement) {
          const b = a.getBoundingClientRect();
          if (getComputedStyle(a).overflowY !== 'visible' && (r.bottom > b.bottom || r.top < b.top))
            return false;  // a box that clips it
        }
        return true; }""")
    # She types: her caret moves along in the owner's cell.
    box(carla, 1).press_sequentially("!!")
    expectText(owner, 1, "hello world!!")
    waitPeerAt(owner, caret, len("hello world!!"))
    # She selects; the owner types before it: her selection stays on her text.
    box(carla, 1).press("Shift+Home")
    selection = cell(owner, 1).locator(".nb-peer-selection")
    expect(selection).to_have_text("hello world!!", timeout=T)
    box(owner, 1).press("Control+Home")
    box(owner, 1).press_sequentially("oh, ")
    expectText(carla, 1, "oh, hello world!!")
    expect(selection).to_have_text("hello world!!")
    # Colour comes from a class (no inline style under the page's policy).
    assert re.search(r"nb-peer-\d", caret.get_attribute("class"))
    # Her name fades once she stays still (it would cover the line above), and shows again
    # when she moves.
    name = caret.locator(".nb-peer-name")
    opacity = "(el) => getComputedStyle(el).opacity"
    owner.wait_for_function(f"(el) => ({opacity})(el) === '0'", arg=name.element_handle(), timeout=T)
    box(carla, 1).press("End")
    owner.wait_for_function(f"(el) => ({opacity})(el) === '1'",
                            arg=caret.locator(".nb-peer-name").element_handle(), timeout=T)
    assert cell(carla, 1).locator(".nb-peer-caret").count() in (0, 1)  # the owner's, if any
    # She moves to another cell: her caret goes with her; she leaves the cells: it goes.
    owner.get_by_role("button", name="Add cell").click()
    expect(box(carla, 2)).to_be_visible(timeout=T)
    box(carla, 2).click()
    expect(cell(owner, 2).locator(".nb-peer-caret")).to_have_text("Carla", timeout=T)
    expect(caret).to_have_count(0)
    carla.get_by_role("textbox", name="Worksheet title").click()
    expect(cell(owner, 2).locator(".nb-peer-caret")).to_have_count(0, timeout=T)
