"""What identifies the code that produced a result, for skipping finished work."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pipeline import OCR_VERSION, __version__

_CODE_PACKAGES = ("pipeline", "extractors", "validators")
_CODE_SUFFIXES = (".py", ".yaml", ".html", ".css")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the logic that turns readings into results (not the OCR: see OCR_VERSION).

    A finished application is redone when this changes, so a fixed extractor or
    rule reaches every result on the next run without a manual version bump.
    """
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{__version__}:{OCR_VERSION}".encode())
    for package in _CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
