"""Uploads to a worksheet's files through the real server process: a file larger than the
site's 8 MiB limit on other requests is taken from its owner (saved in a thread, byte for
byte) and downloads again; one over --max-upload-mb is refused with the sentence.  After a
restart, the same session's first upload (its session loaded from the store while the body
waits) gets the same limit."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.integration.test_service import fetch, login, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration


def test_a_large_upload_is_saved_whole_and_one_over_the_limit_refused(server):  # noqa: F811
    s = server("--max-upload-mb", "16")
    owner = login(s)
    _, _, body = fetch(s.port, "POST", "/api/worksheets", cookie=owner, body={})
    sheet = json.loads(body)["worksheet"]["id"]
    data = os.urandom(12 << 20)
    octets = {"content-type": "application/octet-stream"}
    status, _, body = fetch(s.port, "POST", f"/worksheets/{sheet}/folder/big.bin", cookie=owner,
                            body=data, headers=octets)
    assert status == 201, body
    saved = json.loads(body)["file"]
    assert (saved["name"], saved["size"]) == ("big.bin", 12 << 20)
    status, headers, back = fetch(s.port, "GET", f"/worksheets/{sheet}/folder/big.bin",
                                  cookie=owner)
    assert status == 200 and hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
    assert headers["content-disposition"] == "attachment; filename*=UTF-8''big.bin"
    status, _, body = fetch(s.port, "POST", f"/worksheets/{sheet}/folder/more.bin", cookie=owner,
                            body=b"x" * (17 << 20), headers=octets)
    assert status == 413
    assert json.loads(body)["error"]["message"] == (
        "The file 'more.bin' is 17 MiB, and a file uploaded to a worksheet may have at most "
        "16 MiB; nothing was uploaded.")
    listed = json.loads(fetch(s.port, "GET", f"/worksheets/{sheet}/folder/", cookie=owner)[2])
    assert [f["name"] for f in listed["files"]] == ["big.bin"]
    s.stop()

    again = server("--max-upload-mb", "16")  # the same data directory: the session is kept
    status, _, body = fetch(again.port, "POST", f"/worksheets/{sheet}/folder/again.bin",
                            cookie=owner, body=data, headers=octets)
    assert status == 201, body
    listed = json.loads(fetch(again.port, "GET", f"/worksheets/{sheet}/folder/", cookie=owner)[2])
    assert sorted(f["name"] for f in listed["files"]) == ["again.bin", "big.bin"]
