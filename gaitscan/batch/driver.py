"""The batch, end to end: :func:`run_batch`.

1. Lock OUT, clean what a killed run left (:mod:`.outdir`), open the index (:mod:`.index`).
2. Find and identify the videos (:mod:`.discover`); hash each (reusing the stored hash when size
   and mtime are unchanged); record them all in one transaction. A file with the same content as
   an earlier one in this run is ``skipped``; a file that cannot be read is ``failed``.
3. Plan: a video whose content and settings are already ``done`` (and whose outputs are still
   there) is not analysed again; a ``failed`` one only with ``retry_failed``.
4. Run the jobs (:mod:`.runner`, local or Dask). As each result arrives the coordinator moves its
   outputs into place, then records it in one transaction — so a kill at any moment loses at most
   the videos in flight, which the next run analyses again.
5. Write the clinic outputs (:mod:`.outputs`) for every video found in this run.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from ..cores import usable_cores
from ..errors import GaitscanError, UsageError
from ..interrupts import sigint_deferred
from ..report.findings import evaluate_findings
from ..report.kb import KnowledgeBase, load_kb
from .discover import Video, discover, read_manifest
from .fingerprint import sha256_file
from .index import FileRecord, Index
from .job import JobResult, JobSpec, analyze_job, settings_hash
from .keymetrics import key_metrics
from .outdir import OutputFolder, video_dir
from .outputs import write_outputs
from .progress import BatchProgress
from .runner import JobFn, run_dask, run_local

PathLike = Union[str, Path]


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch run did. ``exit_code`` is 0 when nothing failed, else 1."""

    run_id: int
    found: int
    analysed: int
    already_done: int
    done: int
    failed: int
    skipped: int
    out: Path

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def run_batch(folder: PathLike, *, out: PathLike, jobs: Optional[int] = None, scheduler: Optional[str] = None,
              manifest: Optional[PathLike] = None, retry_failed: bool = False, height_cm: Optional[float] = None,
              camera_roll_deg: Optional[float] = None, model: Optional[PathLike] = None, stride: int = 1,
              progress: bool = False, job_fn: JobFn = analyze_job, markers: bool = False,
              marker_color: Optional[str] = None) -> BatchOutcome:
    """Analyse every video under ``folder`` into ``out`` (see the module docstring).

    ``jobs`` local worker processes (default: the number of CPU cores), or the Dask cluster at
    ``scheduler`` (``tcp://HOST:PORT``). ``height_cm`` applies to videos whose manifest row gives
    none. ``job_fn`` is the per-video job (tests inject a fake one). ``markers``/``marker_color``:
    as for ``gaitscan analyze --markers`` (a markers run is a different setting from a plain one).
    """
    folder = Path(folder).resolve()
    if stride < 1:
        raise UsageError(f"--stride must be at least 1, got {stride}")
    rows = read_manifest(manifest) if manifest is not None else None
    kb = load_kb()
    base = {"height_cm": height_cm, "camera_roll_deg": camera_roll_deg,
            "model": None if model is None else str(Path(model).resolve()), "stride": stride,
            "markers": markers, "marker_color": marker_color if markers else None}
    if markers:  # a bad colour fails here once, not in every video's job
        from ..markers.detect import parse_color

        parse_color(marker_color)
    model_sha = None if model is None else _hash_or_fail(Path(model))
    with OutputFolder(out) as outdir, Index(outdir.root) as index:
        run_id = index.begin_run(folder)
        videos = discover(folder, manifest=rows, exclude=outdir.root)
        records, settings_of = _identify(videos, index, base, model_sha)
        index.record_files(run_id, records)
        specs, already_done = _plan(records, settings_of, index, outdir, retry_failed)
        done = failed = 0
        results = (run_dask(specs, scheduler=scheduler, job_fn=job_fn) if scheduler
                   else run_local(specs, jobs=jobs or usable_cores(), job_fn=job_fn))
        by_key = {r.key: r for r in records if r.status == "ok"}
        try:
            with BatchProgress(len(specs), enabled=progress) as bar:
                for result in results:
                    with sigint_deferred():  # a Ctrl-C here waits until the video is moved in, recorded and counted
                        ok = _commit(result, by_key[result.key], settings_of[result.key], outdir, index, kb)
                        done, failed = done + ok, failed + (not ok)
                    bar.advance(ok)
        except KeyboardInterrupt:  # what is committed is kept; say so (the CLI prints it, exit 130)
            raise KeyboardInterrupt(f"{already_done + done} of {len(videos)} videos done ({done} analysed now, "
                                    f"{failed} failed); run the same command again to analyse the rest") from None
        run_rows = index.run_rows(run_id)
        write_outputs(outdir, run_rows, kb)
        index.finish_run(run_id)
    statuses = [r["status"] for r in run_rows]
    return BatchOutcome(run_id, len(videos), len(specs), already_done, statuses.count("done"),
                        statuses.count("failed"), statuses.count("skipped"), outdir.root)


def _hash_or_fail(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise UsageError(f"cannot read the model file: {exc.strerror or exc}", path) from None


def _identify(videos: list[Video], index: Index, base: dict[str, Any],
              model_sha: Optional[str]) -> tuple[list[FileRecord], dict[str, dict[str, Any]]]:
    """A FileRecord per video (hash, settings, duplicate or unreadable) and the settings of each key."""
    records: list[FileRecord] = []
    settings_of: dict[str, dict[str, Any]] = {}
    first_rel: dict[str, str] = {}
    for v in videos:
        settings = dict(base, height_cm=v.height_cm if v.height_cm is not None else base["height_cm"])
        shash = settings_hash(settings, model_sha)
        size = mtime_ns = sha = None
        status, reason = "ok", None
        try:
            st = v.path.stat()
            size, mtime_ns = st.st_size, st.st_mtime_ns
            sha = index.cached_hash(str(v.path), size, mtime_ns) or sha256_file(v.path)
        except OSError as exc:
            status, reason = "failed", f"cannot read the file: {exc.strerror or exc}"
        record = FileRecord(str(v.path), v.rel, size, mtime_ns, sha, v.runner, v.session_date, v.date_source,
                            shash, status, reason)
        key = record.key
        if key is not None and key in first_rel:
            record = FileRecord(**{**record.__dict__, "status": "skipped",
                                   "reason": f"same content as {first_rel[key]}"})
        elif key is not None:
            first_rel[key] = v.rel
            settings_of[key] = settings
        records.append(record)
    return records, settings_of


def _plan(records: list[FileRecord], settings_of: dict[str, dict[str, Any]], index: Index, outdir: OutputFolder,
          retry_failed: bool) -> tuple[list[JobSpec], int]:
    """The jobs to run, and how many videos were already done."""
    specs, already_done = [], 0
    for r in records:
        if r.status != "ok":
            continue
        status, out_dir = index.lookup(r.key)
        if status == "done" and out_dir and (outdir.root / out_dir / "analysis.json").is_file():
            already_done += 1
        elif status != "failed" or retry_failed:
            specs.append(JobSpec(r.key, r.path, settings_of[r.key]))
    return specs, already_done


def _commit(result: JobResult, record: FileRecord, settings: dict[str, Any], outdir: OutputFolder, index: Index,
            kb: KnowledgeBase) -> bool:
    """Move a finished job's outputs into place, then record it; return whether it is done."""
    ok, reason, exit_code, out_dir = result.ok, result.reason, result.exit_code, None
    metrics: dict[str, Any] = {}
    flags: dict[str, str] = {}
    if ok:
        try:
            analysis = result.analysis or {}
            metrics = key_metrics(analysis)
            flags = {f.id: f.level for f in evaluate_findings(analysis, kb)}
            out_dir = video_dir(record.runner, record.session_date.isoformat(), record.rel, result.key)
            outdir.commit_video(out_dir, result.files)
        except GaitscanError as exc:
            ok, reason, exit_code, out_dir = False, str(exc), exc.exit_code, None
    index.record_result(key=result.key, sha256=record.sha256 or "", settings_hash=record.settings_hash,
                        settings=settings, ok=ok, reason=reason, exit_code=exit_code, source_path=record.path,
                        out_dir=out_dir, metrics=metrics, flags=flags, seconds=result.seconds, worker=result.worker)
    return ok
