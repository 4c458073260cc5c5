"""A content-addressed store of file readings, so a rerun never OCRs twice.

One JSON file per (content hash, language, OCR version) under the outbox's
batch folder, written atomically (temp file + rename): a run killed at any
moment leaves either a whole entry or none. Entries hold OCR text, i.e.
personal data, so they live beside the results they feed, never in Prefect's
result storage.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from pipeline.reading import CACHE_DIR_NAME, FileReading

__all__ = ["CACHE_DIR_NAME", "ReadingCache", "remove_stale_temporaries", "write_atomic"]


class ReadingCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> FileReading | None:
        path = self._path(key)
        try:
            return FileReading.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None  # absent or damaged: read the file again

    def holds(self, key: str) -> bool:
        """Whether a reading is stored under ``key`` (without loading it)."""
        return self._path(key).is_file()

    def put(self, key: str, reading: FileReading) -> None:
        if reading.transient:
            return  # a transient failure must be retried next run, not remembered
        write_atomic(self._path(key), reading.model_dump_json().encode())


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(root: Path) -> int:
    """Delete temp files a killed run left behind (they are never read); returns how many."""
    removed = 0
    if root.is_dir():
        for leftover in root.rglob(".*.tmp"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed
