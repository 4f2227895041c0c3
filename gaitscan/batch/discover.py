"""Find the videos under a folder and say whose they are and when they were filmed.

Identification, first rule that applies wins (documented in the README too):

1. **Manifest** (``--manifest FILE.csv``): a CSV with a header row and the columns ``file``,
   ``runner``, ``date`` (``YYYY-MM-DD``) and optionally ``height_cm``. ``file`` is the video's
   path relative to FOLDER (``/`` separators) or its bare file name when that name is unique.
2. **Folder / file-name pattern**: the runner is the first folder under FOLDER
   (``FOLDER/RUNNER/…/video.mp4``); for a video directly in FOLDER it is the part of the file name
   before the date (``RUNNER_YYYY-MM-DD….mp4``). The session date is the first date written as
   ``YYYY-MM-DD``, ``YYYY_MM_DD``, ``YYYY.MM.DD`` or ``YYYYMMDD`` in the file name, else in the
   folder names from the deepest up.
3. **File date**: no date found → the file's modification date (local time); no runner found →
   ``unknown``.

Hidden files and folders (names starting with ``.``, such as macOS ``._`` companions) and the
output folder itself (when it lies inside FOLDER) are not searched.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from ..errors import InputError, UsageError

PathLike = Union[str, Path]

#: file-name suffixes (lower case) treated as videos
VIDEO_SUFFIXES: frozenset[str] = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp", ".mts", ".m2ts"}
)

#: runner name used when neither the manifest nor the pattern names one
UNKNOWN_RUNNER = "unknown"

_DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")


@dataclass(frozen=True)
class Video:
    """One video file found under the batch folder.

    ``rel`` is the path relative to the folder with ``/`` separators; ``date_source`` says where
    the session date came from: ``"manifest"``, ``"name"`` or ``"file date"``.
    """

    path: Path
    rel: str
    runner: str
    session_date: dt.date
    date_source: str
    height_cm: Optional[float] = None


@dataclass(frozen=True)
class ManifestRow:
    """One row of a manifest: who is in the video, when, and optionally how tall."""

    runner: str
    session_date: dt.date
    height_cm: Optional[float]


def find_videos(folder: PathLike, *, exclude: Optional[PathLike] = None) -> list[Path]:
    """Every video file under ``folder`` (recursive, sorted), skipping hidden entries and ``exclude``."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("not a folder", root)
    skip = Path(exclude).resolve() if exclude is not None else None
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (skip is None or (here / d).resolve() != skip)
        )
        found.extend(
            here / name
            for name in filenames
            if not name.startswith(".") and Path(name).suffix.lower() in VIDEO_SUFFIXES
        )
    return sorted(found)


def parse_date(text: str) -> Optional[dt.date]:
    """The first valid calendar date written in ``text`` (see the module docstring), else None."""
    for match in _DATE.finditer(text):
        try:
            return dt.date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        except ValueError:
            continue
    return None


def identify(rel: str, mtime: float) -> tuple[str, dt.date, str]:
    """Runner, session date and date source of a video from its relative path (rules 2 and 3).

    ``rel`` uses ``/`` separators; ``mtime`` is the file's modification time (POSIX seconds).
    """
    parts = rel.split("/")
    stem = Path(parts[-1]).stem
    runner = parts[0] if len(parts) > 1 else _runner_from_name(stem)
    for text in [stem, *reversed(parts[:-1])]:
        date = parse_date(text)
        if date is not None:
            return runner, date, "name"
    return runner, dt.datetime.fromtimestamp(mtime).date(), "file date"


def _runner_from_name(stem: str) -> str:
    match = _DATE.search(stem)
    if match is None:
        return UNKNOWN_RUNNER
    return stem[: match.start()].strip(" _-.") or UNKNOWN_RUNNER


def read_manifest(path: PathLike) -> dict[str, ManifestRow]:
    """Read a manifest CSV into ``{file: row}``; raise :class:`UsageError` naming a bad row."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
            header = set(rows[0].keys()) if rows else set()
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read the manifest: {exc}", path) from None
    missing = {"file", "runner", "date"} - header
    if rows and missing:
        raise UsageError(f"manifest lacks the column(s) {', '.join(sorted(missing))}; "
                         "needed: file, runner, date (height_cm optional)", path)
    manifest: dict[str, ManifestRow] = {}
    for line, row in enumerate(rows, start=2):
        file = (row.get("file") or "").strip().replace("\\", "/")
        runner = (row.get("runner") or "").strip()
        if not file or not runner:
            raise UsageError(f"line {line}: 'file' and 'runner' must not be empty", path)
        try:
            date = dt.date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            raise UsageError(f"line {line}: date {row.get('date')!r} is not YYYY-MM-DD", path) from None
        height = _height(row.get("height_cm"), line, path)
        manifest[file] = ManifestRow(runner, date, height)
    return manifest


def _height(text: Optional[str], line: int, path: Path) -> Optional[float]:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 50.0 <= value <= 250.0:
        raise UsageError(f"line {line}: height_cm {text!r} is not a height between 50 and 250 cm", path)
    return value


def discover(folder: PathLike, *, manifest: Optional[dict[str, ManifestRow]] = None,
             exclude: Optional[PathLike] = None) -> list[Video]:
    """Find every video under ``folder`` and identify its runner and session date."""
    root = Path(folder)
    paths = find_videos(root, exclude=exclude)
    by_name = _unique_names(manifest or {})
    videos = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        row = None if manifest is None else manifest.get(rel) or by_name.get(path.name)
        if row is not None:
            videos.append(Video(path.resolve(), rel, row.runner, row.session_date, "manifest", row.height_cm))
            continue
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
        runner, date, source = identify(rel, mtime)
        videos.append(Video(path.resolve(), rel, runner, date, source))
    return videos


def _unique_names(manifest: dict[str, ManifestRow]) -> dict[str, ManifestRow]:
    """Manifest rows addressable by bare file name (only names listed once)."""
    counts: dict[str, int] = {}
    for file in manifest:
        name = file.rsplit("/", 1)[-1]
        counts[name] = counts.get(name, 0) + 1
    return {file.rsplit("/", 1)[-1]: row for file, row in manifest.items() if counts[file.rsplit("/", 1)[-1]] == 1}


def path_component(name: str) -> str:
    """A safe single folder name for ``name``: never ``..``, no separators, distinct names stay distinct.

    Letters, digits, ``.``, ``_`` and ``-`` are kept; anything else becomes ``_``; leading dots
    are dropped. When that changed the name, 6 hex digits of its SHA-1 are appended so that, for
    example, ``"Anna M"`` and ``"Anna_M"`` do not share a folder.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:60] or "x"
    if slug != name:
        slug = f"{slug}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"
    return slug

