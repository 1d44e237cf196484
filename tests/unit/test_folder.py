"""A worksheet's files (athena_nb/folder.py): listing, saving, renaming, deleting, never outside
the directory, within the limits."""

from __future__ import annotations

import io
import os

import pytest

from athena_nb.folder import (
    MAX_LISTED,
    BadName,
    FileExists,
    Incomplete,
    NoSuchFile,
    TooLarge,
    WorksheetFolder,
    checkName,
    megabytes,
)
from athena_nb.quotas import Quotas


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "sheet"
    root.mkdir()
    return WorksheetFolder(str(root), Quotas(maxFileBytes=1000, maxFilesBytes=2500))


def save(folder, name, data: bytes, **kw):
    return folder.save(name, io.BytesIO(data), len(data), **kw)


def names(folder):
    return [f.name for f in folder.list()[0]]


def leftovers(folder):
    return [n for _, _, files in os.walk(folder.root) for n in files if n.startswith(".upload")]


def test_saved_files_are_listed_with_size_and_time_and_read_back(folder):
    info = save(folder, "b.txt", b"hello")
    save(folder, "data/points.csv", b"1,2\n")
    assert (info.name, info.size) == ("b.txt", 5) and info.modified > 0
    files, truncated = folder.list()
    assert [(f.name, f.size) for f in files] == [("b.txt", 5), ("data/points.csv", 4)]
    assert not truncated and folder.used() == 9
    assert open(folder.path("data/points.csv"), "rb").read() == b"1,2\n"
    assert folder.limits() == {"maxFileBytes": 1000, "maxFilesBytes": 2500}


def test_hidden_files_links_and_special_files_are_not_listed(folder):
    save(folder, "a.txt", b"a")
    open(os.path.join(folder.root, ".hidden"), "w").write("x")
    os.symlink("/etc/passwd", os.path.join(folder.root, "passwd"))
    os.mkfifo(os.path.join(folder.root, "fifo"))
    # A name a cell made that is not UTF-8: no page or JSON text could carry it.
    open(os.path.join(os.fsencode(folder.root), b"bad\xff"), "wb").write(b"x")
    assert names(folder) == ["a.txt"]


def test_the_list_stops_at_its_limit_and_says_so(tmp_path):
    folder = WorksheetFolder(str(tmp_path))
    for i in range(MAX_LISTED + 2):
        open(tmp_path / f"f{i:05}", "w").close()
    files, truncated = folder.list()
    assert len(files) == MAX_LISTED and truncated


@pytest.mark.parametrize("name, words", [
    ("", "needs a name"), ("/etc/passwd", "absolute"), ("../x", "'..'"), ("a/../../x", "'..'"),
    ("a//b", "empty"), ("./a", "'.'"), (".bashrc", "hidden"), ("a\\b", "backslash"),
    ("a\nb", "control"), ("x" * 300, "longer than 255"), ("/".join("a" * 9), "folders"),
    (None, "needs a name"), ("\ud800", "Unicode"),
])
def test_bad_names_are_refused_with_a_sentence(folder, name, words):
    with pytest.raises(BadName, match=None) as raised:
        checkName(name)
    assert words in str(raised.value) and str(raised.value).endswith(".")
    with pytest.raises(BadName):
        save(folder, name, b"x")
    assert names(folder) == []


def test_nothing_is_reached_through_a_link_or_written_over_a_special_file(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("secret")
    os.symlink(str(outside), os.path.join(folder.root, "out"))
    os.symlink(str(outside / "secret"), os.path.join(folder.root, "secret"))
    os.mkdir(os.path.join(folder.root, "dir"))
    os.mkfifo(os.path.join(folder.root, "fifo"))
    for name in ("out/secret", "out/new"):
        with pytest.raises(BadName, match="not a folder"):
            save(folder, name, b"x")
    for name, kind in (("secret", "a link"), ("dir", "a folder"), ("fifo", "a device")):
        with pytest.raises(BadName, match=kind):
            folder.path(name)
        with pytest.raises(BadName, match=kind):
            save(folder, name, b"x", replace=True)
        with pytest.raises(BadName, match=kind):
            folder.delete(name)
    with pytest.raises(BadName):
        folder.rename("secret", "mine")
    save(folder, "a.txt", b"a")
    with pytest.raises(BadName):
        folder.rename("a.txt", "out/a.txt")
    assert (outside / "secret").read_text() == "secret" and os.listdir(outside) == ["secret"]
    assert os.path.exists(os.path.join(folder.root, "a.txt"))


def test_an_existing_file_is_replaced_only_when_asked(folder):
    save(folder, "a.txt", b"one")
    with pytest.raises(FileExists, match="already"):
        save(folder, "a.txt", b"two")
    assert open(folder.path("a.txt"), "rb").read() == b"one"
    save(folder, "a.txt", b"three", replace=True)
    assert open(folder.path("a.txt"), "rb").read() == b"three"


def test_a_file_over_the_limit_is_refused_before_and_while_it_is_written(folder):
    with pytest.raises(TooLarge, match="The file 'big' is 1,001 bytes, and a file uploaded to a worksheet "
                                       "may have at most 1,000 bytes; nothing was uploaded."):
        save(folder, "big", b"x" * 1001)
    # A body that says less than it sends is stopped at the limit, not after.
    with pytest.raises(TooLarge, match="may have at most 1,000 bytes"):
        folder.save("big", io.BytesIO(b"x" * 5000), None)
    with pytest.raises(Incomplete, match="more than the 10 bytes"):
        folder.save("big", io.BytesIO(b"x" * 20), 10)
    with pytest.raises(Incomplete, match="stopped after 5 of its 10 bytes"):
        folder.save("big", io.BytesIO(b"x" * 5), 10)
    assert names(folder) == [] and leftovers(folder) == []


def test_the_worksheets_total_is_kept_counting_files_cells_wrote(folder):
    save(folder, "a", b"x" * 1000)
    save(folder, "b", b"x" * 1000)
    open(os.path.join(folder.root, ".cell-wrote"), "wb").write(b"x" * 400)
    with pytest.raises(TooLarge, match="take 2.3 KiB of the 2.4 KiB they may have together; "
                                       "delete some"):
        save(folder, "c", b"x" * 200)
    save(folder, "c", b"x" * 100)
    # Replacing a file counts its new size instead of its old one.
    save(folder, "a", b"x" * 900, replace=True)
    folder.delete("b")
    save(folder, "d", b"x" * 1000)
    assert names(folder) == ["a", "c", "d"] and leftovers(folder) == []


def test_no_limits_mean_none(tmp_path):
    folder = WorksheetFolder(str(tmp_path), Quotas(maxFileBytes=None, maxFilesBytes=None))
    save(folder, "a", b"x" * 5000)
    assert names(folder) == ["a"]


def test_rename_moves_a_file_and_delete_removes_it(folder):
    save(folder, "a.txt", b"a")
    save(folder, "b.txt", b"b")
    info = folder.rename("a.txt", "data/c.txt")
    assert info.name == "data/c.txt" and names(folder) == ["b.txt", "data/c.txt"]
    with pytest.raises(FileExists, match="already"):
        folder.rename("b.txt", "data/c.txt")
    with pytest.raises(BadName, match="already"):
        folder.rename("b.txt", "b.txt")
    with pytest.raises(NoSuchFile, match="There is no file 'nope'"):
        folder.rename("nope", "x")
    with pytest.raises(BadName):
        folder.rename("b.txt", "../b.txt")
    folder.rename("b.txt", "data/c.txt", replace=True)
    assert names(folder) == ["data/c.txt"]
    folder.delete("data/c.txt")
    with pytest.raises(NoSuchFile):
        folder.delete("data/c.txt")
    assert names(folder) == []


def test_sizes_read_as_people_say_them():
    assert [megabytes(n) for n in (1, 1000, 1536, 100 << 20, 1 << 30)] == [
        "1 byte", "1,000 bytes", "1.5 KiB", "100 MiB", "1 GiB"]


@pytest.mark.skipif(os.geteuid() != 0, reason="Only a server running as root changes owners.")
def test_a_root_server_gives_what_it_saves_the_directorys_owner(folder):
    """A root server's kernels run as the directory's owner, who must read uploads."""
    os.chown(folder.root, 4321, 4321)
    save(folder, "data/a.txt", b"a")
    for path in ("data", "data/a.txt"):
        info = os.lstat(os.path.join(folder.root, path))
        assert (info.st_uid, info.st_gid) == (4321, 4321), path
