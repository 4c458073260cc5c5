"""Freed page images are handed back to the system after each file (pipeline/memory.py)."""

from __future__ import annotations

import resource
from pathlib import Path

import numpy as np
import pytest

from pipeline.memory import _libc, release_freed_memory

pytestmark = pytest.mark.skipif(_libc() is None, reason="needs glibc")


def resident_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def test_freed_page_images_leave_the_process_after_a_trim():
    # once a page image has been freed, glibc keeps later ones in its heap for reuse
    np.ones(16 * 2**20, dtype=np.uint8)
    images, kept = [], []
    for _ in range(12):  # a file's pages, and what is read from each (kept between them)
        images.append(np.ones(9 * 2**20, dtype=np.uint8))
        kept.append(np.ones(2**20, dtype=np.uint8))
    before = resident_mib()
    del images
    freed = resident_mib()
    release_freed_memory()
    after = resident_mib()
    assert sum(int(k[0]) for k in kept) == 12
    assert freed > before - 50, "glibc handed them back by itself: nothing to test here"
    assert after < freed - 80
