"""gaitscan keeps freed frame memory in the process (gaitscan/allocator.py): 1080p frames made and
freed on a thread fault their pages in once, not once per frame."""
from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

# forty 1080p RGB frames and their copies, made and freed on a thread (its own glibc arena),
# as the decoder and the model's input copy do; prints the minor page faults it took
_FRAMES = """
import resource, threading, numpy as np
import gaitscan
from gaitscan.allocator import keep_freed_frames
def work():
    for _ in range(40):
        a = np.empty((1080, 1920, 3), np.uint8); a.fill(1)
        b = a.copy(); del a, b
r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
t = threading.Thread(target=work); t.start(); t.join()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0, keep_freed_frames())
"""
PAGES_PER_FRAME = 1080 * 1920 * 3 // 4096  # 1518


def _faults(env_extra: dict[str, str]) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TOP_PAD_"}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", _FRAMES], env=env, capture_output=True, text=True, check=True)
    faults, tuned = out.stdout.split()
    return int(faults), tuned


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the allocator tuning is for glibc only")
def test_importing_gaitscan_makes_freed_frames_reusable_without_page_faults():
    tuned, active = _faults({})
    assert active == "True"
    assert tuned < 2 * PAGES_PER_FRAME, tuned  # the first frame and its copy, then reused
    # the same work with glibc's default pad (the user's MALLOC_TOP_PAD_ wins over gaitscan's):
    # every frame faults its pages in again — what the tuning is there to stop
    default, active = _faults({"MALLOC_TOP_PAD_": str(128 * 1024)})
    assert active == "False"
    assert default > 10 * PAGES_PER_FRAME, default
