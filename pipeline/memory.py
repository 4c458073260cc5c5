"""Handing freed memory back to the system between files.

glibc keeps freed heap memory for reuse. A page image is megabytes, and imaging
makes dozens of page-sized arrays per page; reusing that memory is what keeps
them cheap. Between files it is only resident weight, and over a long batch the
heap would keep the largest page it ever saw, fragmented. ``release_freed_memory``
after each file returns the free pages (``malloc_trim``) once per file.

Measured on 10 applications (45 files) read by the plain functions: forcing every
page-sized array into its own mapping instead (``MALLOC_MMAP_THRESHOLD_=131072``,
this project's earlier setting) cost 35.5 s of CPU against 28.2 s with a trim per
file (the kernel zeroes every new mapping: 8.6 s of system time against 2.6 s),
for a peak of 414 MB against 432 MB (500 MB without either).
"""

from __future__ import annotations

import ctypes
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        return None


def release_freed_memory() -> None:
    """Return the free pages of every malloc arena to the system (no-op without glibc)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def limit_arenas(count: int = 2) -> None:
    """At most ``count`` malloc arenas in this process (``MALLOC_ARENA_MAX`` for a process
    already running): each thread would otherwise get an arena of its own to fill."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, count)


#: glibc mallopt parameter (malloc.h)
_M_ARENA_MAX = -8
