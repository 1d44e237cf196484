"""The worker's pieces, in-process: cells, values, errors, rich output, completion, file changes
(athena_nb.kernel.worker)."""

import base64
import os

import pytest

from athena_nb.kernel import introspection, objecthelp, worker


class FakeChannel:
    """Collects frames; answers every sync event with an ack, as the server does."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)

    def receive(self):
        return {"op": "ack"}


@pytest.fixture
def w(tmp_path):
    return worker.Worker(FakeChannel(), "python", str(tmp_path), {})


def test_the_last_expression_is_the_result_and_the_namespace_persists(w):
    """Like an interactive prompt: the value of the final expression is shown, and kept as _."""
    assert w.runCell("x = 20\nx + 22") == "ok"
    assert w.tail == [{"type": "result", "data": {"text/plain": "42"}}]
    assert w.namespace["_"] == 42
    w.tail.clear()
    assert w.runCell("x = 1") == "ok" and w.tail == []
    assert w.runCell("None") == "ok" and w.tail == []


def test_display_during_a_cell_goes_out_at_once_and_waits_for_the_ack(w):
    """display() from running code sends a sync event immediately (it does not wait for the
    end of the cell) and consumes the server's ack."""
    w.runCell("class R:\n    def _repr_html_(self): return '<i>r</i>'\ndisplay(R())")
    [frame] = w.channel.sent
    assert frame["op"] == "event" and frame["sync"] is True
    assert frame["event"]["data"]["text/html"] == "<i>r</i>"


def test_exceptions_become_error_events_without_worker_frames(w):
    status = w.runCell("def f():\n    raise ValueError('bad value')\nf()")
    assert status == "error"
    [error] = w.tail
    assert error["ename"] == "ValueError" and error["evalue"] == "bad value"
    assert "line 2, in f" in error["traceback"]
    assert "raise ValueError('bad value')" in error["traceback"]
    assert worker.__file__ not in error["traceback"]


def test_a_tracebacks_carets_stand_under_the_failing_part_of_the_cells_last_line(w):
    """As Python places them for a file: under ``undefined``, also on the cell's last line,
    which has no newline after it."""
    for code, line in (("len(undefined)", "len(undefined)"),
                       ("x = 1\ny = undefined + 1", "y = undefined + 1")):
        w.tail.clear()
        assert w.runCell(code) == "error"
        shown = w.tail[0]["traceback"].splitlines()
        at = shown.index("    " + line)
        assert shown[at + 1] == " " * (4 + line.index("undefined")) + "^" * len("undefined")


def test_syntax_errors_are_reported_without_a_stack(w):
    assert w.runCell("def (:") == "error"
    [error] = w.tail
    assert error["ename"] == "SyntaxError"
    assert error["traceback"].startswith('  File "<cell')


def test_rich_reprs_become_mime_bundles(w):
    """_repr_html_, _repr_latex_ and _repr_png_ (as base64) are collected next to text/plain."""

    class Rich:
        def _repr_html_(self):
            return "<b>x</b>"

        def _repr_latex_(self):
            return "$x$"

        def _repr_png_(self):
            return b"\x89PNG fake"

        def __repr__(self):
            return "Rich()"

    data = w.mimeBundle(Rich())
    assert data == {"text/html": "<b>x</b>", "text/latex": "$x$",
                    "image/png": base64.b64encode(b"\x89PNG fake").decode(),
                    "text/plain": "Rich()"}
    assert w.mimeBundle(Rich) == {"text/plain": repr(Rich)}  # a class is not rendered


def test_a_broken_rich_repr_falls_back_to_text(w):
    class Broken:
        def _repr_html_(self):
            raise RuntimeError("nope")

        def __repr__(self):
            return "Broken()"

    assert w.mimeBundle(Broken()) == {"text/plain": "Broken()"}


def test_question_mark_cells_introspect(w):
    w.runCell("def g(a):\n    'Doc of g.'\n    return a")
    w.tail.clear()
    w.runCell("g?")
    assert "Doc of g." in w.tail[0]["text"] and "return a" not in w.tail[0]["text"]
    w.tail.clear()
    w.runCell("g??")
    assert "return a" in w.tail[0]["text"]


def test_input_asks_the_server_and_returns_its_answer(w):
    """input() in a cell sends its prompt (and waits for the ack), then waits for the answer
    of its own request; outside a cell there is nobody to ask."""
    answers = iter([{"op": "ack"}, {"op": "answer", "id": 6, "value": "late"},
                    {"op": "answer", "id": 7, "value": "Ann"}])
    w.channel.receive = lambda: next(answers)
    w.requestId, w.inCell = 7, True
    assert w.input("name? ") == "Ann", "an answer to an earlier request is not this one's"
    [frame] = w.channel.sent
    assert frame["event"] == {"type": "input", "prompt": "name? ", "password": False}
    w.inCell = False
    with pytest.raises(worker.NoStdinError, match="no standard input"):
        w.input("name? ")
    with pytest.raises(worker.NoStdinError):
        worker._NoStdin().readline()


def test_completion_of_names_and_attributes():
    ns = {"alpha": 1, "alphabet": 2, "os": os}
    assert introspection.complete(ns, "x = alp", 7) == {"matches": ["alpha", "alphabet"],
                                                 "types": ["instance", "instance"],
                                                 "start": 4, "end": 7}
    reply = introspection.complete(ns, "os.pa", 5)
    assert "os.path" in reply["matches"] and "os.__class__" not in reply["matches"]
    assert reply["start"] == 0
    assert "os._exit" in introspection.complete(ns, "os._exi", 7)["matches"]
    assert introspection.complete(ns, "x = ", 4)["matches"] == []
    assert introspection.complete(ns, "missing.x", 9)["matches"] == []


def test_introspection_finds_or_says_not_found():
    ns = {"f": lambda x: x}
    assert objecthelp.introspect(ns, "f", 0)["found"] is True
    assert objecthelp.introspect(ns, "nope", 0) == {"found": False, "text": "Object 'nope' not found."}
    assert objecthelp.introspect(ns, "1 + 1", 0)["found"] is False  # names only, no evaluation


def test_file_changes_are_created_or_modified_and_dot_dirs_are_skipped(tmp_path):
    (tmp_path / "old.txt").write_text("1")
    (tmp_path / ".git").mkdir()
    before = worker.snapshotFiles(str(tmp_path))
    (tmp_path / "new.txt").write_text("n")
    (tmp_path / "old.txt").write_text("22")
    (tmp_path / ".git" / "HEAD").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "inner.png").write_bytes(b"x")
    after = worker.snapshotFiles(str(tmp_path))
    assert list(worker.diffFiles(before, after)) == [
        ("d/inner.png", "created"), ("new.txt", "created"), ("old.txt", "modified")]
    assert list(worker.diffFiles(after, after)) == []


def test_after_a_failed_chdir_cells_refuse_to_run_until_one_works(tmp_path, monkeypatch):
    """A cell queued behind a chdir that failed must not run in the old directory: it ends
    with an error naming the directory; once a chdir works, cells run there again."""
    monkeypatch.chdir(tmp_path)  # restored after the test
    channel = FakeChannel()
    w = worker.Worker(channel, "python", str(tmp_path), {})
    missing = str(tmp_path / "missing")
    w.op_chdir({"op": "chdir", "id": 1, "path": missing})
    assert channel.sent[-1]["ok"] is False and "missing" in channel.sent[-1]["message"]
    w.op_execute({"op": "execute", "id": 2, "code": "open('x.txt', 'w').write('1')"})
    done = channel.sent[-1]
    assert done["op"] == "done" and done["status"] == "error"
    assert "did not run" in done["message"] and missing in done["message"]
    assert [e["type"] for e in done["events"]] == ["error"]
    assert not (tmp_path / "x.txt").exists()
    (tmp_path / "missing").mkdir()
    w.op_chdir({"op": "chdir", "id": 3, "path": missing})
    assert channel.sent[-1] == {"op": "reply", "id": 3, "ok": True, "value": {"cwd": missing}}
    w.op_execute({"op": "execute", "id": 4, "code": "open('x.txt', 'w').write('1')"})
    assert channel.sent[-1]["status"] == "ok"
    assert (tmp_path / "missing" / "x.txt").exists()


def test_an_interrupted_cell_leaves_later_events_for_the_done_frame(w):
    """A KeyboardInterrupt propagates out of runCell (op_execute reports it), and the worker is
    no longer "in the cell": what comes next rides in "done" instead of waiting for an ack."""
    with pytest.raises(KeyboardInterrupt):
        w.runCell("raise KeyboardInterrupt")
    assert w.inCell is False
    assert w.runCell("1") == "ok"
    assert w.channel.sent == [] and w.tail == [{"type": "result", "data": {"text/plain": "1"}}]


def test_questions_are_answered_and_a_failing_one_is_refused_with_a_sentence(w):
    """complete and introspect reply ok with their value; a malformed request gets a refusal
    naming the failure instead of taking the worker down."""
    w.op_complete({"op": "complete", "id": 1, "code": "pri", "cursor": 3})
    reply = w.channel.sent[-1]
    assert reply["id"] == 1 and reply["ok"] is True and "print" in reply["value"]["matches"]
    w.op_introspect({"op": "introspect", "id": 2, "name": "len"})
    assert w.channel.sent[-1]["ok"] is True and w.channel.sent[-1]["value"]["found"] is True
    w.op_complete({"op": "complete", "id": 3, "code": "pri"})
    assert w.channel.sent[-1] == {"op": "reply", "id": 3, "ok": False,
                                  "message": "Completion failed: KeyError: 'cursor'"}
    w.op_introspect({"op": "introspect", "id": 4})
    assert w.channel.sent[-1]["message"] == "Introspection failed: KeyError: 'name'"


def test_a_traceback_names_the_cell_by_the_count_the_kernel_gave_it(w, tmp_path, monkeypatch):
    """``<cell N>`` is the execution count the page shows (the kernel's, sent with the cell),
    not how many cells this worker ran; without one the worker counts by itself."""
    monkeypatch.chdir(tmp_path)
    w.op_execute({"op": "execute", "id": 1, "code": "1/0", "count": 7})
    assert '"<cell 7>", line 1' in w.channel.sent[-1]["events"][0]["traceback"]
    w.op_execute({"op": "execute", "id": 2, "code": "1/0"})
    assert '"<cell 8>", line 1' in w.channel.sent[-1]["events"][0]["traceback"]


def test_a_request_the_worker_cannot_carry_out_is_the_cells_error_not_the_kernels_end(w, tmp_path,
                                                                                      monkeypatch):
    """Help on a name whose lookup raises, or a mode nobody knows, ends that cell with an error
    saying why; the worker (and its namespace) goes on to the next request."""
    monkeypatch.chdir(tmp_path)
    w.runCell("class Meta(type):\n    def __getattribute__(cls, name):\n"
              "        raise RuntimeError('no looking')\nclass X(metaclass=Meta): pass\nkept = 5")
    w.op_execute({"op": "execute", "id": 1, "code": "X?"})
    done = w.channel.sent[-1]
    assert done["status"] == "error"
    assert [(e["ename"], e["evalue"]) for e in done["events"]] == [("RuntimeError", "no looking")]
    assert "worker.py" not in done["events"][0]["traceback"]
    w.op_execute({"op": "execute", "id": 2, "code": "kept", "system": "cobol"})
    [error] = w.channel.sent[-1]["events"]
    assert error["ename"] == "UnknownMode"
    assert error["evalue"].startswith("A cell cannot run as 'cobol': the modes are python, sage")
    w.op_execute({"op": "execute", "id": 3, "code": "kept"})
    assert w.channel.sent[-1]["events"] == [{"type": "result", "data": {"text/plain": "5"}}]
