"""Synthetic 1920×1080 30 fps runner clips of any length for the speed/memory benchmark, cached.

    python benchmarks/make_long.py [--seconds 60 600] [--cache DIR]

Rendering costs well over 60 ms per 1080p frame, so a 10-minute clip is never rendered: a short
loop (a whole number of strides: cadence 180 spm → one stride = 20 frames at 30 fps) is rendered
once, and longer clips are made by re-muxing its encoded H.264 packets with shifted timestamps
(no re-encoding; the loop starts on a key frame). The runner's motion repeats seamlessly at
stride boundaries apart from the loop's small step-to-step variation. Clips are cached under
``~/.cache/gaitscan-bench`` (outside git) and reused while the render parameters stay the same.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import av

CACHE = Path.home() / ".cache" / "gaitscan-bench"
WIDTH, HEIGHT, FPS = 1920, 1080, 30
#: 180 steps/min = 90 strides/min: one stride is exactly 20 frames at 30 fps
CADENCE_SPM = 180.0
LOOP_S = 6.0  # 9 strides
VERSION = "v1"


def loop_clip(cache: Path = CACHE) -> Path:
    """The rendered rear-view 1080p loop (rendered on first use, ~20–40 s on 2 cores)."""
    out = cache / f"loop_rear_1080p_{VERSION}.mp4"
    if not out.exists():
        from gaitscan.synth.camera import Camera
        from gaitscan.synth.params import RunnerParams
        from gaitscan.synth.render import render_video

        cache.mkdir(parents=True, exist_ok=True)
        render_video(RunnerParams(cadence_spm=CADENCE_SPM, seed=3), Camera(view="rear", width=WIDTH, height=HEIGHT),
                     fps=FPS, duration_s=LOOP_S, out=out)
    return out


def long_clip(seconds: float, cache: Path = CACHE) -> Path:
    """A ``seconds``-long clip (rounded up to whole loops) made by re-muxing the loop's packets."""
    loop = loop_clip(cache)
    reps = max(1, int(-(-seconds // LOOP_S)))
    out = cache / f"rear_1080p_{int(round(reps * LOOP_S))}s_{VERSION}.mp4"
    if out.exists():
        return out
    tmp = out.with_suffix(".part.mp4")
    with av.open(str(loop)) as probe_src:
        s_in = probe_src.streams.video[0]
        ends = [(p.pts, p.duration or 0) for p in probe_src.demux(s_in) if p.size]
        span = max(a + d for a, d in ends) - min(a for a, _ in ends)
    with av.open(str(tmp), mode="w", format="mp4") as dst:
        s_out = None
        for r in range(reps):  # fresh packets each time: muxing takes a packet's data
            with av.open(str(loop)) as src:
                s_in = src.streams.video[0]
                if s_out is None:
                    s_out = dst.add_stream_from_template(s_in)
                for p in src.demux(s_in):
                    if not p.size:
                        continue
                    p.pts = None if p.pts is None else p.pts + r * span
                    p.dts = None if p.dts is None else p.dts + r * span
                    p.stream = s_out
                    dst.mux(p)
    tmp.replace(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[60.0, 600.0])
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    for s in args.seconds:
        print(long_clip(s, args.cache))


if __name__ == "__main__":
    main()
