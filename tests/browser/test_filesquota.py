"""A worksheet's files past --max-files-mb in Chromium, through the real ``athena-nb`` process
(limit 1 MiB) and its real kernel: a file too large fails in the cell with Python's own error,
files that take the worksheet past the quota put a line under every page's toolbar, a run is
then refused with the server's sentence, and deleting a file in the Files panel (opened from
that line) takes the line away and lets cells run again (athena_nb/filesquota.py, files.js)."""

from __future__ import annotations

import pytest

from tests.support.notebookbrowser import NotebookServer, box, output, runCell

T = 60_000


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


@pytest.fixture
def server(tmp_path):
    running = NotebookServer(tmp_path / "data", "--max-files-mb", "1").start()
    yield running
    running.stop()


def over(page):
    return page.locator(".nb-files-over")


def test_past_the_quota_every_page_says_so_runs_are_refused_and_a_deletion_lets_them_run(three):
    owner, carla, _vic = three
    runCell(owner, 1, "open('big.bin', 'wb').write(b'0' * (3 << 20))")
    expect(output(owner, 1)).to_contain_text("OSError: [Errno 27] File too large", timeout=T)
    for page in (owner, carla):
        expect(over(page)).to_be_hidden()  # 1 MiB was written: the limit, not past it
    runCell(owner, 2, "open('more.bin', 'wb').write(b'0' * (300 << 10))")
    sentence = ("This worksheet's files take 1.3 MiB, more than the 1 MiB they may take "
                "together, so its cells cannot run: delete files in the Files panel to run "
                "them again.")
    for page in (owner, carla):
        expect(over(page)).to_be_visible(timeout=T)
        expect(over(page)).to_contain_text(sentence)
    runCell(carla, 3, "print('ran')")
    expect(carla.locator(".nb-error")).to_have_text(
        "Nothing was run: this worksheet's files are past their quota (1.3 MiB of 1 MiB); "
        "delete files to run cells again.", timeout=T)
    expect(output(carla, 3)).to_have_text("")
    carla.on("dialog", lambda dialog: dialog.accept())
    over(carla).get_by_role("button", name="Open the Files panel").click()
    panel = carla.get_by_role("region", name="Files of this worksheet")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Delete big.bin").click()
    for page in (owner, carla):
        expect(over(page)).to_be_hidden(timeout=T)
    box(carla, 3).press("Control+Enter")
    expect(output(carla, 3)).to_have_text("ran", timeout=T)


def test_a_page_opened_past_the_quota_shows_the_line_at_once(three):
    owner, _carla, vic = three
    runCell(owner, 1, "for n in range(3):\n    open(f'f{n}.bin', 'wb').write(b'0' * (400 << 10))")
    expect(over(owner)).to_be_visible(timeout=T)
    vic.reload()
    expect(over(vic)).to_be_visible()
    expect(over(vic)).to_contain_text("This worksheet's files take 1.2 MiB")
