"""Per-reaction baseline by the LinRegPCR criterion, and the log-linear window regression.

The baseline is a constant subtracted from the raw curve. It is chosen so that, in
the log-linear (exponential) phase below the second-derivative maximum, the slope
of log10(F - baseline) over the lower half of the window equals the slope over the
upper half (Ruijter et al. 2009, *Nucleic Acids Res* 37:e45; the bisection solver
follows rdmlpython 3, Untergasser et al.). Because only differences matter, the
criterion works the same on raw and on already background-subtracted data
(baselines near or below zero).

All reactions are solved together: the bisection runs on a vector of baselines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr._matrix import masked_slope

__all__ = ["BaselineFit", "fit_baseline", "window_indices", "window_regression"]

_LOG_FLOOR = 1e-300


@dataclass(frozen=True, slots=True, eq=False)
class BaselineFit:
    """Baselines and the log-linear window regression of every reaction.

    ``ok`` is ``False`` where no baseline makes the window straight (the criterion
    has no root); there ``baseline`` falls back to the ground-phase median.
    """

    baseline: NDArray[np.float64]
    slope: NDArray[np.float64]
    intercept: NDArray[np.float64]
    n_points: NDArray[np.int64]
    ok: NDArray[np.bool_]


def window_indices(stop: NDArray[np.int64], *, width: int, first: int = 1) -> tuple[NDArray[np.int64],
                                                                                    NDArray[np.bool_]]:
    """Column indices ``(n, width)`` of windows ending at ``stop`` and a mask of usable columns."""
    offsets = np.arange(-width + 1, 1)
    columns = stop[:, None] + offsets[None, :]
    return np.maximum(columns, 0), columns >= first


def window_regression(x: NDArray[np.float64], values: NDArray[np.float64], baseline: NDArray[np.float64],
                      mask: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Slope and intercept of log10(values - baseline) on ``x`` over the masked window points."""
    y = np.log10(np.maximum(values - baseline[:, None], _LOG_FLOOR))
    slope = masked_slope(x, y, mask)
    weight = mask.astype(np.float64)
    count = np.maximum(weight.sum(axis=1), 1.0)
    intercept = ((y - slope[:, None] * x) * weight).sum(axis=1) / count
    return slope, intercept


def _slope_weights(x: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Weights ``c`` with ``sum(c * y)`` = the least-squares slope of ``y`` on ``x`` over the masked points."""
    weight = mask.astype(np.float64)
    count = np.maximum(weight.sum(axis=1), 1.0)
    dx = (x - ((x * weight).sum(axis=1) / count)[:, None]) * weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(dx / (dx * dx).sum(axis=1)[:, None], dtype=np.float64)


def _half_gap(values: NDArray[np.float64], baseline: NDArray[np.float64], contrast: NDArray[np.float64]) -> NDArray[
        np.float64]:
    """Slope of log10(values - baseline) over the lower half minus that over the upper half."""
    y = np.log10(np.maximum(values - baseline[:, None], _LOG_FLOOR))
    return np.asarray(np.einsum("ij,ij->i", contrast, y), dtype=np.float64)


def fit_baseline(x: NDArray[np.float64], values: NDArray[np.float64], mask: NDArray[np.bool_], *,
                 ground: NDArray[np.float64], amplitude: NDArray[np.float64],
                 iterations: int = 48) -> BaselineFit:
    """Solve the LinRegPCR equal-slopes criterion for every row by bisection.

    Parameters
    ----------
    x, values
        ``(n, w)`` cycle numbers and raw fluorescence of each reaction's window.
    mask
        ``(n, w)`` usable window points (they must be in increasing cycle order).
    ground
        Ground-phase level per reaction: the fallback baseline.
    amplitude
        Rise of each curve; the search interval is ``[min(window) - amplitude, min(window))``.
    iterations
        Bisection steps (48 steps shrink the interval by ~1e-14).
    """
    count = mask.sum(axis=1)
    rank = np.cumsum(mask, axis=1)
    half = (count + 1) // 2
    lower = mask & (rank <= half[:, None])
    upper = mask & (rank > (count - half)[:, None])
    window_min = np.where(mask, values, np.inf).min(axis=1)
    window_min = np.where(np.isfinite(window_min), window_min, ground)
    span = np.maximum(np.abs(amplitude), 1e-12)
    lo = window_min - span
    hi = window_min - 1e-9 * span
    # the x-dependent part of both slopes is fixed: one weighted sum per bisection step
    contrast = _slope_weights(x, lower) - _slope_weights(x, upper)
    gap_lo = _half_gap(values, lo, contrast)
    gap_hi = _half_gap(values, hi, contrast)
    ok = (gap_lo < 0) & (gap_hi > 0) & (count >= 4)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = _half_gap(values, mid, contrast) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    baseline = np.where(ok, 0.5 * (lo + hi), ground)
    slope, intercept = window_regression(x, values, baseline, mask)
    return BaselineFit(baseline=baseline, slope=slope, intercept=intercept, n_points=count.astype(np.int64), ok=ok)
