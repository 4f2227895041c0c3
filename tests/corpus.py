"""Builders of the bad-input corpus (issue 9): every file is generated here, nothing is downloaded.

Video cases start from one small synthetic render (:func:`base_render`, 320×240, 2 s) and
transform its frames — darken, shrink, mirror beside itself, rotate into a portrait phone file,
re-time irregularly, upscale to 4K — or damage its bytes (cut mid-stream with the index at the
front or at the end). Non-video cases (zero bytes, text named ``.mp4``, audio only, a broken
knowledge base, a symptoms file with an unknown field) are written directly.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Optional

import av
import cv2
import numpy as np

from gaitscan.pose.video import iter_frames
from gaitscan.videowriter import open_writer

#: small frames keep the corpus cheap on a 2-core CI machine
W, H = 320, 240


def base_render(path: Path, *, view: str = "rear", fps: float = 30, duration_s: float = 2.0,
                width: int = W, height: int = H, distance_m: float = 2.5) -> Path:
    """A synthetic runner on a treadmill (the package's renderer); returns ``path``."""
    from gaitscan.synth import Camera, RunnerParams, render_video

    render_video(RunnerParams(), Camera(view=view, width=width, height=height, distance_m=distance_m),
                 fps=fps, duration_s=duration_s, out=path)
    return path


def encode_rgb_frames(path: Path, frames: Iterable[np.ndarray], *, fps: int = 30, rotation: int = 0,
                      codec: str = "libx264") -> Path:
    """Encode (H, W, 3) uint8 RGB ``frames`` with PyAV at a constant ``fps`` (frame ``i`` at
    ``i / fps`` s); ``rotation`` (degrees counter-clockwise, as PyAV reads it back) is stored as
    display-matrix metadata; ``codec="png"`` keeps odd sizes (use a ``.mov`` path)."""
    with av.open(str(path), mode="w") as container:
        stream = None
        for i, rgb in enumerate(frames):
            if stream is None:
                stream = container.add_stream(codec, rate=fps)
                stream.height, stream.width = rgb.shape[:2]
                stream.pix_fmt = "rgb24" if codec == "png" else "yuv420p"
                stream.time_base = Fraction(1, fps)
                if rotation:
                    stream.set_display_rotation(rotation)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    return path


def frames_of(src: Path) -> list[tuple[float, np.ndarray]]:
    """(time s, upright RGB) of every frame of ``src``."""
    with iter_frames(src) as stream:
        return [(f.t, f.rgb) for f in stream]


def transform(src: Path, dst: Path, fn: Callable[[np.ndarray], np.ndarray], *, fps: float = 30,
              times: Optional[Iterable[float]] = None, limit: Optional[int] = None) -> Path:
    """Write ``fn(frame)`` for each frame of ``src`` to ``dst`` (H.264 MP4), at ``times`` if given."""
    frames = frames_of(src)[:limit]
    ts = list(times) if times is not None else [t for t, _ in frames]
    first = fn(frames[0][1])
    with open_writer(dst, fps, first.shape[1], first.shape[0]) as writer:
        for (_, rgb), t in zip(frames, ts):
            writer.write(np.ascontiguousarray(fn(rgb)), t)
    return dst


# ------------------------------------------------------------------ not videos at all
def zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def text_as_mp4(path: Path) -> Path:
    path.write_text("this is a shopping list, not a video\n" * 20, encoding="utf-8")
    return path


def audio_only(path: Path) -> Path:
    """One second of silence, AAC in an MP4 container: a real media file without video."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        for i in range(43):
            frame.pts = i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# ------------------------------------------------------------------ damaged videos
def index_at_end(src: Path, dst: Path) -> Path:
    """Remux ``src`` (faststart) into an MP4 whose index (moov) follows the media data."""
    with av.open(str(src)) as inp, av.open(str(dst), mode="w", format="mp4") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        for packet in inp.demux(ist):
            if packet.dts is None:
                continue
            packet.stream = ost
            out.mux(packet)
    return dst


def cut(src: Path, dst: Path, fraction: float) -> Path:
    """The first ``fraction`` of ``src``'s bytes: a download or copy that stopped mid-stream."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def moov_position(path: Path) -> str:
    """'front' or 'end': where the MP4 index box sits relative to the media data."""
    data = path.read_bytes()
    return "front" if data.find(b"moov") < data.find(b"mdat") else "end"


# ------------------------------------------------------------------ videos that decode
def one_frame(src: Path, dst: Path) -> Path:
    return transform(src, dst, lambda rgb: rgb, limit=1)


def no_person(dst: Path, *, n_frames: int = 45, fps: float = 30) -> Path:
    """An empty treadmill room: a grey gradient with a dark belt, nobody on it."""
    y = np.linspace(90, 200, H, dtype=np.float32)[:, None, None]
    base = np.broadcast_to(y, (H, W, 3)).astype(np.uint8).copy()
    base[170:230, 80:240] = 40
    rng = np.random.default_rng(0)
    with open_writer(dst, fps, W, H) as writer:
        for _ in range(n_frames):
            noise = rng.integers(-3, 4, base.shape)
            writer.write(np.clip(base.astype(int) + noise, 0, 255).astype(np.uint8))
    return dst


def two_people(src: Path, dst: Path) -> Path:
    """The runner and its mirror image side by side (640×240): two people running."""
    return transform(src, dst, lambda rgb: np.hstack([rgb, rgb[:, ::-1]]))


def dark(src: Path, dst: Path, gain: float = 0.06) -> Path:
    """The render at ``gain`` of its brightness (a dim gym filmed without light)."""
    return transform(src, dst, lambda rgb: (rgb.astype(np.float32) * gain).astype(np.uint8))


def small_runner(src: Path, dst: Path, scale: float = 0.25) -> Path:
    """The render shrunk to ``scale`` and pasted in the middle of a plain frame of the same size."""
    def fn(rgb: np.ndarray) -> np.ndarray:
        h, w = int(H * scale) // 2 * 2, int(W * scale) // 2 * 2
        small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
        out = np.full_like(rgb, int(np.median(rgb)))
        y0, x0 = (H - h) // 2, (W - w) // 2
        out[y0:y0 + h, x0:x0 + w] = small
        return out
    return transform(src, dst, fn)


def uhd(src: Path, dst: Path, n_frames: int = 3) -> Path:
    """The first ``n_frames`` upscaled to 3840×2160 (4K UHD)."""
    return transform(src, dst, lambda rgb: cv2.resize(rgb, (3840, 2160), interpolation=cv2.INTER_LINEAR),
                     limit=n_frames)


def variable_frame_rate(src: Path, dst: Path) -> tuple[Path, list[float]]:
    """The frames re-timed at irregular intervals (20–45 ms, like a phone); returns the times."""
    n = len(frames_of(src))
    rng = np.random.default_rng(1)
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.020, 0.045, n - 1))])
    times = [round(float(t), 4) for t in times]
    transform(src, dst, lambda rgb: rgb, times=times)
    return dst, times


def portrait_rotated(src_portrait: Path, dst: Path, rotation: int = 90) -> Path:
    """A phone video: ``src_portrait`` (upright, taller than wide) stored turned on its side
    with display-matrix ``rotation`` (degrees counter-clockwise, as PyAV reads it back), so a
    player that honours the metadata shows it upright again."""
    frames = frames_of(src_portrait)
    k = {90: -1, 270: 1, 180: 2}[rotation]  # stored = upright turned the opposite way
    stored = [np.ascontiguousarray(np.rot90(rgb, k)) for _, rgb in frames]
    return encode_rgb_frames(dst, stored, fps=30, rotation=rotation)


# ------------------------------------------------------------------ other inputs
def not_a_model(path: Path) -> Path:
    path.write_text("I am not a MediaPipe task bundle\n", encoding="utf-8")
    return path


def broken_kb(path: Path) -> Path:
    """The built-in knowledge base with a misspelt field in the pelvic-drop finding."""
    import yaml

    from gaitscan.report.kb import default_kb_path

    data = yaml.safe_load(default_kb_path().read_text(encoding="utf-8"))
    data["findings"]["pelvic_drop"]["treshold"] = 5
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def symptoms_with_unknown_field(path: Path) -> Path:
    path.write_text("pain_side: right\nfavourite_shoe: racing flats\n", encoding="utf-8")
    return path
