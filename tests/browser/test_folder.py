"""The worksheet's Files panel in Chromium, through the real ``athena-nb`` process (uploads limited
to 1 MiB): files dropped on the worksheet upload (a large one with a progress bar), everyone sees
the list change live, a file renames, downloads and deletes, a cell reads an upload by name, a
file over the limit is refused with the server's sentence, and a viewer can only list and
download."""

from __future__ import annotations

import pytest

from tests.support.notebookbrowser import NotebookServer, output, runCell

T = 20_000
BIG = 600 * 1024  # over files.js PROGRESS_ABOVE, under the limit


def expect(*args, **kwargs):
    from playwright.sync_api import expect

    return expect(*args, **kwargs)


@pytest.fixture
def server(tmp_path):
    running = NotebookServer(tmp_path / "data", "--max-upload-mb", "1").start()
    yield running
    running.stop()


def drop(page, files: list[tuple[str, str | int]]) -> None:
    """Drop ``files`` (name, text or a size in bytes) on the worksheet, as a person dragging
    them from their desktop."""
    transfer = page.evaluate_handle("""(files) => {
        const dt = new DataTransfer();
        for (const [name, body] of files) {
          dt.items.add(new File([typeof body === 'number' ? 'x'.repeat(body) : body], name));
        }
        return dt;
    }""", [list(f) for f in files])
    for event in ("dragover", "drop"):
        page.dispatch_event("main.nb-worksheet", event, {"dataTransfer": transfer})


def panel(page):
    return page.get_by_role("region", name="Files of this worksheet")


def toggle(page):
    page.get_by_role("button", name="Files", exact=True).click()


def openPanel(page):
    toggle(page)
    expect(panel(page)).to_be_visible()


def names(page):
    return panel(page).get_by_role("list", name="Files").locator(".nb-files-name")


def test_files_dropped_upload_and_everyone_sees_them_renamed_downloaded_deleted(three):
    owner, carla, vic = three
    for page in (carla, vic):
        openPanel(page)
        expect(panel(page)).to_contain_text("No files")
    # Record every progress bar the owner's page shows.
    owner.evaluate("""() => {
        window.bars = [];
        new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => {
          if (n instanceof Element && n.querySelector('progress')) {
            window.bars.push(n.querySelector('progress').getAttribute('aria-label'));
          }
        }))).observe(document.body, {subtree: true, childList: true});
    }""")
    drop(owner, [("notes.txt", "hello from a file\n"), ("big.bin", BIG)])
    expect(panel(owner)).to_be_visible(timeout=T)  # a drop opens the panel
    for page in (owner, carla, vic):
        expect(names(page)).to_have_text(["big.bin", "notes.txt"], timeout=T)
    expect(panel(owner).get_by_role("listitem").filter(has_text="big.bin")).to_contain_text(
        "600 KiB")
    assert owner.evaluate("window.bars") == ["Uploading big.bin"]

    # A cell reads the upload by name, in the (sandboxed) kernel's directory (the panel is
    # closed first: it lies over the cells).
    toggle(owner)
    expect(panel(owner)).to_be_hidden()
    runCell(owner, 1, "print(open('notes.txt').read(), end='')")
    expect(output(owner, 1)).to_have_text("hello from a file", timeout=60_000)
    openPanel(owner)

    # Rename, live for the others. Carla uploads a file while the owner types the new name: the
    # owner's list is shown again, and the field keeps what was typed and the focus.
    panel(owner).get_by_role("button", name="Rename notes.txt").click()
    field = panel(owner).get_by_role("textbox", name="New name for notes.txt")
    field.fill("ren")
    drop(carla, [("third.txt", "3")])
    expect(names(owner)).to_have_text(["big.bin", "third.txt"], timeout=T)
    expect(field).to_be_focused()
    expect(field).to_have_value("ren")
    field.press("End")
    field.press_sequentially("amed.txt")
    field.press("Enter")
    for page in (owner, carla):
        expect(names(page)).to_have_text(["big.bin", "renamed.txt", "third.txt"], timeout=T)

    # Download, as the owner and as the viewer.
    for page in (owner, vic):
        with page.expect_download() as got:
            panel(page).get_by_role("link", name="renamed.txt").click()
        assert got.value.suggested_filename == "renamed.txt"
        assert open(got.value.path()).read() == "hello from a file\n"

    # Delete, after a confirmation; Carla sees it go.
    owner.once("dialog", lambda dialog: dialog.accept())
    panel(owner).get_by_role("button", name="Delete big.bin").click()
    for page in (owner, carla):
        expect(names(page)).to_have_text(["renamed.txt", "third.txt"], timeout=T)
    # The focus stays in the panel, where Escape closes it, the focus back on its button.
    expect(panel(owner).locator(":focus")).to_have_count(1)
    owner.keyboard.press("Escape")
    expect(panel(owner)).to_be_hidden()
    files = owner.get_by_role("button", name="Files", exact=True)
    expect(files).to_be_focused()
    # Escape on the button that just opened it closes it too.
    files.press("Enter")
    expect(panel(owner)).to_be_visible()
    files.press("Escape")
    expect(panel(owner)).to_be_hidden()
    expect(files).to_be_focused()


def test_a_file_over_the_limit_is_refused_with_the_servers_sentence(three):
    owner, carla, _ = three
    openPanel(carla)
    drop(carla, [("huge.bin", 1536 * 1024), ("small.txt", "fits")])
    expect(panel(carla).get_by_role("alert")).to_have_text(
        "The file 'huge.bin' is 1.5 MiB, and a file uploaded to a worksheet may have at most "
        "1 MiB; nothing was uploaded.", timeout=T)
    # The other file of the drop went in; the collaborator may upload.
    for page in (carla, owner):
        if page is owner:
            openPanel(owner)
        expect(names(page)).to_have_text(["small.txt"], timeout=T)


def test_a_viewer_lists_and_downloads_but_cannot_change_files(three):
    owner, _, vic = three
    drop(owner, [("shared.txt", "read me")])
    expect(names(owner)).to_have_text(["shared.txt"], timeout=T)
    openPanel(vic)
    expect(names(vic)).to_have_text(["shared.txt"], timeout=T)
    expect(panel(vic).get_by_role("button", name="Upload files")).to_be_hidden()
    expect(panel(vic).locator(".nb-files-note")).not_to_contain_text("upload")  # not theirs
    expect(panel(vic).get_by_role("button", name="Rename shared.txt")).to_have_count(0)
    expect(panel(vic).get_by_role("button", name="Delete shared.txt")).to_have_count(0)
    # Dropping uploads nothing, and says why; asking the server directly is refused.
    drop(vic, [("mine.txt", "no")])
    expect(panel(vic).get_by_role("alert")).to_have_text(
        "You have read-only access to this worksheet, so you cannot upload files to it.")
    answers = vic.evaluate("""async () => {
        const send = (name, body, type) => fetch(`folder/${name}`, {method: 'POST', body,
          headers: {'content-type': type}}).then(async (r) => [r.status, (await r.json()).error.message]);
        return [await send('mine.txt', 'no', 'application/octet-stream'),
                await send('shared.txt', JSON.stringify({action: 'delete'}), 'application/json')];
    }""")
    for status, message in answers:
        assert status == 403 and message.startswith("You (Vic) have read-only access")
    owner.reload()
    openPanel(owner)
    expect(names(owner)).to_have_text(["shared.txt"], timeout=T)
