"""Pieces of the notebook service: its URL, server.json, the open-files limit, the database
check twistd makes before daemonizing.  How it starts and stops: test_service_lifecycle.py."""

from __future__ import annotations

import gc
import json
import os
import resource
import stat

import pytest
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress

from athena_nb.service import (
    GC_YOUNG_THRESHOLD,
    NOFILE_CAP,
    StartError,
    checkDatabase,
    kernelSystem,
    raiseOpenFilesLimit,
    serverURL,
    tuneGarbageCollector,
    writeServerJSON,
)


def test_the_url_names_the_real_address_and_the_token():
    assert serverURL(IPv4Address("TCP", "127.0.0.1", 41234), "tok", secure=False) == \
        "http://127.0.0.1:41234/?token=tok"
    assert serverURL(IPv4Address("TCP", "0.0.0.0", 80), "t", secure=True) == \
        "https://127.0.0.1:80/?token=t"
    assert serverURL(IPv6Address("TCP", "::1", 8080), "t", secure=False) == \
        "http://[::1]:8080/?token=t"
    assert serverURL(IPv6Address("TCP", "::", 8080), "t", secure=False) == \
        "http://[::1]:8080/?token=t"
    with pytest.raises(StartError, match="has no http URL"):
        serverURL(UNIXAddress("/tmp/sock"), "t", secure=False)


def test_server_json_is_written_whole_and_private(tmp_path):
    path = writeServerJSON(str(tmp_path), {"url": "http://x/?token=t", "port": 1, "pid": 2})
    assert json.loads(open(path).read()) == {"url": "http://x/?token=t", "port": 1, "pid": 2}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["server.json"]  # no temporary file left behind


def test_the_open_files_soft_limit_is_raised_to_the_hard_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = NOFILE_CAP if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, target), hard))
    try:
        old, new = raiseOpenFilesLimit()
        assert old == min(256, target)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (new, hard)
        assert new == target
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, new), hard))


def test_the_garbage_collector_runs_less_often_and_skips_what_start_up_left():
    threshold = gc.get_threshold()
    try:
        tuneGarbageCollector()
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_a_damaged_database_stops_the_start_and_stays_as_it_was(tmp_path):
    path = tmp_path / "athena.sqlite"
    garbage = b"SQLite format 3\x00" + os.urandom(4000)
    path.write_bytes(garbage)
    with pytest.raises(StartError) as caught:
        checkDatabase(str(tmp_path))
    assert str(path) in str(caught.value) and str(caught.value).endswith(".")
    assert path.read_bytes() == garbage


def test_a_fresh_data_directory_gets_a_database(tmp_path):
    checkDatabase(str(tmp_path / "new"))
    assert (tmp_path / "new" / "athena.sqlite").exists()
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o700


def test_auto_picks_a_kernel_system():
    assert kernelSystem("python", None) == "python"
    assert kernelSystem("sage", None) == "sage"
    assert kernelSystem("auto", None) in ("python", "sage")
    assert kernelSystem("auto", "/some/other/python") == "python"
