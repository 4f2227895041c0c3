"""``analyze(...)``: one video (or saved PoseSeries) in, ``analysis.json`` + ``steps.csv`` out.

The I/O edge around the pure :func:`gaitscan.metrics.analysis.analyse_series`: it loads or
computes the PoseSeries, writes ``pose.npz``, ``analysis.json`` (schema ``gaitscan.analysis/1``,
no NaN — null with a reason), ``steps.csv`` (one row per step) and, when asked and available, the
HTML report — every file atomically (:mod:`gaitscan.atomic`).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Union

from .atomic import check_writable_dir, write_text
from .errors import InputError, NotMeasurableError
from .metrics.analysis import analyse_series
from .metrics.steps import Step
from .metrics.view import detect_view
from .pelvis import image_obliquity_estimator, no_video_estimator
from .pose.series import PoseSeries
from .pose.sidepass import SidePass
from .timescale import (apply_time_scale, assess_time_scale, check_edit_lists, on_file_clock, record_time_scale,
                        resolve_time_scale)

PathLike = Union[str, Path]
#: steps.csv's first columns: every per-step scalar of :class:`gaitscan.metrics.steps.Step` (then :func:`csv_columns`)
CSV_COLUMNS = [f for f in Step.__dataclass_fields__ if f != "not_measurable"]
#: the camera roll is read from the scene in one frame every so many seconds
SCENE_ROLL_EVERY_S = 1.0


def load_source(source: Union[PathLike, PoseSeries], *, model: Optional[PathLike] = None, start_s: Optional[float] = None,
                end_s: Optional[float] = None, stride: int = 1, progress: bool = False,
                on_frame: Optional[Callable[[Any, Any], None]] = None) -> PoseSeries:
    """A PoseSeries from a PoseSeries, a saved ``.npz`` or a video (running the pose model;
    ``on_frame`` as for :func:`gaitscan.pose.run_pose`)."""
    if isinstance(source, PoseSeries):
        return source
    path = Path(source)
    if not path.exists():
        raise InputError("file not found", path)
    if path.suffix.lower() == ".npz":
        series = PoseSeries.load(path)
        if start_s is not None or end_s is not None or stride != 1:
            keep = (series.t >= (start_s if start_s is not None else -float("inf"))) & \
                   (series.t <= (end_s if end_s is not None else float("inf")))
            idx = [i for i in range(len(series)) if keep[i]][::stride]
            series = series.slice(idx[0], idx[-1] + 1) if idx and stride == 1 else _take(series, idx, path)
        return series
    from .pose import run_pose

    return run_pose(path, model=model, start_s=start_s, end_s=end_s, stride=stride, progress=progress, on_frame=on_frame)


def _take(series: PoseSeries, idx: list[int], path: Path) -> PoseSeries:
    if not idx:
        raise InputError("no frames in the requested time range", path)
    return PoseSeries(series.xy[idx], series.visibility[idx], series.presence[idx], series.world[idx], series.t[idx],
                      series.detected[idx], series.n_people[idx], series.width, series.height, dict(series.source))


def csv_columns(steps: list[dict[str, Any]]) -> list[str]:
    """:data:`CSV_COLUMNS`, then every other per-step scalar key present in ``steps`` (e.g. the
    ``*_markers_*`` values of ``--markers``) in the order first seen — so one table holds them all."""
    extra: dict[str, None] = {}
    for st in steps:
        extra.update({k: None for k, v in st.items()
                      if k not in CSV_COLUMNS and k != "not_measurable" and not isinstance(v, (dict, list))})
    return CSV_COLUMNS + list(extra)


def steps_csv(analysis: dict[str, Any]) -> str:
    """``steps.csv`` text: a header of :func:`csv_columns`, one row per step, empty cell for null."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    columns = csv_columns(analysis["steps"])
    w.writerow(columns)
    for st in analysis["steps"]:
        w.writerow(["" if st.get(c) is None else st.get(c) for c in columns])
    return buf.getvalue()


def default_out_dir(source: Union[PathLike, PoseSeries]) -> Path:
    """``./<name>_gaitscan`` in the working directory (the input's folder may be read-only)."""
    stem = Path(source).stem if not isinstance(source, PoseSeries) else str(source.source.get("file", "series")).rsplit(".", 1)[0]
    return Path.cwd() / f"{stem}_gaitscan"


def analyze(source: Union[PathLike, PoseSeries], *, out_dir: Optional[PathLike] = None, height_cm: Optional[float] = None,
            camera_roll_deg: Optional[float] = None, model: Optional[PathLike] = None, start_s: Optional[float] = None,
            end_s: Optional[float] = None, stride: int = 1, progress: bool = False, write_report: bool = True,
            overlay: bool = False, symptoms: Optional[Mapping[str, Any]] = None, kb: Optional[Any] = None,
            runner_name: Optional[str] = None, pdf: bool = False,
            video: Optional[PathLike] = None, capture_fps: Optional[float] = None, slowmo: Optional[float] = None,
            markers: bool = False, marker_color: Optional[str] = None) -> dict:
    """Analyse one run and write its outputs; return the ``gaitscan.analysis/1`` dict.

    ``source``: a video path, a saved PoseSeries (``.npz``) or a :class:`PoseSeries`.
    ``out_dir``: where ``analysis.json``, ``steps.csv``, ``pose.npz`` (and ``report.html``) go;
    default ``./<name>_gaitscan``. ``height_cm``: the runner's height, for cm values.
    ``camera_roll_deg``: known camera roll (deg, + when a level line's image-right end is lower).
    ``model``/``start_s``/``end_s``/``stride``/``progress``: passed to the pose stage.
    ``video``: the video a PoseSeries or ``.npz`` source was made from (live recordings), so the
    report can show its midstance keyframes and pelvic drop is measured from the pelvis in the
    image (:mod:`gaitscan.pelvis`; without a video, from the hip landmarks, with the reason).
    ``capture_fps``/``slowmo``: the camera's real frame rate or the playback slow-down of a
    slow-motion file (else the file's metadata decides, :mod:`gaitscan.timescale`); every time in
    the outputs is then real time, and ``start_s``/``end_s`` stay positions in the file.
    ``markers``: also track the skin markers of colour ``marker_color`` (a name or "H,S,V";
    default green) and add the marker values beside the markerless ones (:mod:`gaitscan.markers`).
    ``camera_roll_deg`` not given and the runner seen from behind or in front: the roll is estimated
    from level and plumb lines in the scene (:func:`gaitscan.pelvis.offline.video_scene_roll`);
    ``camera_roll_source`` in the analysis says which ("given" / "scene" / "none").
    ``overlay``: also write ``overlay.mp4`` (:mod:`gaitscan.report.overlay`; needs the video).
    ``symptoms``/``kb``/``runner_name``/``pdf``: as for ``gaitscan report`` (validated symptoms, a
    KnowledgeBase or KB file, the runner's name, and ``report.pdf`` through headless Chromium).
    Raises :class:`~gaitscan.errors.InputError` for unreadable input and, after writing
    ``analysis.json`` saying why, :class:`~gaitscan.errors.NotMeasurableError` when nothing at
    all could be measured (no runner, no step).
    """
    if height_cm is not None and not 50 <= height_cm <= 250:
        raise InputError(f"--height-cm {height_cm:g} is not a plausible human height (50–250 cm)")
    if stride < 1:
        raise InputError(f"stride must be ≥ 1, got {stride}")
    check_writable_dir(Path(out_dir) if out_dir is not None else default_out_dir(source))  # before the long pose pass
    from_pose = isinstance(source, PoseSeries) or Path(source).suffix.lower() == ".npz"
    frames_of = video if from_pose else Path(source)   # the frames behind the series, if at hand
    if overlay and frames_of is None:
        raise InputError("the overlay video needs the frames: give the video the pose series was made from")
    if pdf and not write_report:
        raise InputError("report.pdf is printed from report.html: do not turn the report off")
    if not from_pose and Path(source).is_file():
        check_edit_lists(source)  # a mixed-speed slow-motion file is rejected before the pose model runs
    side = None if from_pose else SidePass(Path(source), start_s=start_s, end_s=end_s, stride=stride,
                                           roll_every_s=None if camera_roll_deg is not None else SCENE_ROLL_EVERY_S)
    try:  # the side pass's worker is stopped on every way out: a live worker thread at exit aborts the process
        series = load_source(source, model=model, start_s=start_s, end_s=end_s, stride=stride, progress=progress,
                             on_frame=side)
        if side is not None:
            side.finish()
            if detect_view(series).view not in ("rear", "front"):
                side.close()  # pelvis and scene roll are rear/front measures: free the core now
        ts = resolve_time_scale(series, video=None if from_pose else Path(source), capture_fps=capture_fps, slowmo=slowmo)
        series = record_time_scale(series, ts)
        real = apply_time_scale(series, ts)
        if not from_pose:
            pelvis = image_obliquity_estimator(Path(source), start_s=start_s, end_s=end_s, stride=stride,
                                               measured=side.pelvis_result)
        elif video is not None:
            pelvis = image_obliquity_estimator(Path(video))
        else:
            pelvis = no_video_estimator("no video given with the pose series: the pelvis image method needs the frames")
        camera_roll_deg, roll_source = _camera_roll(camera_roll_deg, frames_of, series, side)
        analysis = analyse_series(real, height_cm=height_cm, camera_roll_deg=camera_roll_deg,
                                  pelvis_estimator=on_file_clock(pelvis, ts.scale), camera_roll_source=roll_source)
        analysis = assess_time_scale(analysis, real, ts)
        if markers:  # issue 11: the clinic's skin markers, beside the markerless values
            from .markers.metrics import measure
            analysis = measure(analysis, series, frames_of, color=marker_color,
                               **({} if from_pose else {"start_s": start_s, "end_s": end_s, "stride": stride}))
        out = Path(out_dir) if out_dir is not None else default_out_dir(source)
        if not (isinstance(source, (str, Path)) and Path(source).suffix.lower() == ".npz"
                and Path(source).resolve() == (out / "pose.npz").resolve()):
            series.save(out / "pose.npz")
        write_text(out / "analysis.json", json.dumps(analysis, indent=1, allow_nan=False) + "\n")
        write_text(out / "steps.csv", steps_csv(analysis))
        if overlay:
            from .report.overlay import OVERLAY_NAME, write_analysis_overlay

            write_analysis_overlay(Path(frames_of), series, analysis, out / OVERLAY_NAME, kb=kb)
        if write_report:
            from .report import write_report as write_html

            html = write_html(analysis, out, video=frames_of, series=series, symptoms=symptoms, kb=kb,
                              runner_name=runner_name)
            if pdf:
                from .report.pdf import print_pdf

                print_pdf(html, html.with_suffix(".pdf"))
        if not analysis["steps"] and analysis["cadence_spm"] is None:
            reason = "; ".join(f"{k}: {v}" for k, v in analysis["not_measurable"].items()) or "no steps found"
            raise NotMeasurableError(f"nothing measurable ({reason}); see {out / 'analysis.json'}",
                                     source if isinstance(source, (str, Path)) else series.source.get("file"))
        return analysis
    finally:
        if side is not None:
            side.close()


def _camera_roll(given: Optional[float], video: Optional[PathLike], series: PoseSeries,
                 side: Optional[SidePass] = None) -> tuple[Optional[float], str]:
    """(roll in degrees or None, its source): ``given``; else from the scene's level and plumb lines
    when the runner is seen from behind or in front and the frames are at hand (``scene``; None when
    the scene has no such lines; the votes ``side`` collected during the pose pass when it has
    them); else ``none``."""
    if given is not None:
        return given, "given"
    if video is None or detect_view(series).view not in ("rear", "front"):
        return None, "none"
    from .pelvis.offline import video_scene_roll

    collected = side.scene_roll(series) if side is not None else None
    roll, _ = collected if collected is not None else video_scene_roll(Path(video), series, every_s=SCENE_ROLL_EVERY_S)
    return (None if roll is None else round(roll, 2)), "scene"
