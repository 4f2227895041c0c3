"""Speed and memory of gaitscan against the pose model's own limit and the naive baseline (issue 8).

    python benchmarks/run.py [--quick] [--json FILE] [--skip rss,batch,real,naive,sidepass]

In one run, side by side on the same clips:

- ``model_only_fps``: gaitscan's :class:`~gaitscan.pose.landmarker.Landmarker` (MediaPipe Tasks,
  VIDEO mode, single process) on frames decoded beforehand — the limit; measured just before and
  just after ``end_to_end`` and averaged (the machine's speed drifts); ``fps_2_threads`` beside it:
  two Landmarkers on two threads taking every other frame, the limit of the pose pass on 2 cores;
- ``end_to_end_fps``: :func:`gaitscan.pipeline.analyze` from the video file to ``analysis.json``
  (default settings, HTML report included; in-process, so interpreter start-up is not counted),
  with the split pose pass (on one or two model threads, :func:`gaitscan.pose.landmarker.pose_threads`;
  ``GAITSCAN_POSE_THREADS=1`` keeps it on one; the pelvis patches and scene-roll frames are taken
  beside it, :mod:`gaitscan.pose.sidepass`) / pelvis image estimate after it (the wait for the side pass's
  last frames, the template matching of every frame, or a whole second pass when the side pass
  could not be used; the scene-roll pass is in "the rest" when it runs) / report / the rest (events, metrics, files), and the CPU time it took;
- ``naive_fps``: ``benchmarks/naive.py`` (OpenCV read loop, legacy MediaPipe Pose on every
  full-size frame, then the metrics);
- 1080p30 faster than real time: judged on the ``peak_rss_mb_long`` run below — ``gaitscan
  analyze`` of the long 1080p30 clip as a command, start-up and model loading included — with the
  short clip's in-process ``end_to_end_fps`` shown beside it;
- ``peak_rss_mb_short`` / ``peak_rss_mb_long``: peak resident memory of ``gaitscan analyze`` as a
  subprocess (``os.wait4`` rusage of that child, forked from a small launcher) on a 1-minute and a 10-minute 1920×1080 30 fps
  synthetic rear-view clip (``benchmarks/make_long.py``; ``--quick``: 24 s and 60 s);
- ``side_pass``: the side pass's pelvis trace and scene roll compared with the sequential passes
  it replaces (identical or not), and the CPU seconds of each;
- ``batch_speedup_2_workers``: videos/min of ``gaitscan batch`` with 2 local workers over 1
  (``benchmarks/bench_batch.py``'s folder and timing); beside it, informational, the same with
  ``GAITSCAN_POSE_THREADS=1`` in both runs (a lone worker otherwise runs the model on both cores).

The headline fps figures are those of the synthetic 1080p rear clip; every clip's figures (the
real videos in ``../shared/videos`` too, skipped with a message when absent) are in ``clips``.
The machine and the load average before and after every measurement are printed and saved:
with 2 cores, a load above ~1.5 means someone else is using the CPU and the figures are low.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_batch  # noqa: E402
import make_long  # noqa: E402
from naive import run_naive  # noqa: E402

REAL_VIDEOS = HERE.parent.parent / "shared" / "videos"


# --------------------------------------------------------------------------- the machine
def machine() -> dict[str, Any]:
    import mediapipe

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem_kb = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "ram_gb": round(mem_kb / 2 ** 20, 1),
            "python": platform.python_version(), "mediapipe": mediapipe.__version__,
            "platform": platform.platform(), "loadavg_start": os.getloadavg()[0]}


def load() -> float:
    return round(os.getloadavg()[0], 2)


@contextlib.contextmanager
def section(title: str, record: dict) -> Iterator[None]:
    record["load_before"] = load()
    print(f"\n== {title}  (load {record['load_before']:.2f})", flush=True)
    start = time.perf_counter()
    yield
    record["wall_s"] = round(time.perf_counter() - start, 2)
    record["load_after"] = load()


# --------------------------------------------------------------------------- measurements
def decoded(video: Path, *, max_frames: int, end_s: Optional[float] = None) -> list[tuple[float, Any]]:
    """The first ``max_frames`` frames of ``video`` as (t seconds, RGB (H, W, 3) uint8), decoded now."""
    from gaitscan.pose.video import iter_frames

    pre = []
    with iter_frames(video, end_s=end_s) as frames:
        for f in frames:
            pre.append((f.t, f.rgb))
            if len(pre) >= max_frames:
                break
    return pre


def model_only(video: Path, *, max_frames: int, end_s: Optional[float], two_threads: bool = True) -> dict[str, Any]:
    """fps of Landmarker.detect alone on up to ``max_frames`` frames decoded beforehand (and, with
    ``two_threads``, of two Landmarkers on two threads)."""
    from gaitscan.pose.landmarker import Landmarker

    pre = decoded(video, max_frames=max_frames, end_s=end_s)
    with Landmarker() as lm:
        lm.detect(pre[0][1], pre[0][0])  # start-up chatter and graph warm-up are not inference
        start = time.perf_counter()
        for t, rgb in pre[1:]:
            lm.detect(rgb, t)
        seconds = time.perf_counter() - start
    n = len(pre) - 1
    h, w = pre[0][1].shape[:2]
    out = {"frames": n, "size": f"{w}x{h}", "seconds": round(seconds, 3), "fps": round(n / seconds, 2),
           "ms_per_frame": round(1000 * seconds / n, 2)}
    if two_threads:
        out["fps_2_threads"] = round(n / _model_two_threads(pre), 2)
    return out


def _model_two_threads(pre: list) -> float:
    """Seconds for two Landmarkers, each on its own thread, to take every other frame of ``pre``
    (after a warm-up frame each): the limit of run_pose on two threads (informational: the issue's
    model_only is one Landmarker)."""
    import threading

    from gaitscan.pose.landmarker import Landmarker

    marks = [Landmarker(), Landmarker()]
    try:
        for k, lm in enumerate(marks):
            lm.detect(pre[k][1], pre[k][0])
        work = [pre[2::2], pre[3::2]]
        threads = [threading.Thread(target=lambda lm=lm, part=part: [lm.detect(rgb, t) for t, rgb in part])
                   for lm, part in zip(marks, work)]
        start = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return (time.perf_counter() - start) * (len(pre) - 1) / max(len(pre) - 2, 1)
    finally:
        for lm in marks:
            lm.close()


class _Split:
    """Wall time spent inside the pose pass, the pelvis pass and the report of one analyze()."""

    def __init__(self) -> None:
        self.pose = self.pelvis = self.report = 0.0
        self.frames = 0

    def wrap(self, module: Any, name: str, slot: str) -> Callable[[], None]:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                out = original(*args, **kwargs)
            finally:
                setattr(self, slot, getattr(self, slot) + time.perf_counter() - start)
            if slot == "pose":
                self.frames = len(out)
            return out

        setattr(module, name, timed)
        return lambda: setattr(module, name, original)


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far, every thread."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def end_to_end(video: Path, *, end_s: Optional[float]) -> dict[str, Any]:
    """gaitscan.pipeline.analyze on ``video`` (default settings, report included), with the split."""
    import gaitscan.pelvis.obliquity as obliquity
    import gaitscan.pose as pose
    import gaitscan.report as report
    from gaitscan.errors import NotMeasurableError
    from gaitscan.pipeline import analyze
    from gaitscan.pose.sidepass import SidePass

    from gaitscan.pose.landmarker import pose_threads
    from gaitscan.pose.video import probe

    threads = pose_threads(probe(video), end_s=end_s)
    split = _Split()
    undo = [split.wrap(pose, "run_pose", "pose"), split.wrap(obliquity, "measure_video", "pelvis"),
            split.wrap(SidePass, "scene_roll", "pelvis"), split.wrap(SidePass, "pelvis_result", "pelvis")]
    if hasattr(report, "write_report"):
        undo.append(split.wrap(report, "write_report", "report"))
    try:
        with tempfile.TemporaryDirectory(prefix="gaitscan-bench-") as out:
            start, cpu_start = time.perf_counter(), _cpu_s()
            try:
                analysis = analyze(video, out_dir=out, end_s=end_s)
            except NotMeasurableError:
                analysis = json.loads((Path(out) / "analysis.json").read_text())
            seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu_start
    finally:
        for u in undo:
            u()
    n = split.frames
    rest = seconds - split.pose - split.pelvis - split.report
    return {"frames": n, "seconds": round(seconds, 3), "fps": round(n / seconds, 2), "cpu_s": round(cpu, 3),
            "pose_s": round(split.pose, 3), "pelvis_s": round(split.pelvis, 3), "report_s": round(split.report, 3),
            "rest_s": round(rest, 3), "pose_threads": threads, "pose_ms_per_frame": round(1000 * split.pose / n, 2),
            "pelvis_ms_per_frame": round(1000 * split.pelvis / n, 2),
            "cadence_spm": analysis.get("cadence_spm"), "view": (analysis.get("view") or {}).get("view")
            if isinstance(analysis.get("view"), dict) else analysis.get("view")}


def side_pass_check(video: Path, *, end_s: Optional[float]) -> dict[str, Any]:
    """The side pass (:mod:`gaitscan.pose.sidepass`) against the sequential passes it replaces:
    whether its pelvis trace and scene roll are identical to ``measure_video`` /
    ``video_scene_roll`` on the same pose series, and the CPU seconds of each piece (the pose pass
    with the side pass beside it, then ``PelvisEstimator.result``; the sequential pelvis and
    scene-roll passes)."""
    import numpy as np

    from gaitscan.pelvis.offline import measure_video, video_scene_roll
    from gaitscan.pose import run_pose
    from gaitscan.pose.sidepass import SidePass

    c0 = _cpu_s()
    side = SidePass(video, end_s=end_s)
    series = run_pose(video, end_s=end_s, on_frame=side)
    side.finish()
    c1 = _cpu_s()
    got = side.pelvis_result(series)
    c2 = _cpu_s()
    want = measure_video(video, series, end_s=end_s)
    c3 = _cpu_s()
    roll = video_scene_roll(video, series) if end_s is None else None
    c4 = _cpu_s()
    same = got is not None and all(np.array_equal(getattr(got, k), getattr(want, k), equal_nan=True)
                                   for k in ("image_deg", "relative_deg", "confidence"))
    return {"frames": len(series), "failure": side.failure, "pelvis_identical": same,
            "pelvis_measured_frames": int(np.isfinite(want.image_deg).sum()), "pelvis_reason": want.reason,
            "scene_roll_identical": None if roll is None else side.scene_roll(series) == roll,
            "cpu_pose_with_side_s": round(c1 - c0, 2), "cpu_result_s": round(c2 - c1, 2),
            "cpu_sequential_pelvis_pass_s": round(c3 - c2, 2), "cpu_sequential_roll_pass_s": round(c4 - c3, 2)}


#: run in a small interpreter that forks the measured command: a child forked straight from this
#: (large) benchmark process would count our own resident pages in its ru_maxrss (the address
#: space it had before exec), so the launcher must be small
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execv(sys.executable, [sys.executable] + sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"maxrss_kb": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status)}))
"""


def peak_rss(video: Path) -> dict[str, Any]:
    """Peak RSS (MB) and wall time of ``gaitscan analyze VIDEO`` in a child process (its own
    ``ru_maxrss`` from ``os.wait4``, forked from a small launcher — see :data:`_LAUNCHER`)."""
    with tempfile.TemporaryDirectory(prefix="gaitscan-bench-rss-") as out:
        cmd = [sys.executable, "-S", "-c", _LAUNCHER, "-m", "gaitscan.cli", "analyze", str(video), "--out", out]
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        frames = None
        with contextlib.suppress(OSError, ValueError, KeyError):
            frames = json.loads((Path(out) / "analysis.json").read_text())["source"]["frames"]
    rec = {"peak_rss_mb": round(got["maxrss_kb"] / 1024, 1), "seconds": round(seconds, 1), "exit": got["exit"],
           "frames": frames}
    if frames:
        rec["fps_incl_startup"] = round(frames / seconds, 2)
    if got["exit"] != 0:
        rec["stderr_tail"] = proc.stderr.strip().splitlines()[-3:]
    return rec


def batch_speedup(quick: bool) -> dict[str, Any]:
    """videos/min with 2 local workers over 1, on bench_batch's synthetic folder."""
    n, seconds = (4, 2.0) if quick else (6, 2.5)
    with tempfile.TemporaryDirectory(prefix="gaitscan-bench-batch-") as tmp:
        root = Path(tmp)
        bench_batch.make_folder(root / "clinic", n, seconds, 640, 360)
        print(f"{n} videos, 640×360, {seconds:g} s at 30 fps each")
        one = bench_batch.timed("local, --jobs 1", n, folder=root / "clinic", out=root / "out1", jobs=1)
        two = bench_batch.timed("local, --jobs 2", n, folder=root / "clinic", out=root / "out2", jobs=2)
        # informational: the same with one model thread per worker in both settings, i.e. the
        # speed-up of the batch engine itself when a worker does not already use both cores
        with mock.patch.dict(os.environ, {"GAITSCAN_POSE_THREADS": "1"}):
            one_1 = bench_batch.timed("local, --jobs 1, 1 model thread", n, folder=root / "clinic", out=root / "out3", jobs=1)
            two_1 = bench_batch.timed("local, --jobs 2, 1 model thread", n, folder=root / "clinic", out=root / "out4", jobs=2)
    return {"videos": n, "seconds_each": seconds, "videos_per_min_1": round(one, 2), "videos_per_min_2": round(two, 2),
            "speedup": round(two / one, 3), "videos_per_min_1_one_model_thread": round(one_1, 2),
            "videos_per_min_2_one_model_thread": round(two_1, 2), "speedup_one_model_thread": round(two_1 / one_1, 3)}


# --------------------------------------------------------------------------- driver
def clips(quick: bool, skip: set[str]) -> list[tuple[str, Path, Optional[float]]]:
    """(label, path, end_s) of every clip measured for fps."""
    out = [("synthetic rear 1080p30", make_long.long_clip(6 if quick else 12), None)]
    if "real" in skip:
        return out
    if not REAL_VIDEOS.is_dir():
        print(f"(no real videos: {REAL_VIDEOS} is absent — skipped)")
        return out
    names = sorted(p for p in REAL_VIDEOS.glob("*.mp4"))
    if quick:
        names = [p for p in names if "rear" in p.name][:1] or names[:1]
    limit = 4.0 if quick else 6.0
    out += [(p.stem, p, limit) for p in names]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short clips (about a minute or two in all)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: rss, batch, real, naive, sidepass")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    res: dict[str, Any] = {"quick": args.quick, "command": " ".join([Path(sys.executable).name] + sys.argv)}
    res["machine"] = machine()
    m = res["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
          f"mediapipe {m['mediapipe']}, load average {m['loadavg_start']:.2f}")
    if args.quick:
        print("--quick: short clips (synthetic 6 s, one real video cut to 4 s, memory on 24 s vs 60 s; batch 4 videos of 2 s)")

    res["clips"] = []
    for label, path, end_s in clips(args.quick, skip):
        rec: dict[str, Any] = {"clip": label, "file": path.name, "end_s": end_s}
        with section(f"{label} ({path.name}{'' if end_s is None else f', first {end_s:g} s'})", rec):
            rec["model_only"] = model_only(path, max_frames=60 if args.quick else 100, end_s=end_s)
            print(f"  model only   {rec['model_only']['fps']:6.1f} fps  ({rec['model_only']['ms_per_frame']:.1f} ms/frame, "
                  f"{rec['model_only']['size']}, {rec['model_only']['frames']} frames; "
                  f"two Landmarkers on two threads {rec['model_only']['fps_2_threads']:.1f} fps)", flush=True)
            e = rec["end_to_end"] = end_to_end(path, end_s=end_s)
            # the machine's speed drifts by several percent within minutes: the limit is measured
            # again right after and the two are averaged, so the ratio compares like with like
            after = rec["model_only_after"] = model_only(path, max_frames=60 if args.quick else 100, end_s=end_s,
                                                         two_threads=False)
            rec["model_only_fps_mean"] = round((rec["model_only"]["fps"] + after["fps"]) / 2, 2)
            print(f"  model only   {after['fps']:6.1f} fps  again after end to end (mean of the two "
                  f"{rec['model_only_fps_mean']:.1f})", flush=True)
            print(f"  end to end   {e['fps']:6.1f} fps  ({e['frames']} frames in {e['seconds']:.1f} s, {e['cpu_s']:.1f} s CPU: "
                  f"pose {e['pose_s']:.1f} s on {e['pose_threads']} model thread(s), "
                  f"pelvis {e['pelvis_s']:.1f} s, report {e['report_s']:.1f} s, rest {e['rest_s']:.1f} s; "
                  f"cadence {e['cadence_spm']})", flush=True)
            if "naive" not in skip:
                nv = rec["naive"] = run_naive(path, end_s=end_s)
                nv["fps"] = round(nv["fps"], 2)
                print(f"  naive        {nv['fps']:6.1f} fps  ({nv['frames']} frames in {nv['seconds']:.1f} s; "
                      f"cadence {nv['cadence_spm']})", flush=True)
        res["clips"].append(rec)
    if "sidepass" not in skip:
        label, path, end_s = clips(args.quick, {"real"})[0]
        rec = {"clip": label}
        with section(f"side pass vs the sequential pelvis and scene-roll passes ({label})", rec):
            rec.update(side_pass_check(path, end_s=end_s))
        print(f"  {rec}", flush=True)
        res["side_pass"] = rec
    head = res["clips"][0]
    res["model_only_fps"] = head["model_only_fps_mean"]
    res["end_to_end_fps"] = head["end_to_end"]["fps"]
    res["naive_fps"] = head.get("naive", {}).get("fps")

    if "rss" not in skip:
        short_s, long_s = (20, 60) if args.quick else (60, 600)
        for key, secs in (("short", short_s), ("long", long_s)):
            clip = make_long.long_clip(secs)  # whole loops: may be a few seconds longer than asked
            from gaitscan.pose.video import probe

            rec = {"clip_s": round(probe(clip).duration_s, 1)}
            with section(f"peak RSS, gaitscan analyze on a {rec['clip_s']:g} s 1920×1080 30 fps clip", rec):
                rec.update(peak_rss(clip))
            print(f"  {rec}", flush=True)
            res[f"rss_{key}"] = rec
            res[f"peak_rss_mb_{key}"] = rec["peak_rss_mb"]
    if "batch" not in skip:
        rec = {}
        with section("batch: 1 vs 2 local workers", rec):
            rec.update(batch_speedup(args.quick))
        res["batch"] = rec
        res["batch_speedup_2_workers"] = rec["speedup"]
    res["machine"]["loadavg_end"] = load()

    res["targets"] = targets(res)
    print("\n== summary")
    for k in ("model_only_fps", "end_to_end_fps", "naive_fps", "peak_rss_mb_short", "peak_rss_mb_long",
              "batch_speedup_2_workers"):
        print(f"  {k:<26} {res.get(k)}")
    for name, (ok, text) in res["targets"].items():
        print(f"  {'met ' if ok else 'MISS' if ok is not None else 'n/a '} {name}: {text}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")
        print(f"wrote {args.json}")


def targets(r: dict[str, Any]) -> dict[str, tuple[Optional[bool], str]]:
    def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
        return None if a is None or b in (None, 0) else a / b

    out: dict[str, tuple[Optional[bool], str]] = {}
    x = ratio(r.get("end_to_end_fps"), r.get("model_only_fps"))
    out["end_to_end >= 0.9 x model_only"] = (None if x is None else x >= 0.9, "n/a" if x is None else f"{x:.2f}×")
    x = ratio(r.get("end_to_end_fps"), r.get("naive_fps"))
    out["end_to_end >= 1.3 x naive"] = (None if x is None else x >= 1.3, "n/a" if x is None else f"{x:.2f}×")
    # real time: the CLI on the long 1080p30 clip (a clinic's whole recording, interpreter start-up
    # and model loading included); the short clip's in-process figure is shown beside it
    e, lng = r.get("end_to_end_fps"), r.get("rss_long") or {}
    short = "" if e is None else f"; the {r['clips'][0]['end_to_end']['frames']}-frame clip in process {e:.1f} fps"
    if lng.get("fps_incl_startup"):
        f = lng["fps_incl_startup"]
        out["1080p30 faster than real time"] = (f >= 30.0, f"gaitscan analyze of a {lng['clip_s']:g} s clip: {lng['seconds']:g} s "
                                                           f"({f:.1f} fps vs 30){short}")
    else:
        out["1080p30 faster than real time"] = (None if e is None else e >= 30.0, "n/a" if e is None else f"{e:.1f} fps vs 30")
    x = ratio(r.get("peak_rss_mb_long"), r.get("peak_rss_mb_short"))
    out["peak_rss_long <= 1.2 x short"] = (None if x is None else x <= 1.2, "n/a" if x is None else f"{x:.2f}×")
    b = r.get("batch_speedup_2_workers")
    out["batch speed-up >= 1.7"] = (None if b is None else b >= 1.7, "n/a" if b is None else f"{b:.2f}×")
    return out


if __name__ == "__main__":
    main()
