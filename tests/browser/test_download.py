"""Downloads and "Edit a copy" in a real Chromium, through the real ``athena-nb`` process.

Every format downloads from a worksheet's toolbar and from its row on the home page; two
worksheets ticked on the home page come as one .zip that nbformat reads back; the .html opens
from disk with the server stopped and shows the typeset maths and the image.  A published
snapshot offers its owner "Edit a copy", which opens a new worksheet made of it; a visitor
without a session gets "Log in to edit a copy", and after logging in comes back to the button.
"""

from __future__ import annotations

import io
import re
import struct
import tarfile
import zipfile
import zlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.browser.conftest import watchPage
from tests.browser.test_notebook_collab import expect
from tests.support.notebookbrowser import login, toolbarMenu, waitLive

T = 30_000


def png(width: int = 24, height: int = 16) -> bytes:
    """A real PNG: a red rectangle."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def notebook(title: str) -> bytes:
    import base64

    nb = new_notebook()
    nb.cells = [new_markdown_cell(f"# {title}\n\nThe ratio is $\\frac{{a}}{{b}}$."),
                new_code_cell("show()", execution_count=1, outputs=[
                    new_output("display_data", data={"image/png": base64.b64encode(png()).decode(),
                                                     "text/plain": "<Figure>"}),
                    new_output("execute_result", data={"text/latex": "$x^{2} + 1$",
                                                       "text/plain": "x**2 + 1"},
                               execution_count=1)])]
    return nbformat.writes(nb).encode()


def importNotebooks(page, *titles: str) -> None:
    page.locator("#import-file").set_input_files([
        {"name": f"{t}.ipynb", "mimeType": "application/x-ipynb+json", "buffer": notebook(t)}
        for t in titles])
    for title in titles:
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible(timeout=T)


def downloaded(page, click) -> tuple[str, bytes]:
    with page.expect_download() as got:
        click()
    download = got.value
    with open(download.path(), "rb") as f:
        return download.suggested_filename, f.read()


def checkFile(name: str, body: bytes, stem: str, suffix: str) -> None:
    assert name == f"{stem}.{suffix}"
    if suffix == "ipynb":
        back = nbformat.reads(body.decode(), as_version=4)
        assert back.cells[1].outputs[1].data["text/latex"] == "$x^{2} + 1$"
    elif suffix == "py":
        assert b"# %%" in body and b"show()" in body
    elif suffix == "sws":
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:bz2") as archive:
            assert archive.getnames()
    else:
        assert suffix == "html" and b"<math" in body and b"data:image/png;base64," in body


def test_every_format_downloads_and_the_html_stands_alone_with_the_server_stopped(
        context, browser, server, watch, tmp_path):
    page = context.new_page()
    seen = watch(page)
    login(page, server)
    importNotebooks(page, "optics", "waves")

    formats = {"ipynb": "a Jupyter notebook", "py": "a Python script",
               "sws": "a Sage Notebook worksheet", "html": "a web page"}
    menu = page.get_by_label("Download optics", exact=True)
    for fmt, what in formats.items():  # from the home page's row
        menu.click()
        name, body = downloaded(page, page.get_by_role(
            "link", name=f"Download optics as {what}", exact=True).click)
        checkFile(name, body, "optics", fmt)
        menu.click()  # closed again

    zipButton = page.get_by_role("button", name=re.compile(r"Download .* as \.zip"))
    expect(zipButton).to_be_disabled()
    page.get_by_role("checkbox", name="Choose optics").check()
    page.get_by_role("checkbox", name="Choose waves").check()
    expect(zipButton).to_have_text("Download 2 as .zip")
    name, body = downloaded(page, zipButton.click)
    assert name == "worksheets.zip"
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert sorted(z.namelist()) == ["optics.ipynb", "waves.ipynb"]
        for title in ("optics", "waves"):
            back = nbformat.reads(z.read(f"{title}.ipynb").decode(), as_version=4)
            nbformat.validate(back)
            assert back.cells[0].source.startswith(f"# {title}")
    expect(page.locator("#home-status")).to_have_text("Downloaded 2 worksheets as worksheets.zip.")

    page.get_by_role("link", name="waves", exact=True).click()  # from the worksheet's toolbar
    waitLive(page)
    for fmt in formats:
        toolbarMenu(page, "Download")
        name, body = downloaded(page, page.locator(f'.nb-toolbar a[href="download/{fmt}"]').click)
        checkFile(name, body, "waves", fmt)
    seen.assertClean()

    saved = tmp_path / "waves.html"
    saved.write_bytes(body)
    server.stop()
    offline = browser.new_context(offline=True)
    try:
        disk = offline.new_page()
        diskSeen = watchPage(disk)
        disk.goto(saved.as_uri())
        expect(disk.get_by_role("heading", level=1).first).to_have_text("waves")
        fraction = disk.locator(".public-text math mfrac")
        expect(fraction).to_be_visible()
        box = fraction.bounding_box()
        assert box["height"] > box["width"] / 4 and box["height"] > 20  # stacked: typeset
        expect(disk.locator(".public-math math msup")).to_be_visible()
        image = disk.locator("img.public-image")
        expect(image).to_be_visible()
        assert image.evaluate("(img) => img.complete && img.naturalWidth") == 24
        assert disk.locator(".public-cells").evaluate(
            "(el) => getComputedStyle(el).display") == "grid"  # the styles inside apply
        disk.screenshot(path=str(tmp_path / "offline.png"))
        diskSeen.assertClean()
    finally:
        offline.close()


def test_a_published_worksheet_is_copied_by_its_owner_and_a_visitor_logs_in_first(
        context, browser, server, watch):
    page = context.new_page()
    seen = watch(page)
    login(page, server)
    importNotebooks(page, "lecture")
    page.get_by_role("button", name="Share lecture").click()
    page.get_by_role("button", name="Publish snapshot of lecture", exact=True).click()
    field = page.get_by_role("textbox", name="Public link")
    expect(field).to_have_value(re.compile(r"/public/[0-9a-f]+/[A-Za-z0-9_-]+$"))
    publicURL = field.input_value()

    page.goto(publicURL)
    page.get_by_role("button", name="Edit a copy").click()
    page.wait_for_url(re.compile(r"/worksheets/[0-9a-f]+/$"))
    waitLive(page)
    expect(page.get_by_role("textbox", name="Worksheet title")).to_have_value("Copy of lecture")
    expect(page.locator(".nb-cell").nth(0).locator(".nb-md h1")).to_have_text("lecture",
                                                                              timeout=T)
    page.goto(server.origin + "/")
    expect(page.get_by_role("link", name="Copy of lecture", exact=True)).to_be_visible()
    seen.assertClean()

    stranger = browser.new_context()
    try:
        visitor = stranger.new_page()
        visitorSeen = watchPage(visitor)
        visitor.goto(publicURL)
        expect(visitor.get_by_role("button", name="Edit a copy")).to_have_count(0)
        visitor.get_by_role("link", name="Log in to edit a copy").click()
        visitor.get_by_label(re.compile("Token")).fill(server.token)
        visitor.get_by_role("button", name="Log in").click()
        visitor.wait_for_url(publicURL)
        expect(visitor.get_by_role("button", name="Edit a copy")).to_be_visible()
        visitorSeen.assertClean()
    finally:
        stranger.close()
