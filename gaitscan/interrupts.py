"""Ctrl-C held back over a step that must not be cut in half."""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends, then raise it as KeyboardInterrupt.

    For steps a KeyboardInterrupt must not land inside: MediaPipe's pybind11 argument conversion
    (where it surfaces as a ``TypeError`` with a traceback), or a batch video's commit (its files
    moved into place but not yet recorded as done). Only the main thread can set signal handlers;
    elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
