"""Freed page images are handed back to the system after each file (pipeline/memory.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.memory import _libc

pytestmark = pytest.mark.skipif(_libc() is None, reason="needs glibc")

#: Run in a fresh interpreter: the test process's own heap (hundreds of MiB after other
#: tests, its malloc thresholds moved by them) would decide what glibc keeps, not the trim.
_PAGES_OF_A_FILE = """
import json, resource
from pathlib import Path
import numpy as np
from pipeline.memory import release_freed_memory

def resident_mib():
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20

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
print(json.dumps({"kept": sum(int(k[0]) for k in kept), "before": before, "freed": freed,
                  "after": after}))
"""


def test_freed_page_images_leave_the_process_after_a_trim():
    run = subprocess.run(
        [sys.executable, "-c", _PAGES_OF_A_FILE], capture_output=True, text=True, check=True
    )
    sizes = json.loads(run.stdout)
    assert sizes["kept"] == 12
    assert sizes["freed"] > sizes["before"] - 50, "glibc handed them back by itself"
    assert sizes["after"] < sizes["freed"] - 80
