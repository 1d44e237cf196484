"""``WorksheetFolder``: the files of one worksheet's directory, listed, saved, renamed, deleted.

Tests: tests/unit/test_folder.py (the web side: tests/unit/test_folder_web.py).

Each worksheet has a directory, its kernel's working directory (hubs.py), where cells write
files and people upload them (the worksheet's Files panel, web/folder.py).  Everything here is
plain, blocking file-system work, with no web in it, so that any front end (the page's panel,
an API) calls the same functions; the web layer runs a large save in a thread.

Names are relative paths with ``/`` between their parts (``data/points.csv``).  Nothing here
ever reaches outside the directory: a name that is absolute, has an empty, ``.`` or ``..``
part, a part starting with ``.`` (hidden files, and the uploads under way), a backslash or a
control character is refused with a sentence (``BadName``), and so is a path through a
symbolic link or to anything but a plain file (a device, a fifo, a socket, a folder), checked
part by part with ``lstat`` so that a link a cell made cannot lead out.

Files and folders made here get the directory's owner (a root server's kernels run as another
user, who owns the directory). An upload is written to a hidden temporary file beside its target, counted as it comes, and
moved in (``os.replace``, atomic) only once it is whole and within the limits: one file may
have at most ``Quotas.maxFileBytes``, and all the directory's files together at most
``Quotas.maxFilesBytes`` (each None: no limit).  Both are checked before anything is written,
from the size the upload declares, and again while it is written.  ``usage`` measures what
the directory holds, for the quota on what its cells write (filesquota.py; tested in
tests/unit/test_filesquota.py).
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from dataclasses import dataclass

from .quotas import Quotas

#: Bytes copied at a time when saving.
CHUNK = 1 << 16
#: At most this many files are listed (a cell may write many more).
MAX_LISTED = 1000
#: Longest name, and longest part of one, in bytes of UTF-8.
MAX_NAME = 1024
MAX_PART = 255
#: How deep a name may go below the directory.
MAX_DEPTH = 8

# Saves check the room left and move their file in under one lock, so that two uploads at once
# cannot both take the last of it.
_moving = threading.Lock()


def _printable(name: str) -> bool:
    """A name from the disk that a page can show and ask for again: UTF-8 (not bytes
    smuggled in as surrogates) and printable."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable()


class FolderError(Exception):
    """A request about a worksheet's files that was refused; nothing was changed.  The message
    is a sentence for the person who asked; ``status`` is the HTTP status that fits."""

    status = 400

    @property
    def type(self) -> str:
        return type(self).__name__


class BadName(FolderError):
    pass


class NoSuchFile(FolderError):
    status = 404


class FileExists(FolderError):
    status = 409


class TooLarge(FolderError):
    status = 413


class Incomplete(FolderError):
    pass


@dataclass(frozen=True)
class Usage:
    """What a worksheet's directory holds: ``bytes`` in all its plain files, ``unlisted`` of
    them in files the Files panel does not list (hidden, or named in bytes that are not
    text), ``entries`` files and folders walked, and whether the walk saw them all."""

    bytes: int
    unlisted: int = 0
    entries: int = 0
    complete: bool = True


@dataclass(frozen=True)
class FileInfo:
    name: str
    size: int
    modified: float

    def toJSON(self) -> dict:
        return {"name": self.name, "size": self.size, "modified": self.modified}


def megabytes(size: int) -> str:
    """``size`` bytes for people: "512 bytes", "3.2 KiB", "100 MiB"."""
    if size < 1024:
        return f"{size:,} byte" + ("" if size == 1 else "s")
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}".replace(".0 ", " ")
    raise AssertionError  # unreachable


def checkName(name: object) -> str:
    """``name`` if it is a name a file of the directory may have, else ``BadName``."""
    if not isinstance(name, str) or not name:
        raise BadName("A file needs a name.")
    shown = repr(name) if len(name) <= 80 else repr(name[:77] + "...")
    if name.startswith("/"):
        raise BadName(f"The name {shown} is absolute; a file's name is relative to the "
                      "worksheet's directory (e.g. data/points.csv).")
    if "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BadName(f"The name {shown} holds a backslash or a control character; "
                      "a file's name may not.")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadName(f"The name {shown} is not valid Unicode text.")
    parts = name.split("/")
    if size > MAX_NAME or len(parts) > MAX_DEPTH:
        raise BadName(f"The name {shown} is too long: a name may have {MAX_NAME} bytes and "
                      f"{MAX_DEPTH} folders at most.")
    for part in parts:
        if part in ("", ".", ".."):
            raise BadName(f"The name {shown} has an empty, '.' or '..' part; a file's name "
                          "stays inside the worksheet's directory.")
        if part.startswith("."):
            raise BadName(f"The name {shown} has a part starting with '.'; hidden files are "
                          "not offered here.")
        if len(part.encode("utf-8")) > MAX_PART:
            raise BadName(f"The name {shown} has a part longer than {MAX_PART} bytes.")
    return name


class WorksheetFolder:
    """The files of the directory ``root`` under ``quotas`` (only its two file limits count)."""

    def __init__(self, root: str, quotas: Quotas | None = None):
        self.root = os.path.abspath(root)
        self.quotas = quotas or Quotas()

    # -- reading -----------------------------------------------------------------------------

    def list(self) -> tuple[list[FileInfo], bool]:
        """The plain files below the directory (hidden ones, links and names that are not
        UTF-8, which no URL or JSON text carries as they are, left out), sorted by name, at
        most ``MAX_LISTED``; and whether some were left out for that limit."""
        found: list[FileInfo] = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _printable(d)
                             and not os.path.islink(os.path.join(folder, d)))
            for name in files:
                if name.startswith(".") or not _printable(name):
                    continue
                path = os.path.join(folder, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append(FileInfo(os.path.relpath(path, self.root).replace(os.sep, "/"),
                                          info.st_size, info.st_mtime))
        found.sort(key=lambda f: f.name)
        return found[:MAX_LISTED], len(found) > MAX_LISTED

    def used(self) -> int:
        """Bytes the directory's plain files take together (hidden ones too)."""
        return self.usage().bytes

    def usage(self, maxEntries: int | None = None) -> Usage:
        """What the directory's plain files take together (links not followed), and how much
        of it is in files ``list`` leaves out; the walk stops after ``maxEntries`` files and
        folders (None: never), and then says it is not ``complete``."""
        total = unlisted = entries = 0
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
            parts = os.path.relpath(folder, self.root).split(os.sep)
            hidden = any(p.startswith(".") and p != "." or not _printable(p) for p in parts)
            for name in files:
                entries += 1
                try:
                    info = os.lstat(os.path.join(folder, name))
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    total += info.st_size
                    if hidden or name.startswith(".") or not _printable(name):
                        unlisted += info.st_size
            entries += len(dirs)
            if maxEntries is not None and entries > maxEntries:
                return Usage(total, unlisted, entries, complete=False)
        return Usage(total, unlisted, entries)

    def limits(self) -> dict:
        return {"maxFileBytes": self.quotas.maxFileBytes,
                "maxFilesBytes": self.quotas.maxFilesBytes}

    def path(self, name: object) -> str:
        """The full path of the existing plain file ``name`` (for downloads), else an error."""
        path = self._resolve(checkName(name))
        if self._size(path, name) is None:
            raise NoSuchFile(f"There is no file {name!r} in this worksheet's directory.")
        return path

    # -- changing ----------------------------------------------------------------------------

    def checkUpload(self, name: object, size: int | None, replace: bool = False) -> str:
        """May a file of ``size`` bytes (None: not said) be saved as ``name``?  The target's
        full path, else an error.  ``save`` checks all this again."""
        path = self._resolve(checkName(name))
        existing = self._size(path, name)
        if existing is not None and not replace:
            raise FileExists(f"There is a file {name!r} already; replace it, or give the new "
                             "one another name. Nothing was uploaded.")
        if size is not None:
            self._checkRoom(name, size, existing or 0)
        return path

    def save(self, name: object, source, size: int | None = None, *,
             replace: bool = False) -> FileInfo:
        """Save what the file object ``source`` reads (``size`` bytes, if said) as ``name``:
        written to a hidden file beside it, then moved in whole."""
        path = self.checkUpload(name, size, replace)
        limit = self.quotas.maxFileBytes
        self._makeFolders(name)
        fd, temp = tempfile.mkstemp(prefix=".upload-", dir=os.path.dirname(path))
        try:
            self._adopt(temp)
            written = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    if limit is not None and written > limit:
                        raise TooLarge(self._tooLarge(name, None))
                    if size is not None and written > size:
                        raise Incomplete(f"The upload of {name!r} sent more than the {size:,} "
                                         "bytes it said; nothing was uploaded.")
                    out.write(chunk)
            if size is not None and written != size:
                raise Incomplete(f"The upload of {name!r} stopped after {written:,} of its "
                                 f"{size:,} bytes; nothing was uploaded.")
            os.chmod(temp, 0o600)
            with _moving:
                existing = self._size(path, name)
                if existing is not None and not replace:
                    raise FileExists(f"There is a file {name!r} already (it came while this "
                                     "one was uploading); nothing was uploaded.")
                # (the hidden file written is counted in the directory already)
                self._checkRoom(name, written, (existing or 0) + written)
                os.replace(temp, path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
        info = os.lstat(path)
        return FileInfo(name, info.st_size, info.st_mtime)

    def rename(self, name: object, to: object, *, replace: bool = False) -> FileInfo:
        old = self.path(name)
        new = self._resolve(checkName(to))
        if old == new:
            raise BadName(f"The file is called {to!r} already; nothing was changed.")
        if self._size(new, to) is not None and not replace:
            raise FileExists(f"There is a file {to!r} already; delete it first or choose "
                             "another name. Nothing was changed.")
        self._makeFolders(to)
        os.replace(old, new)
        info = os.lstat(new)
        return FileInfo(to, info.st_size, info.st_mtime)

    def delete(self, name: object) -> None:
        os.unlink(self.path(name))

    # -- the directory's owner ------------------------------------------------------------------

    def _adopt(self, path: str) -> None:
        """Give ``path`` the directory's owner: a server running as root runs its kernels as
        another user (kernel/isolation.py), who must read and change what is uploaded."""
        if os.geteuid() != 0:
            return
        owner = os.stat(self.root)
        if owner.st_uid != 0:
            os.lchown(path, owner.st_uid, owner.st_gid)

    def _makeFolders(self, name: str) -> None:
        """Make the folders ``name`` is in, each the directory's owner's; then check again
        that the way is all real folders inside the directory."""
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        path = self.root
        for part in name.split("/")[:-1]:
            path = os.path.join(path, part)
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            self._adopt(path)
        self._resolve(name)

    # -- checks ------------------------------------------------------------------------------

    def _resolve(self, name: str) -> str:
        """The full path of ``name``; every folder on the way must be a real folder inside the
        directory (not a link), checked with lstat, part by part."""
        path = self.root
        parts = name.split("/")
        for part in parts[:-1]:
            path = os.path.join(path, part)
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue  # made when the file is saved
            if not stat.S_ISDIR(mode):
                raise BadName(f"The name {os.path.relpath(path, self.root)!r} is not a folder (it is a "
                              "file or a link), so {name!r} cannot be inside it.")
        return os.path.join(path, parts[-1])

    def _size(self, path: str, name: object) -> int | None:
        """The size of the plain file at ``path``; None if nothing is there; BadName if
        something else is (a link, a folder, a device)."""
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise BadName(f"The name {name!r} is not inside a folder of the worksheet's "
                          "directory.")
        if not stat.S_ISREG(info.st_mode):
            kind = ("a link" if stat.S_ISLNK(info.st_mode) else
                    "a folder" if stat.S_ISDIR(info.st_mode) else "a device or another special file")
            raise BadName(f"The name {name!r} is {kind}, not a plain file; only plain files are offered "
                          "here. Nothing was changed.")
        return info.st_size

    def _tooLarge(self, name: object, size: int | None) -> str:
        limit = self.quotas.maxFileBytes
        what = (f"The file {name!r} is {megabytes(size)}" if size is not None else
                f"The file {name!r} is larger")
        return (f"{what}, and a file uploaded to a worksheet may have at most "
                f"{megabytes(limit)}; nothing was uploaded.")

    def _checkRoom(self, name: object, size: int, replacing: int) -> None:
        limit, total = self.quotas.maxFileBytes, self.quotas.maxFilesBytes
        if limit is not None and size > limit:
            raise TooLarge(self._tooLarge(name, size))
        if total is not None:
            used = self.used() - replacing
            if used + size > total:
                raise TooLarge(
                    f"The file {name!r} is {megabytes(size)}, and this worksheet's files take "
                    f"{megabytes(used)} of the {megabytes(total)} they may have together; "
                    "delete some to make room. Nothing was uploaded.")


def tooLargeSentence(name: str, size: int | None, limit: int) -> str:
    """What ``WorksheetFolder`` says of an upload over ``limit`` bytes (for the web layer,
    which refuses one before its body is read)."""
    return WorksheetFolder("/", Quotas(maxFileBytes=limit))._tooLarge(name, size)
