"""Write files whole or not at all.

Every output gaitscan writes goes through here: the bytes go to a temporary file in the same
folder, are flushed and fsync'ed, and the temporary file is renamed over the target
(``os.replace`` is atomic on POSIX and Windows). A process killed at any moment leaves either the
old file or the new one, never a torn one; leftover ``.tmp-*`` files are ignored by readers.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator, Union

from .errors import OutputError

PathLike = Union[str, Path]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on clean exit it replaces ``target``.

    For writers that want a file name (PyAV, matplotlib, numpy.savez). On an exception the
    temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".tmp-{target.name}.", suffix=target.suffix, dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", target.parent) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(target: PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO]:
    """Open a temporary file for writing that atomically becomes ``target`` on success."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open mode must be 'w' or 'wb', got {mode!r}")
    with atomic_path(target) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def write_text(target: PathLike, text: str) -> Path:
    """Atomically write ``text`` (UTF-8) to ``target``; return the path."""
    with atomic_open(target, "w") as fh:
        fh.write(text)
    return Path(target)


def write_bytes(target: PathLike, data: bytes) -> Path:
    """Atomically write ``data`` to ``target``; return the path."""
    with atomic_open(target, "wb") as fh:
        fh.write(data)
    return Path(target)


def check_writable_dir(folder: PathLike) -> Path:
    """Raise :class:`OutputError` now if ``folder`` could not be created or written, without creating it.

    For commands that work for minutes before writing: the nearest existing ancestor must be a
    folder the process may write into.
    """
    folder = Path(folder)
    probe = folder.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot write here: {probe} is not a folder", folder)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write here: no permission to write in {probe}", folder)
    return folder
