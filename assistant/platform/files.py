"""Files on disk shared by the vector store, the question log and ingest: a file's identity (both keep a file
open, and a file deleted or replaced under an open handle is only noticed by comparing identities, one `stat`)
and making the data directory with a clear error."""

from __future__ import annotations

import os
from pathlib import Path

from assistant.errors import StoreError


def make_data_dir(data_dir: Path) -> None:
    """Create the data directory (and its parents); a clear StoreError when that is impossible."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # missing parent, a file in the way, read-only disk, no permission
        raise StoreError(f"cannot write to the data directory {data_dir}: {exc.strerror or exc}") from exc


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, or None if there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
