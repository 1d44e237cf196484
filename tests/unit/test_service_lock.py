"""One server per data directory: the lock (athena_nb/service/_lock.py)."""

import os
import stat

import pytest

from athena_nb.service import LOCK_FILE, DataDirLock, StartError


def test_a_second_holder_is_refused_with_the_first_ones_process_id(tmp_path):
    first, second = DataDirLock(str(tmp_path)), DataDirLock(str(tmp_path))
    first.acquire()
    with pytest.raises(StartError) as refused:
        second.acquire()
    assert str(refused.value) == (
        f"Another athena-nb server (process {os.getpid()}) is using the data directory "
        f"{str(tmp_path)!r}. Stop it first, or give this one another --data-dir.")
    assert not second.held
    first.release()
    second.acquire()
    assert second.held
    second.release()


def test_the_lock_file_is_the_owners_alone_and_stays_after_release(tmp_path):
    lock = DataDirLock(str(tmp_path))
    lock.acquire()
    lock.release()
    path = tmp_path / LOCK_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == f"{os.getpid()}\n"


def test_a_lock_file_with_garbage_in_it_names_no_process(tmp_path):
    holder = DataDirLock(str(tmp_path))
    holder.acquire()
    (tmp_path / LOCK_FILE).write_text("not a pid")
    with pytest.raises(StartError) as refused:
        DataDirLock(str(tmp_path)).acquire()
    assert str(refused.value).startswith("Another athena-nb server is using")
    holder.release()


def test_a_directory_that_cannot_hold_the_lock_file_is_said_so(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(StartError, match="Cannot open .* to lock the data directory"):
        DataDirLock(str(missing)).acquire()
