"""The batch's output folder: its layout, its lock, and moving a video's outputs into place.

Layout of OUT::

    gaitscan-index.sqlite           the index (see :mod:`.index`)
    summary.csv, index.html         clinic outputs (see :mod:`.outputs`)
    runners/RUNNER.html             per-runner history pages
    videos/RUNNER/DATE_NAME_ID/     one folder per analysed video (analysis.json, report.html, …)
    .gaitscan-staging/              work in progress; emptied at the start of every run
    .gaitscan-batch.lock            held by the running batch

A video's files are first written (and fsync'ed) into a fresh staging folder, which is then
renamed to its final name in one step; only after that does the index record it as done. A batch
killed at any point leaves either no folder, or a complete folder the index does not point to yet
(the rerun analyses that video again and replaces the folder). Every path is checked to stay
inside OUT, whatever a manifest or a file name says.
"""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import IO, Optional, Union

from ..errors import OutputError, UsageError
from .discover import path_component

PathLike = Union[str, Path]

STAGING = ".gaitscan-staging"
LOCK = ".gaitscan-batch.lock"
VIDEOS = "videos"
RUNNERS = "runners"


def video_dir(runner: str, session_date: str, rel: str, key: str) -> str:
    """The output folder of one analysis, relative to OUT, using ``/`` separators.

    ``key`` is the analysis key (content hash and settings hash), so two different videos, or the
    same video with other settings, never share a folder.
    """
    stem = Path(rel.rsplit("/", 1)[-1]).stem
    short = key[:8] + key.split(":")[-1][:4]
    name = path_component(stem)[:40] if session_date in stem else f"{path_component(session_date)}_{path_component(stem)[:40]}"
    return f"{VIDEOS}/{path_component(runner)}/{name}_{short}"


def runner_page(runner: str) -> str:
    """The history page of ``runner``, relative to OUT."""
    return f"{RUNNERS}/{path_component(runner)}.html"


class OutputFolder:
    """OUT, locked for one batch run (use as a context manager)."""

    def __init__(self, root: PathLike) -> None:
        self.root = Path(root).resolve()
        self._lock: Optional[IO] = None

    def __enter__(self) -> "OutputFolder":
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.root / LOCK, "a+")
        except OSError as exc:
            raise OutputError(f"cannot write here: {exc.strerror or exc}", self.root) from None
        if not _try_lock(self._lock):
            self._lock.close()
            self._lock = None
            raise UsageError("another gaitscan batch is writing to this output folder; wait for it to finish",
                             self.root)
        self._clean()
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.root / STAGING, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None

    def inside(self, rel: str) -> Path:
        """``OUT/rel``, refusing any path that would land outside OUT."""
        target = (self.root / rel).resolve()
        if target == self.root or self.root not in target.parents:
            raise OutputError(f"refusing to write outside the output folder: {rel!r}", self.root)
        return target

    def commit_video(self, rel_dir: str, files: dict[str, bytes]) -> Path:
        """Write ``files`` as the complete folder ``OUT/rel_dir``, replacing any unrecorded one."""
        final = self.inside(rel_dir)
        staging = self.root / STAGING / f"{final.name}.{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir(parents=True)
            for name, data in files.items():
                target = (staging / name).resolve()
                if staging.resolve() not in target.parents:
                    raise OutputError(f"refusing an output file name that leaves its folder: {name!r}", staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():  # complete but never recorded: a run was killed before its index update
                trash = self.root / STAGING / f"old-{uuid.uuid4().hex[:8]}"
                os.replace(final, trash)
                shutil.rmtree(trash)
            os.replace(staging, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise OutputError(f"cannot write the video's outputs: {exc.strerror or exc}", final) from None
        return final

    def _clean(self) -> None:
        """Remove what a killed run left behind: the staging folder and ``.tmp-*`` files of atomic writes."""
        shutil.rmtree(self.root / STAGING, ignore_errors=True)
        for folder in (self.root, self.root / RUNNERS):
            if folder.is_dir():
                for tmp in folder.glob(".tmp-*"):
                    tmp.unlink(missing_ok=True)


def _try_lock(fh: IO) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - directories cannot be fsync'ed on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
