"""The report's figures, drawn with matplotlib into deterministic SVG.

Figures are built with the object API (no pyplot state, no GUI backend). Same data,
same bytes: SVG ids are salted with a constant and no date is written. Dense scatter
plots (droplets) are rasterised inside the SVG to keep files small.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from chipdx.report._data import CurvePanel, DropletPanel, MeltPanel, PlateMap, StandardCurvePanel

__all__ = [
    "CALLED",
    "CALL_COLOURS",
    "amplification_svg",
    "call_colour",
    "droplet_svg",
    "melt_svg",
    "plate_map_svg",
    "standard_curve_svg",
]

#: Colours of the calls, the same in every figure and in the tables (colour-blind-safe Okabe-Ito palette).
CALL_COLOURS = {
    "detected": "#D55E00",
    "presumptive_positive": "#CC79A7",
    "amplified": "#D55E00",
    "not_detected": "#009E73",
    "not_amplified": "#009E73",
    "inconclusive": "#E69F00",
    "review": "#E69F00",
    "invalid": "#000000",
    "control": "#0072B2",
    "passed": "#0072B2",
    "control passed": "#0072B2",
    "failed": "#000000",
    "control failed": "#000000",
    "control review": "#E69F00",
    "empty": "#DDDDDD",
}
#: Curve calls whose Cq counts: only these curves get a Cq tick and a sample label.
CALLED = ("detected", "amplified", "presumptive_positive")
MAX_CURVE_LABELS = 24
_OTHER = ("#56B4E9", "#F0E442", "#0072B2", "#999999")
_STYLE: dict[str, Any] = {
    "svg.hashsalt": "chipdx",
    "svg.fonttype": "none",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "figure.dpi": 100,
}


def call_colour(call: str) -> str:
    """The colour of a call; unknown calls get stable colours from a spare palette."""
    if call in CALL_COLOURS:
        return CALL_COLOURS[call]
    return _OTHER[sum(call.encode()) % len(_OTHER)]


@contextmanager
def _figure(width: float, height: float, ncols: int = 1) -> Iterator[tuple[Figure, list[Axes]]]:
    with mpl.rc_context(_STYLE):  # type: ignore[arg-type]
        figure = Figure(figsize=(width, height), layout="constrained")
        axes = figure.subplots(1, ncols, squeeze=False)
        yield figure, list(axes[0])


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with mpl.rc_context(_STYLE):  # type: ignore[arg-type]
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "chipdx"})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def plate_map_svg(plate: PlateMap) -> str:
    """Wells as discs coloured by call, with row letters, column numbers and a legend."""
    with _figure(min(1.0 + plate.columns * 0.42, 11.0), 0.9 + plate.rows * 0.38) as (figure, (axes,)):
        axes.grid(False)
        axes.set_xlim(-0.7, plate.columns - 0.3)
        axes.set_ylim(plate.rows - 0.3, -0.7)
        axes.set_aspect("equal")
        axes.set_xticks(range(plate.columns), [str(c + 1) for c in range(plate.columns)])
        axes.set_yticks(range(plate.rows), [_row_label(r) for r in range(plate.rows)])
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        empty_x, empty_y = np.meshgrid(range(plate.columns), range(plate.rows))
        axes.scatter(empty_x.ravel(), empty_y.ravel(), s=180, c=CALL_COLOURS["empty"], linewidths=0)
        for call in plate.calls:
            cells = [c for c in plate.cells if c.call == call]
            axes.scatter([c.column for c in cells], [c.row for c in cells], s=180, c=call_colour(call),
                         label=call.replace("_", " "), edgecolors="white", linewidths=0.8)
        if plate.calls:
            figure.legend(loc="outside right upper", frameon=False)
        return _svg(figure)


def _row_label(row: int) -> str:
    return chr(ord("A") + row) if row < 26 else chr(ord("A") + row // 26 - 1) + chr(ord("A") + row % 26)


def _by_call(calls: Sequence[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, call in enumerate(calls):
        groups.setdefault(call, []).append(index)
    return groups


def amplification_svg(panel: CurvePanel) -> str:
    """Linear and log amplification plots of one target, threshold and Cq marked."""
    with _figure(9.0, 3.0, ncols=2) as (figure, axes):
        for ax, scale in zip(axes, ("linear", "log"), strict=True):
            for call, rows in _by_call(panel.calls).items():
                values = panel.fluorescence[rows].T
                if scale == "log":
                    values = np.where(values > 0, values, np.nan)
                lines = ax.plot(panel.cycles, values, color=call_colour(call), linewidth=0.8, alpha=0.8)
                lines[0].set_label(call.replace("_", " "))
            called = np.isin(np.asarray(panel.calls), CALLED) & ~np.isnan(panel.cq)
            if panel.threshold is not None and (scale == "linear" or panel.threshold > 0):
                ax.axhline(panel.threshold, color="#555555", linestyle="--", linewidth=0.8, label="threshold")
                ax.plot(panel.cq[called], np.full(int(called.sum()), panel.threshold), "|", color="#222222",
                        markersize=7, label="Cq (called curves)")
            if scale == "linear":
                _label_curves(ax, panel, np.flatnonzero(called))
            ax.set_yscale(scale)
            ax.set_xlabel("cycle")
            ax.set_ylabel(panel.y_label if scale == "linear" else "fluorescence (log scale)")
            ax.set_title(f"{panel.target} ({panel.dye}) — {scale}", loc="left")
        axes[0].legend(frameon=False, fontsize=7)
        return _svg(figure)


def _label_curves(ax: Axes, panel: CurvePanel, rows: NDArray[np.intp]) -> None:
    """Name each called curve (sample and well) at its last reading, at most MAX_CURVE_LABELS of them."""
    for row in rows[:MAX_CURVE_LABELS]:
        values = panel.fluorescence[row]
        last = np.flatnonzero(np.isfinite(values))
        if last.size:
            ax.annotate(panel.labels[row], (panel.cycles[last[-1]], values[last[-1]]), fontsize=5.5,
                        xytext=(2, 0), textcoords="offset points", va="center", color="#333333")


def standard_curve_svg(panel: StandardCurvePanel) -> str:
    """Standards' Cq against log10(input) with the fitted line, slope, efficiency and R² in the title."""
    with _figure(5.0, 3.0) as (figure, (axes,)):
        fitted = np.isfinite(panel.cq)
        axes.plot(panel.log10_quantity[fitted], panel.cq[fitted], "o", color="#0072B2", markersize=4,
                  label=f"standards ({int(fitted.sum())})")
        span = np.array([np.min(panel.log10_quantity), np.max(panel.log10_quantity)])
        axes.plot(span, panel.intercept + panel.slope * span, "-", color="#D55E00", linewidth=1.0,
                  label=f"Cq = {panel.intercept:.2f} {panel.slope:+.3f} log10(input)")
        axes.set_xlabel("log10(input)")
        axes.set_ylabel("Cq")
        axes.set_title(f"{panel.target} — {panel.run}: slope {panel.slope:.3f}, efficiency "
                       f"{panel.efficiency_pct:.1f} %, R² {panel.r_squared:.4f}", loc="left")
        axes.legend(frameon=False, fontsize=7)
        return _svg(figure)


def melt_svg(panel: MeltPanel) -> str:
    """Melt peaks of one target with the assay's Tm window shaded and each Tm marked."""
    with _figure(6.0, 3.0) as (figure, (axes,)):
        if panel.window_c is not None:
            axes.axvspan(*panel.window_c, color="#0072B2", alpha=0.12, label="Tm window")
        axes.plot(panel.temperature_c.T, panel.derivative.T, color="#333333", linewidth=0.7, alpha=0.7)
        tm = panel.tm_c[~np.isnan(panel.tm_c)]
        axes.plot(tm, np.zeros(tm.size), "^", color="#D55E00", markersize=5, label="Tm")
        axes.set_xlabel("temperature (°C)")
        axes.set_ylabel("-dF/dT")
        axes.set_title(f"{panel.target} — melt peaks", loc="left")
        axes.legend(frameon=False, fontsize=7)
        return _svg(figure)


def droplet_svg(panel: DropletPanel) -> str:
    """1-D amplitude plots per channel (and a 2-D plot for two channels), thresholds and rain marked."""
    n_channels = len(panel.channels)
    with _figure(3.2 * (n_channels + (n_channels == 2)), 3.0, ncols=n_channels + (n_channels == 2)) as (
        figure, axes,
    ):
        events = np.arange(panel.amplitudes.shape[0])
        for channel, ax in enumerate(axes[:n_channels]):
            _droplet_groups(ax, events, panel.amplitudes[:, channel], panel.positive[:, channel],
                            panel.rain[:, channel])
            threshold = panel.thresholds[channel]
            if threshold is not None:
                ax.axhline(threshold, color="#CC79A7", linewidth=1.0, label="threshold")
            ax.set_xlabel("partition")
            ax.set_ylabel(f"{panel.channels[channel]} amplitude")
            ax.set_title(f"{panel.well} {panel.sample} — {panel.channels[channel]}", loc="left")
        if n_channels == 2:
            ax = axes[2]
            positive_any = np.asarray(panel.positive.any(axis=1))
            _droplet_groups(ax, panel.amplitudes[:, 1], panel.amplitudes[:, 0], positive_any,
                            np.asarray(panel.rain.any(axis=1)))
            for threshold, draw in zip(panel.thresholds, (ax.axhline, ax.axvline), strict=True):
                if threshold is not None:
                    draw(threshold, color="#CC79A7", linewidth=1.0)
            ax.set_xlabel(f"{panel.channels[1]} amplitude")
            ax.set_ylabel(f"{panel.channels[0]} amplitude")
            ax.set_title("2-D", loc="left")
        axes[0].legend(frameon=False, fontsize=7, markerscale=3)
        return _svg(figure)


def _droplet_groups(ax: Axes, x: np.ndarray, y: np.ndarray, positive: np.ndarray, rain: np.ndarray) -> None:
    groups = (("negative", ~positive & ~rain, "#009E73"), ("positive", positive & ~rain, "#D55E00"),
              ("rain", rain, "#E69F00"))
    for name, keep, colour in groups:
        ax.scatter(x[keep], y[keep], s=1.5, c=colour, linewidths=0, label=f"{name} ({int(keep.sum())})",
                   rasterized=True)
