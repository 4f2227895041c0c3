"""Report figures as self-contained ``data:image/png;base64`` URIs (matplotlib, Agg, no pyplot).

Each function takes plain values from analysis.json and returns a data URI, or None when there is
nothing to draw (the template then says why). No global matplotlib state is touched.
"""
from __future__ import annotations

import base64
import io
import math
from typing import Any, Mapping, Optional, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

SIDE_COLOUR = {"left": "#2563a8", "right": "#c2561a"}
INK, GRID, FLAG = "#1f2933", "#d9dee3", "#b42318"


def _figure(width: float, height: float, rows: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    for ax in axes:
        ax.grid(True, color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        ax.tick_params(colors=INK, labelsize=8)
    return fig, axes


def _data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _num(value: Any) -> Optional[float]:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _runs(flags: Sequence[Any], t: Sequence[float]) -> list[tuple[float, float]]:
    """(start, end) times of consecutive True runs."""
    runs, start = [], None
    for i, flag in enumerate(flags):
        if flag is True and start is None:
            start = t[i]
        if flag is not True and start is not None:
            runs.append((start, t[i]))
            start = None
    if start is not None:
        runs.append((start, t[-1]))
    return runs


def obliquity_plot(series: Optional[Mapping[str, Any]]) -> Optional[str]:
    """Pelvic obliquity over time with left/right stance phases shaded."""
    if not isinstance(series, Mapping):
        return None
    t = [_num(x) for x in series.get("t") or []]
    y = [_num(x) for x in series.get("pelvic_obliquity_deg") or []]
    if len(t) < 2 or len(t) != len(y) or any(x is None for x in t) or all(v is None for v in y):
        return None
    fig, (ax,) = _figure(9.0, 2.6)
    for side in ("left", "right"):
        flags = series.get(f"stance_{side}") or []
        if len(flags) == len(t):
            for i, (a, b) in enumerate(_runs(flags, t)):
                ax.axvspan(a, b, color=SIDE_COLOUR[side], alpha=0.13, linewidth=0,
                           label=f"{side} foot on the ground" if i == 0 else None)
    ax.plot(t, [math.nan if v is None else v for v in y], color=INK, linewidth=1.1, label="pelvic obliquity")
    ax.axhline(0, color="#7b8794", linewidth=0.8)
    ax.set_xlabel("time (s)", fontsize=8, color=INK)
    ax.set_ylabel("obliquity (°)", fontsize=8, color=INK)
    ax.set_xlim(t[0], t[-1])
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, ncols=3, frameon=False)
    return _data_uri(fig)


def footprint_plot(steps: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """Landing positions relative to the midline, drawn as seen from behind (runner's left on the left)."""
    pts = {"left": ([], []), "right": ([], [])}
    for s in steps:
        off, t = _num(s.get("foot_offset_hipw")), _num(s.get("contact_t"))
        side = s.get("stance")
        if off is None or t is None or side not in pts:
            continue
        # + offset = toward the stance side; seen from behind the left side is image-left
        pts[side][0].append(-off if side == "left" else off)
        pts[side][1].append(t)
    if not pts["left"][0] and not pts["right"][0]:
        return None
    fig, (ax,) = _figure(4.2, 4.4)
    reach = max([0.6] + [abs(x) * 1.25 for xs, _ in pts.values() for x in xs])
    ax.axvline(0, color=FLAG, linewidth=1.4, linestyle="--", label="midline (pelvis centre)")
    for side, (xs, ts) in pts.items():
        if xs:
            ax.scatter(xs, ts, s=70, marker="o", color=SIDE_COLOUR[side], edgecolors="white", linewidths=0.8,
                       alpha=0.9, label=f"{side} foot landings", zorder=3)
    ax.set_xlim(-reach, reach)
    ax.invert_yaxis()
    ax.set_xlabel("← runner's left      hip widths from midline      runner's right →", fontsize=8, color=INK)
    ax.set_ylabel("time of landing (s)", fontsize=8, color=INK)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7, ncols=2, frameon=False)
    return _data_uri(fig)


def per_step_plot(steps: Sequence[Mapping[str, Any]], drop_threshold: float) -> Optional[str]:
    """Pelvic drop (filled; hollow: relative to the runner's own mean tilt) and landing offset of every
    step, by stance side."""
    series = {side: {"t": [], "drop": [], "t2": [], "off": [], "t3": [], "rel": []} for side in ("left", "right")}
    for s in steps:
        side, t = s.get("stance"), _num(s.get("contact_t"))
        if side not in series or t is None:
            continue
        drop, off = _num(s.get("pelvic_drop_deg")), _num(s.get("foot_offset_hipw"))
        if drop is not None:
            series[side]["t"].append(t)
            series[side]["drop"].append(drop)
        rel = _num(s.get("pelvic_drop_relative_deg"))
        if rel is not None:
            series[side]["t3"].append(t)
            series[side]["rel"].append(rel)
        if off is not None:
            series[side]["t2"].append(t)
            series[side]["off"].append(off)
    if not any(v["drop"] or v["off"] for v in series.values()):
        return None
    fig, (top, bottom) = _figure(9.0, 5.0, rows=2)
    for side, v in series.items():
        top.plot(v["t"], v["drop"], "o-", color=SIDE_COLOUR[side], markersize=5, linewidth=0.8,
                 label=f"{side} stance ({'right' if side == 'left' else 'left'} hip drops)")
        if v["rel"]:
            top.plot(v["t3"], v["rel"], "o:", color=SIDE_COLOUR[side], markersize=4, markerfacecolor="white",
                     linewidth=0.8, label=f"{side}, relative to own mean tilt")
        bottom.plot(v["t2"], v["off"], "s-", color=SIDE_COLOUR[side], markersize=5, linewidth=0.8,
                    label=f"{side} foot")
    top.axhline(drop_threshold, color=FLAG, linestyle="--", linewidth=1, label=f"{drop_threshold:g}° screening line")
    top.set_ylabel("pelvic drop (°)", fontsize=8, color=INK)
    top.legend(fontsize=7, ncols=3, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    bottom.axhline(0, color=FLAG, linestyle="--", linewidth=1, label="midline — below = crossover")
    bottom.set_ylabel("landing offset\n(hip widths)", fontsize=8, color=INK)
    bottom.set_xlabel("time of foot contact (s)", fontsize=8, color=INK)
    bottom.legend(fontsize=7, ncols=3, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    return _data_uri(fig)
