"""A file's identity on disk, shared by the vector store and the question log: both keep a file open, and a
file deleted or replaced under an open handle is only noticed by comparing identities (one `stat`)."""

from __future__ import annotations

import os


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, or None if there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
