"""The batch index: one SQLite file in OUT (``gaitscan-index.sqlite``) — no server.

Only the coordinator (the ``gaitscan batch`` process) opens it; workers never do, so it works the
same with a local pool and with a Dask cluster. WAL journal, ``synchronous=FULL`` and one
transaction per change: a process killed at any moment leaves the index as it was before or after
that change, never between.

Tables
------
``analyses`` — one row per (content SHA-256, settings hash): the result of analysing that content
with those settings: ``status`` ``done`` or ``failed`` (with ``reason`` and the pipeline's exit
code), the output folder relative to OUT, the key metrics (:mod:`.keymetrics`) and the flag
levels (JSON). A video whose content and settings match a ``done`` row is not analysed again,
whatever its name or folder.

``files`` — one row per video path seen: size and mtime (to reuse the hash when the file did not
change), content hash, runner, session date and where the date came from, the settings hash it is
analysed with, the run that last saw it, and a file-level ``status``: ``ok`` (see its analysis),
``skipped`` (same content as another file in the same run) or ``failed`` (could not even be read).

``runs`` — one row per batch run: folder, start and end time.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

from ..errors import OutputError
from .keymetrics import KEY_METRICS, METRIC_NAMES

PathLike = Union[str, Path]

INDEX_NAME = "gaitscan-index.sqlite"
SCHEMA_VERSION = "1"

_METRIC_COLUMNS = ",\n  ".join(f"{name} {kind}" for name, kind, _ in KEY_METRICS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  folder TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE IF NOT EXISTS analyses (
  key TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  settings_hash TEXT NOT NULL,
  settings TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  reason TEXT,
  exit_code INTEGER NOT NULL,
  source_path TEXT NOT NULL,
  out_dir TEXT,
  {_METRIC_COLUMNS},
  flags TEXT NOT NULL DEFAULT '{{}}',
  attempts INTEGER NOT NULL DEFAULT 1,
  seconds REAL,
  worker TEXT,
  finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY,
  rel TEXT NOT NULL,
  size INTEGER,
  mtime_ns INTEGER,
  sha256 TEXT,
  runner TEXT NOT NULL,
  session_date TEXT NOT NULL,
  date_source TEXT NOT NULL,
  settings_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'skipped', 'failed')),
  reason TEXT,
  run_id INTEGER NOT NULL REFERENCES runs(id)
);
CREATE INDEX IF NOT EXISTS files_run ON files(run_id);
"""


@dataclass(frozen=True)
class FileRecord:
    """What the coordinator learnt about one video path before analysing it."""

    path: str
    rel: str
    size: Optional[int]
    mtime_ns: Optional[int]
    sha256: Optional[str]
    runner: str
    session_date: dt.date
    date_source: str
    settings_hash: str
    status: str = "ok"
    reason: Optional[str] = None

    @property
    def key(self) -> Optional[str]:
        """The ``analyses`` key this file maps to (None when it could not be hashed)."""
        return None if self.sha256 is None else analysis_key(self.sha256, self.settings_hash)


def analysis_key(sha256: str, settings_hash: str) -> str:
    """The ``analyses`` primary key of a content hash analysed with a settings hash."""
    return f"{sha256}:{settings_hash}"


class Index:
    """The SQLite index of one output folder (see the module docstring)."""

    def __init__(self, out_dir: PathLike) -> None:
        self.path = Path(out_dir) / INDEX_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
        except sqlite3.DatabaseError as exc:
            raise OutputError(f"cannot open the batch index ({exc})", self.path) from None
        except OSError as exc:
            raise OutputError(f"cannot create the output folder ({exc.strerror or exc})", self.path.parent) from None
        version = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is None:
            with self.transaction():
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif version[0] != SCHEMA_VERSION:
            raise OutputError(f"index schema {version[0]} is not the supported {SCHEMA_VERSION}; "
                              "use a new output folder", self.path)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: committed on success, rolled back on any exception."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -------------------------------------------------------------------------------- runs
    def begin_run(self, folder: PathLike) -> int:
        """Record the start of a batch run; return its id."""
        with self.transaction() as db:
            cur = db.execute("INSERT INTO runs (folder, started_at) VALUES (?, ?)", (str(folder), _now()))
            return int(cur.lastrowid)

    def finish_run(self, run_id: int) -> None:
        """Record the end of a batch run."""
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))

    # ------------------------------------------------------------------------------- files
    def cached_hash(self, path: str, size: int, mtime_ns: int) -> Optional[str]:
        """The stored hash of ``path`` if its size and mtime are unchanged since it was hashed."""
        row = self._db.execute("SELECT sha256 FROM files WHERE path = ? AND size = ? AND mtime_ns = ?",
                               (path, size, mtime_ns)).fetchone()
        return None if row is None else row[0]

    def record_files(self, run_id: int, records: Sequence[FileRecord]) -> None:
        """Store what this run found, in one transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO files (path, rel, size, mtime_ns, sha256, runner, session_date, "
                "date_source, settings_hash, status, reason, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(r.path, r.rel, r.size, r.mtime_ns, r.sha256, r.runner, r.session_date.isoformat(),
                  r.date_source, r.settings_hash, r.status, r.reason, run_id) for r in records])

    # ---------------------------------------------------------------------------- analyses
    def lookup(self, key: str) -> tuple[Optional[str], Optional[str]]:
        """``(status, out_dir)`` of an analyses key; ``(None, None)`` if it was never analysed."""
        row = self._db.execute("SELECT status, out_dir FROM analyses WHERE key = ?", (key,)).fetchone()
        return (None, None) if row is None else (row[0], row[1])

    def record_result(self, *, key: str, sha256: str, settings_hash: str, settings: dict[str, Any],
                      ok: bool, reason: Optional[str], exit_code: int, source_path: str,
                      out_dir: Optional[str], metrics: dict[str, Any], flags: dict[str, str],
                      seconds: float, worker: str) -> None:
        """Store one analysis outcome (replacing an earlier failure of the same key), atomically."""
        values = {name: metrics.get(name) for name in METRIC_NAMES}
        columns = ["key", "sha256", "settings_hash", "settings", "status", "reason", "exit_code", "source_path",
                   "out_dir", *values, "flags", "seconds", "worker", "finished_at"]
        row = [key, sha256, settings_hash, json.dumps(settings, sort_keys=True), "done" if ok else "failed",
               reason, exit_code, source_path, out_dir, *values.values(), json.dumps(flags, sort_keys=True),
               seconds, worker, _now()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        with self.transaction() as db:
            db.execute(f"INSERT INTO analyses ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                       f"ON CONFLICT(key) DO UPDATE SET {updates}, attempts = attempts + 1", row)

    def run_rows(self, run_id: int) -> list[dict[str, Any]]:
        """Every file seen by ``run_id`` with its analysis (None fields where not analysed), by path."""
        metric_cols = ", ".join(f"a.{name}" for name in METRIC_NAMES)
        rows = self._db.execute(
            f"SELECT f.path, f.rel, f.sha256, f.runner, f.session_date, f.date_source, f.status AS file_status, "
            f"f.reason AS file_reason, a.key, a.status, a.reason, a.exit_code, a.out_dir, {metric_cols}, a.flags, "
            f"a.attempts, a.seconds, a.worker, a.finished_at "
            f"FROM files f LEFT JOIN analyses a ON f.status = 'ok' AND a.key = f.sha256 || ':' || f.settings_hash "
            f"WHERE f.run_id = ? ORDER BY f.rel", (run_id,)).fetchall()
        return [_row_dict(r) for r in rows]


def _row_dict(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    if out["file_status"] != "ok":
        out["status"], out["reason"] = out["file_status"], out["file_reason"]
    elif out["status"] is None:
        out["status"] = "pending"
    out["flags"] = json.loads(out["flags"]) if out["flags"] else {}
    out["session_date"] = dt.date.fromisoformat(out["session_date"])
    return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
