"""Cell modes and IPython's magics in the worker, in-process (athena_nb.kernel.cellmodes)."""

import pytest

from athena_nb.kernel import cellmodes, worker
from athena_nb.kernel.cellmodes import Header, parseHeader, rewriteMagics
from tests.unit.test_kernel_worker import FakeChannel


@pytest.fixture
def w(tmp_path):
    return worker.Worker(FakeChannel(), "python", str(tmp_path), {})


# -- the header ------------------------------------------------------------------------------


@pytest.mark.parametrize("code, header", [
    ("1+1", Header(None, frozenset(), 0, "1+1")),
    ("%sh\nls", Header("sh", frozenset(), 1, "ls")),
    ("%hide\n%auto\n%md\n# Title", Header("md", frozenset({"hide", "auto"}), 3, "# Title")),
    ("  %gp  \n2+2", Header("gp", frozenset(), 1, "2+2")),
    ("%sh\n%md\nx", Header("sh", frozenset(), 1, "%md\nx")),  # one mode: the second is text
    ("%time x\n%sh", Header(None, frozenset(), 0, "%time x\n%sh")),  # a magic, not a mode
    ("%unknown\nx", Header(None, frozenset(), 0, "%unknown\nx")),
    ("x\n%sh", Header(None, frozenset(), 0, "x\n%sh")),  # only at the top
    ("%auto", Header(None, frozenset({"auto"}), 1, "")),
])
def test_the_header_is_the_leading_directive_lines(code, header):
    assert parseHeader(code) == header


def test_the_padded_body_keeps_the_cell_s_line_numbers():
    header = parseHeader("%auto\n%python\nx = 1\ny")
    assert header.padded() == "\n\nx = 1\ny"


def test_magic_lines_are_rewritten_line_for_line():
    source = "a = 1\n  !ls -l\n%timeit a + 1\nb = %time 2\n%time\n"
    out = rewriteMagics(source)
    assert out.count("\n") == source.count("\n")
    lines = out.split("\n")
    assert lines[1] == "  __athena_magics__.shell('ls -l')"
    assert lines[2] == "__athena_magics__.timeit('\\n\\na + 1')"
    assert lines[3] == "b = %time 2"  # a magic inside an expression is not one of ours
    assert lines[4] == "%time"  # nothing after it to time: left for the parser to refuse


def test_help_lines_anywhere_are_rewritten_but_not_inside_strings():
    source = "\n".join([
        "import os", "os.path?", "  ??os.sep", "print?? ",
        's = """', "Why?", "!ls", '"""',
        "t = '''a", "b?'''", "!echo hi", "x = a?b"])
    lines = rewriteMagics(source).split("\n")
    assert lines[1] == "__athena_magics__.help('os.path', 0)"
    assert lines[2] == "  __athena_magics__.help('os.sep', 1)"
    assert lines[3] == "__athena_magics__.help('print', 1)"
    assert lines[5:7] == ["Why?", "!ls"]  # a triple-quoted string's text stays as it is
    assert lines[9] == "b?'''"
    assert lines[10] == "__athena_magics__.shell('echo hi')"
    assert lines[11] == "x = a?b"  # no help line: left for the parser to refuse


def test_a_help_line_prints_the_help_where_it_stands(w, capfd):
    assert w.runCell("value = 41\nprint('before')\nvalue?\nvalue + 1") == "ok"
    out = capfd.readouterr().out
    assert out.startswith("before\nType: int\n") and "Docstring:" in out
    assert w.tail == [{"type": "result", "data": {"text/plain": "42"}}]
    assert w.runCell("def f():\n    'Says hi.'\n    return 1\nf??") == "ok"
    out = capfd.readouterr().out
    assert "Source:\ndef f():" in out and "Says hi." in out
    assert w.runCell("x = 1\nnowhere?") == "ok"
    assert "Object 'nowhere' not found." in capfd.readouterr().out


def test_a_cell_magic_holds_the_whole_cell():
    out = rewriteMagics("\n%%timeit x = 2\nx * 3\n")
    assert out.count("\n") == 3
    assert out.split("\n")[1] == "__athena_magics__.timeit('\\n\\nx * 3\\n', 'x = 2')"
    out = rewriteMagics("%timeit\nx * 3")  # alone on the first line: the whole cell
    assert out == "__athena_magics__.timeit('\\nx * 3', '')\n"


@pytest.mark.parametrize("seconds, text", [
    (2.5, "2.5 s"), (0.00123, "1.23 ms"), (4.56e-6, "4.56 µs"), (7e-9, "7 ns"), (75, "1min 15s"),
])
def test_durations_read_as_ipython_prints_them(seconds, text):
    assert cellmodes.formatSeconds(seconds) == text


# -- running modes ---------------------------------------------------------------------------


def test_md_html_and_latex_cells_show_their_text_as_that_kind_of_output(w):
    for mode, mime in (("md", "text/markdown"), ("html", "text/html"), ("latex", "text/latex")):
        w.tail.clear()
        assert w.runCell("%%%s\nsome *text* $x^2$" % mode) == "ok"
        [shown] = w.tail
        assert shown["type"] == "display" and shown["data"][mime] == "some *text* $x^2$"


def test_a_sh_cell_runs_in_the_worksheet_directory_and_fails_on_a_bad_status(
        w, tmp_path, capfd, monkeypatch):
    (tmp_path / "data.txt").write_text("hello\n")
    monkeypatch.chdir(tmp_path)
    assert w.runCell("%sh\ncat data.txt\necho done >&2") == "ok"
    out, err = capfd.readouterr()
    assert out == "hello\n" and err == "done\n"
    assert w.runCell("%sh\nexit 3") == "error"
    [error] = w.tail
    assert error["ename"] == "ShellError" and "exit status 3" in error["evalue"]


def test_bang_lines_run_in_the_shell_between_python_lines(w, capfd):
    assert w.runCell("print('one', flush=True)\n!echo two\nprint('three')") == "ok"
    assert capfd.readouterr().out == "one\ntwo\nthree\n"


def test_python_mode_keeps_line_numbers_in_tracebacks(w):
    assert w.runCell("%python\n%hide\nx = 1\nraise ValueError(x)") == "error"
    [error] = w.tail
    assert "<cell 0>\", line 4" in error["traceback"]
    assert "raise ValueError(x)" in error["traceback"]


def test_time_gives_the_value_and_says_how_long(w, capfd):
    assert w.runCell("x = 20\n%time x + 22") == "ok"
    assert w.tail == [{"type": "result", "data": {"text/plain": "42"}}]
    out = capfd.readouterr().out
    assert out.startswith("CPU time: ") and "\nWall time: " in out


@pytest.mark.parametrize("first", ["%%time", "%time"])  # %time alone: the Sage Notebook's way
def test_cell_time_runs_the_cell_in_the_namespace(w, capfd, first):
    assert w.runCell(f"{first}\ny = 6\ny * 7") == "ok"
    assert w.namespace["y"] == 6
    assert w.tail == [{"type": "result", "data": {"text/plain": "42"}}]
    assert "Wall time" in capfd.readouterr().out


def test_timeit_reports_mean_and_spread_of_seven_runs(w, capfd):
    assert w.runCell("n = 3\n%timeit n * 2") == "ok"
    out = capfd.readouterr().out
    assert "per loop (mean ± std. dev. of 7 runs, " in out and "loops each)" in out
    assert w.runCell("%%timeit k = 5\nk + n") == "ok"
    assert "per loop" in capfd.readouterr().out


def test_an_error_in_a_timed_line_names_its_line(w, capfd):
    assert w.runCell("a = 1\n%time 1 / 0") == "error"
    [error] = w.tail
    assert error["ename"] == "ZeroDivisionError"
    assert "line 2" in error["traceback"]


def test_sage_modes_without_sage_say_what_is_missing(w, monkeypatch):
    def noSage(_worker):
        raise ImportError("No module named 'sage'")

    monkeypatch.setattr(worker, "setUpSage", noSage)
    for mode in ("sage", "gp", "maxima"):
        w.tail.clear()
        assert w.runCell("%%%s\n2+2" % mode) == "error"
        [error] = w.tail
        assert error["ename"] == "SystemUnavailable"
        assert error["evalue"].startswith("%%%s needs Sage" % mode)


def test_the_worksheet_system_is_the_default_mode(w):
    assert w.runCell("*hello*", "md") == "ok"
    assert w.tail[0]["data"]["text/markdown"] == "*hello*"


def test_more_of_ipythons_habits_are_rewritten_line_for_line():
    from athena_nb.kernel.cellmodes import unknownMagic

    source = "%matplotlib inline\nimport x\n  %pip install a b\n%env\n%cd ~/data"
    assert rewriteMagics(source) == (
        "__athena_magics__.matplotlib('inline')\nimport x\n"
        "  __athena_magics__.pip('install a b')\n__athena_magics__.env('')\n"
        "__athena_magics__.cd('~/data')")
    assert rewriteMagics("%%writefile -a f.py\nx = 1\n") == (
        "__athena_magics__.writefile('\\nx = 1\\n', '-a f.py')\n\n")
    assert parseHeader("%%bash\nls").mode == "sh" and parseHeader("%%html\n<b>").mode == "html"
    assert parseHeader("x = 1\n%%bash").mode is None, "only as the first line"
    assert unknownMagic("a = 1\n  %who", 2).startswith("%who is not a magic athena-nb knows.")
    assert unknownMagic("a = (1,\n", 2) is None
    assert unknownMagic("s = ('%d'\n     % 5)", 2) is None, "the operator is no magic"


def test_a_bare_env_hides_what_looks_secret_and_misplaced_magics_say_where_they_go(monkeypatch):
    from athena_nb.kernel.cellmodes import Magics, unknownMagic

    monkeypatch.setenv("ATHENA_NB_TOKEN", "not-for-viewers")
    monkeypatch.setenv("PLAIN_SETTING", "shown")
    shown = Magics({}, None, None, lambda: None, lambda name, detail: "").env("")
    assert shown["ATHENA_NB_TOKEN"] == "<hidden>" and shown["PLAIN_SETTING"] == "shown"
    assert unknownMagic("x = 1\n%time", 2).startswith("%time alone times the whole cell only")
    assert unknownMagic("x = 1\n%%bash", 2).startswith("%%bash works only as the cell's first")
    assert parseHeader("%hide\n%%bash\nls") == Header("sh", frozenset({"hide"}), 2, "ls")
