"""The kernel worker's stdout and stderr (athena_nb/kernel/streams.py), over real pipes: stdout
in batches, stderr at once after it, nothing overtaken by a process the code starts."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap

import pytest

from athena_nb.kernel.streams import OutputStreams

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Pipe:
    """One end to write into, the other read without blocking."""

    def __init__(self) -> None:
        self.read, self.write = os.pipe()
        os.set_blocking(self.read, False)

    def take(self) -> bytes:
        """What reached the pipe since the last take."""
        try:
            return os.read(self.read, 1 << 20)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        os.close(self.read)
        os.close(self.write)


@pytest.fixture
def pipes():
    out, err = Pipe(), Pipe()
    yield out, err
    out.close()
    err.close()


def test_stdout_is_held_until_the_poll_and_goes_out_in_one_write(pipes):
    out, err = pipes
    streams = OutputStreams(out.write, err.write, startThread=False)
    streams.cellStarted()
    for i in range(1000):
        print(i, file=streams.stdout)
    assert out.take() == b"", "nothing is written line by line"
    streams.poll()
    assert out.take() == b"".join(b"%d\n" % i for i in range(1000))
    print("the end", file=streams.stdout)
    streams.cellEnded()
    assert out.take() == b"the end\n", "a cell's end writes what is held"


def test_stderr_goes_out_a_line_at_a_time_after_what_stdout_holds(pipes):
    out, err = pipes
    streams = OutputStreams(out.write, err.write, startThread=False)
    print("before", file=streams.stdout)
    streams.stderr.write("Warning: ")
    assert out.take() == b"before\n" and err.take() == b""
    streams.stderr.write("careful\n")
    assert err.take() == b"Warning: careful\n", "the line in one write"
    print("after", file=streams.stdout)
    streams.stderr.write("50%\r")
    assert out.take() == b"after\n" and err.take() == b"50%\r"
    streams.stderr.write("unended")
    streams.poll()
    assert err.take() == b"unended"


def test_the_thread_writes_stdout_while_a_cell_runs_and_between_cells(pipes):
    out, err = pipes
    streams = OutputStreams(out.write, err.write, interval=0.005, idleInterval=0.05)

    def expect(text: bytes) -> None:
        seen = b""
        while seen != text:
            ready, _, _ = select.select([out.read], [], [], 10)
            assert ready, f"only {seen!r} came out"
            seen += out.take()

    streams.cellStarted()
    streams.stdout.write("Computing... ")  # no end of line: line buffering kept it
    expect(b"Computing... ")
    streams.cellEnded()
    print("from a thread the cell left", file=streams.stdout)
    expect(b"from a thread the cell left\n")


def test_a_process_the_code_starts_does_not_overtake_what_stdout_holds():
    """In a process of its own, installed as the worker installs it (the thread never comes:
    a minute's interval): os.system's, subprocess's and a fork's children write to the same
    pipe, after what was printed before them."""
    program = textwrap.dedent("""
        import os, subprocess, sys
        from athena_nb.kernel.streams import OutputStreams
        streams = OutputStreams(1, 2, interval=60, idleInterval=60)
        streams.install()
        out = streams.stdout
        streams.cellStarted()
        print("one", file=out)
        os.system("echo two")
        print("three", file=out)
        subprocess.run(["echo", "four"])
        print("five", file=out)
        if os.fork() == 0:
            print("six", file=out)
            out.flush()
            os._exit(0)
        os.wait()
        print("seven", file=out)
        streams.cellEnded()
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == ["one", "two", "three", "four", "five", "six",
                                            "seven"]
