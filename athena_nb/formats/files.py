"""Files that come with an imported worksheet (the Sage Notebook's DATA), put in its directory
all at once.  Tests: tests/unit/test_formats_sws.py.

They are written into a fresh directory beside the worksheets' first, while the worksheet is
being stored; once it is, that directory is renamed to be the worksheet's (one rename: the
worksheet has all of them or none). If storing fails, the directory is removed. Names are
plain relative paths already (the readers refuse others); each file lands under ``data/``,
where the Sage Notebook's ``DATA`` pointed.
"""

from __future__ import annotations

import os
import shutil
import tempfile


class StagedFiles:
    def __init__(self, dataDir: str, files: dict[str, bytes]):
        parent = os.path.join(dataDir, "worksheets")
        os.makedirs(parent, mode=0o700, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix=".import-", dir=parent)
        try:
            for name, body in files.items():
                target = os.path.join(self.path, "data", *name.split("/"))
                os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
                with open(target, "xb") as out:
                    out.write(body)
        except BaseException:
            self.discard()
            raise

    def moveTo(self, directory: str) -> None:
        """Make the staged files the worksheet's (its directory must not exist yet)."""
        os.rename(self.path, directory)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
