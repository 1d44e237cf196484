"""The kernel worker's batched stdout and stderr (athena_nb/kernel/streams.py), on a fake clock
over real pipes."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap

import pytest

from athena_nb.kernel.streams import OutputStreams


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Pipe:
    """One end to write into, the other read without blocking."""

    def __init__(self) -> None:
        self.read, self.write = os.pipe()
        os.set_blocking(self.read, False)

    def take(self) -> list[bytes]:
        """Each write that reached the pipe since the last take (the reads of a pipe keep
        writes apart only by size, so the test reads after every step)."""
        try:
            data = os.read(self.read, 1 << 20)
        except BlockingIOError:
            return []
        return [data]

    def close(self) -> None:
        os.close(self.read)
        os.close(self.write)


@pytest.fixture
def streams():
    clock = Clock()
    group = OutputStreams(interval=0.005, clock=clock, startThread=False)
    out, err = Pipe(), Pipe()
    stdout, stderr = group.open(out.write), group.open(err.write)
    yield clock, group, (stdout, out), (stderr, err)
    out.close()
    err.close()


def test_a_line_after_quiet_goes_out_at_once_and_text_without_an_end_of_line_soon(streams):
    clock, group, (stdout, out), _ = streams
    print("one line", file=stdout)
    assert out.take() == [b"one line\n"]
    clock.now += 1
    stdout.write("Computing... ")
    assert out.take() == []
    clock.now += 0.005
    assert group.flushDue() is None
    assert out.take() == [b"Computing... "]
    clock.now += 1
    stdout.write("10%\r")
    assert out.take() == [b"10%\r"]


def test_fast_writes_are_held_and_go_out_together_at_their_time(streams):
    clock, group, (stdout, out), _ = streams
    for i in range(3):
        print(i, file=stdout)
    assert out.take() == [b"0\n"], "the first went at once, the others wait"
    clock.now += 0.004
    assert group.flushDue() == pytest.approx(0.001)
    assert out.take() == []
    clock.now += 0.001
    assert group.flushDue() is None
    assert out.take() == [b"1\n2\n"]
    assert group.flushDue() is None, "nothing is held any more"


def test_writing_to_the_other_stream_writes_the_held_text_first(streams):
    clock, group, (stdout, out), (stderr, err) = streams
    print("a", file=stdout)
    print("b", file=stdout)
    assert out.take() == [b"a\n"]
    print("oops", file=stderr)
    assert out.take() == [b"b\n"] and err.take() == []
    clock.now += 0.005
    group.flushDue()
    assert err.take() == [b"oops\n"]


def test_flush_writes_everything_held_and_so_does_the_codes_own_flush(streams):
    clock, group, (stdout, out), _ = streams
    print("a", file=stdout)
    print("b", file=stdout)
    assert out.take() == [b"a\n"]
    group.flush()
    assert out.take() == [b"b\n"]
    print("c", file=stdout)
    assert out.take() == [], "held: the streams just wrote"
    stdout.flush()
    assert out.take() == [b"c\n"]


def test_a_thread_writes_held_text_by_itself(streams):
    _, _, (_, out), _ = streams
    group = OutputStreams(interval=0.005)  # the real clock, and the thread
    stdout = group.open(out.write)
    print("first", file=stdout)
    print("second", file=stdout)
    seen = b""
    while seen != b"first\nsecond\n":
        ready, _, _ = select.select([out.read], [], [], 10)
        assert ready, f"only {seen!r} came out"
        seen += b"".join(out.take())


def test_a_process_the_code_starts_does_not_overtake_held_text():
    """In a process of its own, as the worker installs it: the audit hook writes held text
    before os.system's child writes to the same pipe."""
    program = textwrap.dedent("""
        import os, sys
        from athena_nb.kernel.streams import OutputStreams
        group = OutputStreams(interval=60)
        group.install()
        stdout = group.open(1)
        print("one", file=stdout)
        print("two", file=stdout)
        os.system("echo three")
        print("four", file=stdout)
        import subprocess
        subprocess.run(["echo", "five"])
        if os.fork() == 0:
            print("six", file=stdout)
            stdout.flush()
            os._exit(0)
        os.wait()
        group.flush()
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == ["one", "two", "three", "four", "five", "six"]
