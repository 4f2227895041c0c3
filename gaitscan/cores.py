"""How many CPU cores this process may use (the thread counts of the pose model, the pelvis
template search and the batch workers follow from it)."""
from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (``os.sched_getaffinity``: a container's or ``taskset``'s
    limit, not the machine's), else ``os.cpu_count()``; at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
