"""Keep the memory of freed video frames in the process instead of handing it back every frame.

Every decoded 1080p frame is a fresh 6 MB RGB array, and MediaPipe copies it into a fresh 6 MB
``mp.Image``; a frame later both are freed. glibc's threads' arenas give such memory back to the
kernel as soon as the top of a heap is free, so the next frame faults every page in again: on a
2-core machine that was 2.7 million page faults and 6 s of kernel time in a 12 s 1080p30 analysis
(a quarter of its CPU; ``benchmarks/run.py`` ``end_to_end`` and ``/usr/bin/time``, see
benchmarks/README.md). Asking glibc to keep a 64 MB pad at the top of each heap (``M_TOP_PAD``,
the same as ``MALLOC_TOP_PAD_=67108864``) lets those pages be reused: 0.23 million faults, kernel
time 1.3 s, peak memory +70 MB, the same numbers out.

Only on glibc, only once per process, and never over a ``MALLOC_TOP_PAD_`` the user set. It is
called when the ``gaitscan`` package is imported (``gaitscan/__init__.py``): set after the first
frames have been allocated it saved only half the faults (1.5 million left).
"""
from __future__ import annotations

import ctypes
import os
import sys

#: glibc's mallopt() parameter number for the top pad (malloc.h: ``#define M_TOP_PAD -2``)
_M_TOP_PAD = -2
#: bytes kept at the top of a heap when memory is freed: about ten 1080p RGB frames
TOP_PAD_BYTES = 64 * 2 ** 20

_done = False


def keep_freed_frames() -> bool:
    """Set glibc's ``M_TOP_PAD`` to :data:`TOP_PAD_BYTES` once; True when it is in effect.

    False (and nothing changed) on other C libraries, or when the environment sets
    ``MALLOC_TOP_PAD_`` itself (glibc has already applied the user's value).
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or "MALLOC_TOP_PAD_" in os.environ:
        return False
    try:  # the running process's own symbols: no library search (find_library runs ldconfig)
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = mallopt(_M_TOP_PAD, TOP_PAD_BYTES) == 1
    return _done
