"""Keep the process's memory steady while it decodes large frames (issue 8).

Every decoded 1080p frame is a fresh 6 MB array. glibc's malloc serves such blocks with ``mmap``
and returns them to the system when freed — until the first one is freed, after which it
raises its mmap threshold to that size and keeps later frames in its heaps (one per thread that
allocates: decoder, pose, pelvis). What it keeps then depends on thread timing: peak RSS of the
same analysis varied by tens of MB (up to +200 MB under load). A fixed threshold keeps large
frames on ``mmap``: measured on a 6 s 1080p clip, 409 MB twice vs 441 and 456 MB.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: glibc's ``mallopt`` parameter number of ``M_MMAP_THRESHOLD``
_M_MMAP_THRESHOLD = -3
#: blocks at least this large always come from mmap (a 256×256 RGB crop stays in the heap)
MMAP_THRESHOLD_BYTES = 1 << 20


def steady_large_allocations(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes for this process (entry points call it
    once). Returns False where it does not apply (not Linux/glibc) — nothing else changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, int(threshold)))
