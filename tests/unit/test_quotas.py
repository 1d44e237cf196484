"""Quotas on a worksheet: how many cells, how many characters of text and output together
(athena_nb.quotas), through the real site with scripted kernels (tests/support/notebook.py)."""

import json

import pytest

from athena_nb.quotas import QuotaExceeded, Quotas, SizeCheck, storedSize
from tests.support.notebook import NotebookEnv, runPython


def opened(env, quotas, cells=("",)):
    env.hubs.quotas = quotas
    owner = env.owner()
    sheet = env.worksheet("Q", cells)
    client, page = env.open(sheet.id, owner)
    return sheet, page, env.hubs.get(sheet.id)


def test_a_worksheet_takes_at_most_its_number_of_cells():
    """Adding, inserting or splitting past ``maxCells`` is refused with a sentence and nothing
    changes; deleting one makes room again."""
    env = NotebookEnv()
    sheet, page, hub = opened(env, Quotas(maxCells=3), ("a", "b"))
    assert isinstance(env.call(page.callRemote("addCell", 2)), int)
    for refused in (page.callRemote("addCell", 0), page.cells[0].callRemote("insert", "below"),
                    page.cells[0].callRemote("split", 1, 1)):
        error = env.call(refused)
        assert error.type == "QuotaExceeded", error
        assert "at most 3 cells, and this one has 3" in error.message
    env.settle()
    assert len(hub.cells) == 3 == len(env.run(env.store.load_worksheet(sheet.id)).cells)
    env.call(page.cells[2].callRemote("delete"))
    assert isinstance(env.call(page.callRemote("addCell", 0)), int)


def test_text_that_would_pass_the_worksheets_size_is_refused_and_shrinking_is_not():
    env = NotebookEnv()
    sheet, page, hub = opened(env, Quotas(maxChars=100), ("x" * 60, "y" * 30))
    cell = page.cells[1]
    cell.type(0, "z" * 10)  # 100: exactly full
    env.settle()
    assert hub.cells[1].text == "z" * 10 + "y" * 30
    cell.type(0, "!")
    env.settle()
    [error] = cell.errors
    assert error.type == "QuotaExceeded" and "at most 100 characters" in error.message
    assert hub.cells[1].text == "z" * 10 + "y" * 30
    other = env.open(sheet.id, env.owner())[1].cells[1]  # a page in step with the hub
    other.erase(0, 5)
    env.settle()
    other.type(0, "ok")
    env.settle()
    assert hub.cells[1].text == "ok" + "z" * 5 + "y" * 30 and other.errors == []


def test_output_past_the_worksheets_size_is_dropped_with_one_notice_per_run():
    """The output of a cell stops where the worksheet is full, and the store keeps no more;
    running again first clears the old output, so there is room again."""
    env = NotebookEnv(autoRun=runPython)
    sheet, page, hub = opened(env, Quotas(maxChars=2_000), ("for i in range(1000): print(i)",))
    env.call(page.cells[0].callRemote("run"))
    env.later(1)
    notices = page.cells[0].ofType("notice")
    assert len(notices) == 1 and "as much as it may" in notices[0]["text"]
    stored = env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs
    kept = sum(storedSize(dict(o.payload, type=o.kind)) for o in stored)
    assert kept <= 2_000 - len(hub.cells[0].text) + len(notices[0]["text"])  # full, and the notice
    env.worker.print("x" * 100)  # late output of the same run: dropped silently
    env.settle()
    assert len(page.cells[0].ofType("notice")) == 1
    env.call(page.cells[0].callRemote("run"))
    env.later(1)
    assert len(page.cells[0].ofType("notice")) == 1, "one notice for the new run"
    assert hub.cells[0].outputChars == kept


def test_quotas_must_be_positive_whole_numbers():
    with pytest.raises(ValueError, match="maxCells must be a whole number of at least 1"):
        Quotas(maxCells=0)
    with pytest.raises(ValueError, match="maxChars"):
        Quotas(maxChars=1.5)
    assert SizeCheck(Quotas(maxCells=None, maxChars=None), lambda: 10**12).fits(10**12)


def test_the_size_is_counted_only_when_growth_nears_the_quota():
    """An upper bound (the last count plus every growth since) spares a scan of every cell at
    every keystroke; shrinking is seen at the next count."""
    counts = []
    size = [0]

    def count():
        counts.append(size[0])
        return size[0]

    check = SizeCheck(Quotas(maxChars=100), count)
    for _ in range(90):
        check.check(1)
        size[0] += 1
    assert counts == [0]
    check.check(10)  # 90 + 10: still within
    size[0] += 10
    assert counts == [0]
    size[0] -= 50  # outputs cleared
    check.check(1)  # the bound would pass 100: counted again, and there is room
    assert counts == [0, 50]
    with pytest.raises(QuotaExceeded, match="at most 100 characters"):
        check.check(60)


def test_a_file_past_a_quota_is_not_imported_and_says_why():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    env = NotebookEnv()
    env.hubs.quotas = Quotas(maxCells=3, maxChars=1000)
    owner = env.owner()
    before = env.run(env.store.list_worksheets())
    many = new_notebook()
    many.cells = [new_code_cell(f"x = {n}") for n in range(4)]
    big = new_notebook()
    big.cells = [new_code_cell("y" * 1001)]
    for notebook, words in ((many, "has 4 cells, and a worksheet may have at most 3"),
                            (big, "holds 1,001 characters of text and output")):
        answer = owner.post("/api/import?name=n.ipynb", nbformat.writes(notebook).encode(),
                            headers={b"content-type": b"application/octet-stream",
                                     b"accept": b"application/json"})
        error = json.loads(answer.body)["error"]
        assert answer.code == 400 and error["type"] == "QuotaExceeded", answer.body
        assert words in error["message"] and "nothing was imported" in error["message"]
    assert env.run(env.store.list_worksheets()) == before


def test_a_deleted_cell_brought_back_counts_like_a_new_one():
    env = NotebookEnv()
    sheet, page, hub = opened(env, Quotas(maxCells=2), ("a", "b"))
    deleted = env.call(page.cells[1].callRemote("delete"))
    assert isinstance(env.call(page.callRemote("addCell", 1)), int)
    error = env.call(page.callRemote("restoreCell", deleted))
    assert error.type == "QuotaExceeded" and "at most 2 cells" in error.message
    env.call(page.cells[1].callRemote("delete"))
    assert isinstance(env.call(page.callRemote("restoreCell", deleted)), int)
    assert [c.text for c in hub.cells] == ["a", "b"]
