"""Files that come with a worksheet made whole (the Sage Notebook's DATA of an import, the files
of a worksheet duplicated), put in its directory all at once.  Tests:
tests/unit/test_formats_sws.py, tests/unit/test_home.py.

They are written (or copied) into a fresh directory beside the worksheets' first, while the
worksheet is being stored; once it is, that directory is renamed to be the worksheet's (one
rename: the worksheet has all of them or none). If storing fails, the directory is removed.
Imported names are plain relative paths already (the readers refuse others); each lands under
``data/``, where the Sage Notebook's ``DATA`` pointed. Writing and copying are blocking work:
the home page does them in the reactor's thread pool.
"""

from __future__ import annotations

import os
import shutil
import tempfile


class StagedFiles:
    """A fresh directory beside the worksheets', to become one new worksheet's."""

    def __init__(self, dataDir: str):
        parent = os.path.join(dataDir, "worksheets")
        os.makedirs(parent, mode=0o700, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix=".import-", dir=parent)

    @classmethod
    def written(cls, dataDir: str, files: dict[str, bytes]) -> StagedFiles:
        """``files`` (relative name -> bytes) written under ``data/``."""
        staged = cls(dataDir)
        try:
            for name, body in files.items():
                target = os.path.join(staged.path, "data", *name.split("/"))
                os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
                with open(target, "xb") as out:
                    out.write(body)
        except BaseException:
            staged.discard()
            raise
        return staged

    @classmethod
    def copied(cls, dataDir: str, source: str) -> StagedFiles | None:
        """A copy of the directory ``source`` (links copied as links); None if it has none."""
        if not os.path.isdir(source):
            return None
        staged = cls(dataDir)
        try:
            shutil.copytree(source, staged.path, symlinks=True, dirs_exist_ok=True)
        except BaseException:
            staged.discard()
            raise
        return staged

    def moveTo(self, directory: str) -> None:
        """Make the staged files the worksheet's (its directory must not exist yet)."""
        os.rename(self.path, directory)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
