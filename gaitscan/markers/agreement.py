"""Markerless vs marker pelvic drop: Bland–Altman agreement (per video and across videos).

Difference = markerless − marker, per step where both were measured. Reported: n, mean
difference (bias), SD of the differences, 95 % limits of agreement (bias ± 1.96 SD; Bland &
Altman 1986) and the 95 % CI of the bias (t-distribution) — overall and per stance side.
"""
from __future__ import annotations

import base64
import io
from typing import Any, Iterable, Optional, Sequence

import numpy as np
from scipy import stats

Pair = tuple[str, Optional[float], Optional[float]]   # (stance side, markerless, marker)


def bland_altman(markerless: Sequence[float], marker: Sequence[float]) -> dict[str, Any]:
    """``{n, mean_diff, sd_diff, loa: [lo, hi], bias_ci95: [lo, hi]}`` of markerless − marker
    (None values and a reason with fewer than 2 pairs)."""
    a, b = np.asarray(markerless, float), np.asarray(marker, float)
    d = a - b
    n = int(d.size)
    if n < 2:
        return {"n": n, "mean_diff": None, "sd_diff": None, "loa": None, "bias_ci95": None,
                "reason": f"fewer than 2 steps with both values ({n})"}
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    r = lambda x: round(float(x), 4)  # noqa: E731
    return {"n": n, "mean_diff": r(mean), "sd_diff": r(sd), "loa": [r(mean - 1.96 * sd), r(mean + 1.96 * sd)],
            "bias_ci95": [r(mean - half), r(mean + half)]}


def agreement(pairs: Iterable[Pair]) -> dict[str, Any]:
    """Agreement of per-step pairs ``(side, markerless, marker)``: overall, per side, and the pairs."""
    both = [(s, float(a), float(b)) for s, a, b in pairs if a is not None and b is not None]
    out: dict[str, Any] = {"metric": "pelvic_drop_deg", "difference": "markerless − marker (deg)",
                           "all": bland_altman([p[1] for p in both], [p[2] for p in both])}
    for side in ("left", "right"):
        mine = [p for p in both if p[0] == side]
        out[side] = bland_altman([p[1] for p in mine], [p[2] for p in mine])
    out["pairs"] = [{"stance": s, "markerless": round(a, 4), "marker": round(b, 4)} for s, a, b in both]
    return out


def bland_altman_png(pairs: Sequence[dict[str, Any]], stats_: dict[str, Any], *, title: str = "") -> Optional[str]:
    """A Bland–Altman plot (mean of the two methods vs their difference) as a base64 PNG, or None
    without pairs. ``pairs``: ``[{"stance", "markerless", "marker"}]``; ``stats_``: :func:`bland_altman`."""
    if not pairs:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.2), dpi=100)
    for side, colour in (("left", "#1f77b4"), ("right", "#d62728")):
        p = [q for q in pairs if q["stance"] == side]
        if p:
            a, b = np.array([q["markerless"] for q in p]), np.array([q["marker"] for q in p])
            ax.scatter((a + b) / 2, a - b, s=14, color=colour, label=f"{side} stance")
    if stats_.get("mean_diff") is not None:
        ax.axhline(stats_["mean_diff"], color="k", lw=1, label=f"bias {stats_['mean_diff']:+.2f}°")
        for y in stats_["loa"]:
            ax.axhline(y, color="k", lw=0.8, ls="--")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel("mean of markerless and marker drop (°)")
    ax.set_ylabel("markerless − marker (°)")
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")
