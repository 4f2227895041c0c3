"""The per-video job: what one worker process (local or on a Dask worker) does with one video.

A job runs :func:`gaitscan.pipeline.analyze` into a private temporary folder on the worker,
reads the outputs back as bytes and returns them with the analysis. The worker therefore needs
only **read** access to the video; it never writes to the batch's output folder, so a worker or
coordinator killed mid-job cannot leave a torn file there. A bad video becomes a failed result
with the pipeline's own reason; an unexpected exception (a bug) becomes a failed result too, so
one video can never stop the others.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .. import __version__
from ..errors import GaitscanError

#: the analyze() keyword arguments a batch may set (and that change the results)
SETTING_NAMES: tuple[str, ...] = ("height_cm", "camera_roll_deg", "model", "stride", "markers", "marker_color")
#: marker settings enter the hash only when markers are on: a plain run keeps the hash it had before
_MARKER_SETTINGS = ("markers", "marker_color")


@dataclass(frozen=True)
class JobSpec:
    """One video to analyse: ``key`` identifies it in the index, ``path`` is absolute."""

    key: str
    path: str
    settings: dict[str, Any]


@dataclass
class JobResult:
    """What came back from a worker: the analysis and its files, or a failure reason."""

    key: str
    ok: bool
    reason: Optional[str] = None
    exit_code: int = 0
    analysis: Optional[dict] = None
    files: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0
    worker: str = ""


def settings_hash(settings: dict[str, Any], model_sha256: Optional[str] = None) -> str:
    """A short hash of everything that changes a video's results: gaitscan's version and settings.

    A model file is identified by its content hash (``model_sha256``), not its path. Bumping
    gaitscan's version therefore re-analyses videos on the next batch run — deliberately, since
    results may differ.
    """
    unknown = set(settings) - set(SETTING_NAMES)
    if unknown:
        raise ValueError(f"unknown analysis settings {sorted(unknown)}; allowed: {SETTING_NAMES}")
    payload = {"gaitscan": __version__, **{k: v for k, v in settings.items()
                                           if k not in _MARKER_SETTINGS or settings.get("markers")}}
    if settings.get("model") is not None:
        payload["model"] = model_sha256 or str(settings["model"])
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def analyze_job(spec: JobSpec) -> JobResult:
    """Analyse one video with :func:`gaitscan.pipeline.analyze`; never raises for a bad video."""
    from ..pipeline import analyze  # imported here: the coordinator never loads the pose model

    return run_job(spec, analyze)


def run_job(spec: JobSpec, analyze: Callable[..., dict]) -> JobResult:
    """Run ``analyze(path, out_dir=tmp, progress=False, **settings)`` and collect its outputs."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gaitscan-job-") as tmp:
        try:
            analysis = analyze(spec.path, out_dir=tmp, progress=False, **spec.settings)
        except GaitscanError as exc:
            return JobResult(spec.key, False, reason=exc.message, exit_code=exc.exit_code,
                             seconds=time.perf_counter() - start, worker=worker)
        except Exception as exc:  # noqa: BLE001 — a pipeline bug must fail this video only
            return JobResult(spec.key, False, reason=f"internal error, please report it: {type(exc).__name__}: {exc}",
                             exit_code=1, seconds=time.perf_counter() - start, worker=worker)
        root = Path(tmp)
        files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    return JobResult(spec.key, True, analysis=analysis, files=files,
                     seconds=time.perf_counter() - start, worker=worker)
