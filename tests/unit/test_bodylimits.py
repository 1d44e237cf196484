"""Which requests may send a file larger than the site's limit on bodies (athena_nb/web/
bodylimits.py): the home page's Import from the owner, an upload to a worksheet's files from
someone who may change it, the REST API's import and file PUT with a token that may write,
whether their session is in the cache or must be loaded first; everyone else keeps the site's
limit, and a file over ``--max-upload-mb`` gets a sentence. In-memory HTTP on a Clock
(NotebookEnv)."""

from __future__ import annotations

import json

import nbformat
import pytest

from athena_nb.quotas import Quotas
from livefragments import Settings
from tests.support.notebook import NotebookEnv
from tests.support.webenv import COOKIE, TOKEN

OCTETS = {b"content-type": b"application/octet-stream"}
SITE_LIMIT = 4000
FILE_LIMIT = 20_000


@pytest.fixture
def env():
    env = NotebookEnv(settings=Settings(cookieName=COOKIE, maxMessageBytes=SITE_LIMIT))
    env.hubs.quotas = Quotas(maxFileBytes=FILE_LIMIT, maxFilesBytes=100_000)
    return env


def notebook(size: int) -> bytes:
    """An .ipynb of about ``size`` bytes: one long markdown cell."""
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x" * size)])
    return nbformat.writes(book).encode()


def refusal(answer, code=413) -> str:
    assert answer.code == code, (answer.code, answer.body)
    return json.loads(answer.body)["error"]["message"]


def script(env, method, path, body, token=TOKEN):
    headers = {**OCTETS, b"authorization": f"Bearer {token}".encode()}
    return env.settle(env.http.request(method, "/api/v1" + path, headers, body))


def test_the_owner_imports_a_file_larger_than_any_other_body_up_to_the_upload_limit(env):
    owner = env.owner()
    made = owner.post("/api/import?name=big.ipynb", notebook(3 * SITE_LIMIT), headers=OCTETS)
    assert made.code == 201, made.body
    too = owner.post("/api/import?name=huge.ipynb", notebook(FILE_LIMIT + 100), headers=OCTETS)
    assert refusal(too) == ("The file is 19.8 KiB, and a worksheet imported from a file may have "
                            "at most 19.5 KiB (the server's --max-upload-mb); nothing was "
                            "imported.")
    titles = [w["title"] for w in json.loads(owner.get("/api/worksheets").body)["worksheets"]]
    assert titles == ["big"]


def test_a_session_that_is_not_the_owners_keeps_the_sites_limit_for_an_import(env):
    owner = env.owner()
    sheet = env.worksheet("S", ("x = 1",))
    carla, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    answer = carla.post("/api/import?name=big.ipynb", notebook(3 * SITE_LIMIT), headers=OCTETS)
    assert "server's limit of 4000 bytes" in refusal(answer)


def test_a_script_with_a_token_that_may_write_imports_and_puts_large_files(env):
    made = script(env, b"POST", "/worksheets/import?name=big.ipynb", notebook(3 * SITE_LIMIT))
    assert made.code == 201, made.body
    wid = json.loads(made.body)["worksheet"]["id"]
    put = script(env, b"PUT", f"/worksheets/{wid}/files/data%2Fbig.bin", b"x" * (3 * SITE_LIMIT))
    assert put.code == 201, put.body
    over = script(env, b"PUT", f"/worksheets/{wid}/files/data%2Fhuge.bin", b"x" * (FILE_LIMIT + 1))
    assert refusal(over) == ("The file 'data/huge.bin' is 19.5 KiB, and a file uploaded to a "
                             "worksheet may have at most 19.5 KiB; nothing was uploaded.")
    # A token that may only read, and a wrong one, keep the site's limit.
    owner = env.owner()
    made = owner.request(b"POST", "/api/tokens", {"name": "reader", "scope": "read"})
    reader = json.loads(made.body)["token"]
    assert script(env, b"GET", "/worksheets", None, token=reader).code == 200  # now cached
    for token in (reader, "not-a-token"):
        answer = script(env, b"PUT", f"/worksheets/{wid}/files/other.bin",
                        b"x" * (3 * SITE_LIMIT), token=token)
        assert "server's limit of 4000 bytes" in refusal(answer)


def test_a_session_or_token_the_cache_let_go_of_is_looked_up_before_the_body_is_read(env):
    """As right after a restart: the first big upload of a session, or of a script's API token,
    that the server has not seen since gets the upload limit, not the site's."""
    owner = env.owner()
    sheet = env.worksheet("S", ("x = 1",))
    carla, _ = env.guest(owner, sheet.id, "collaborator", "Carla")
    viewer, _ = env.guest(owner, sheet.id, "viewer", "Vic")
    made = owner.request(b"POST", "/api/tokens", {"name": "script", "scope": "full"})
    token = json.loads(made.body)["token"]
    for session in (owner.cookie, carla.cookie, viewer.cookie, token):
        env.auth.sessions.forget(session)

    made = owner.post("/api/import?name=big.ipynb", notebook(3 * SITE_LIMIT), headers=OCTETS)
    assert made.code == 201, made.body
    sent = carla.post(f"/worksheets/{sheet.id}/folder/big.bin", b"x" * (3 * SITE_LIMIT),
                      headers=OCTETS)
    assert sent.code in (200, 201), sent.body
    put = script(env, b"PUT", f"/worksheets/{sheet.id}/files/other.bin",
                 b"x" * (3 * SITE_LIMIT), token=token)
    assert put.code == 201, put.body
    # Looked up, a viewer may still not send more than the site's limit.
    refused = viewer.post(f"/worksheets/{sheet.id}/folder/v.bin", b"x" * (3 * SITE_LIMIT),
                          headers=OCTETS)
    assert "server's limit of 4000 bytes" in refusal(refused)
