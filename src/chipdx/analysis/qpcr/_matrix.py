"""Matrix helpers shared by the qPCR modules: gap filling, derivatives, grouped robust statistics.

Everything here works on whole ``(reactions x cycles)`` matrices at once.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAD_TO_SD", "derivatives", "fill_gaps", "group_median", "group_robust_sd", "masked_slope", "row_take",
           "savgol"]

MAD_TO_SD = 1.4826

FloatMatrix = NDArray[np.float64]


def fill_gaps(fluorescence: FloatMatrix) -> tuple[FloatMatrix, NDArray[np.bool_], NDArray[np.int64]]:
    """Fill missing readings by linear interpolation along each row (nearest value at the ends).

    Returns the filled matrix, a per-row mask of rows that had gaps, and the number of
    finite readings per row. A row without any reading becomes zeros.

    >>> filled, gaps, n = fill_gaps(np.array([[np.nan, 1.0, np.nan, 3.0]]))
    >>> filled.tolist(), gaps.tolist(), n.tolist()
    ([[1.0, 1.0, 2.0, 3.0]], [True], [2])
    """
    values = np.asarray(fluorescence, dtype=np.float64)
    valid = np.isfinite(values)
    n_valid: NDArray[np.int64] = valid.sum(axis=1).astype(np.int64)
    if valid.all():
        return values.copy(), np.zeros(values.shape[0], dtype=bool), n_valid
    n_cols = values.shape[1]
    index = np.arange(n_cols)
    prev = np.maximum.accumulate(np.where(valid, index, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(valid, index, n_cols)[:, ::-1], axis=1)[:, ::-1]
    prev_c = np.clip(prev, 0, n_cols - 1)
    next_c = np.clip(nxt, 0, n_cols - 1)
    safe = np.where(valid, values, 0.0)
    left = np.take_along_axis(safe, prev_c, axis=1)
    right = np.take_along_axis(safe, next_c, axis=1)
    span = np.where(nxt - prev > 0, nxt - prev, 1)
    inner = left + (right - left) * (index - prev) / span
    filled = np.where(prev < 0, right, np.where(nxt >= n_cols, left, inner))
    filled = np.where(valid, values, filled)
    filled[n_valid == 0] = 0.0
    return np.asarray(filled, dtype=np.float64), np.asarray(~valid.all(axis=1), dtype=bool), n_valid


def savgol(values: FloatMatrix, window: int, order: int, *, deriv: int = 0) -> FloatMatrix:
    """Savitzky–Golay filter along the rows (Savitzky & Golay 1964), ends padded with the edge value.

    The local polynomial of degree ``order`` over ``window`` points (odd) is evaluated, or
    differentiated ``deriv`` times, at the centre; unit spacing.

    >>> savgol(np.array([[0.0, 1.0, 4.0, 9.0, 16.0, 25.0, 36.0]]), 5, 2, deriv=2)[0, 2:5].round(6).tolist()
    [2.0, 2.0, 2.0]
    """
    half = window // 2
    offsets = np.arange(-half, half + 1, dtype=np.float64)
    design = offsets[:, None] ** np.arange(order + 1)[None, :]
    coefficients = np.linalg.pinv(design)[deriv] * math.factorial(deriv)
    padded = np.pad(values, ((0, 0), (half, half)), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, window, axis=1)
    return np.asarray(windows @ coefficients, dtype=np.float64)


def derivatives(values: FloatMatrix, *, window: int = 5) -> tuple[FloatMatrix, FloatMatrix]:
    """First and second derivatives per cycle by Savitzky–Golay filters along the rows.

    A quadratic (first) and cubic (second) local polynomial over ``window`` cycles, the
    smoothed-derivative idea of chipPCR ``inder`` (5-point stencil) and qpcR ``cpD2``. The
    ends are padded with the edge value, so the first and last ``window // 2`` columns are
    approximate (callers read the end slope ``window // 2`` columns in).
    """
    n_cols = values.shape[1]
    width = min(window, n_cols - (1 - n_cols % 2))
    if width < 3:
        zeros = np.zeros_like(values)
        return zeros, zeros
    return savgol(values, width, 2, deriv=1), savgol(values, width, min(3, width - 1), deriv=2)


def row_take(matrix: FloatMatrix, columns: NDArray[np.int64]) -> NDArray[np.float64]:
    """``matrix[i, columns[i]]`` for every row ``i`` (columns clipped to the matrix)."""
    clipped = np.clip(columns, 0, matrix.shape[1] - 1)
    return np.take_along_axis(matrix, clipped[:, None], axis=1)[:, 0]


def group_median(values: NDArray[np.float64], groups: NDArray[np.int64], use: NDArray[np.bool_],
                 n_groups: int) -> NDArray[np.float64]:
    """Median of ``values[use]`` within each group (``NaN`` for a group with no value)."""
    out = np.full(n_groups, np.nan)
    keep = use & np.isfinite(values)
    if not keep.any():
        return out
    order = np.lexsort((values[keep], groups[keep]))
    sorted_groups = groups[keep][order]
    sorted_values = values[keep][order]
    starts = np.searchsorted(sorted_groups, np.arange(n_groups), side="left")
    ends = np.searchsorted(sorted_groups, np.arange(n_groups), side="right")
    counts = ends - starts
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = 0.5 * (sorted_values[lo] + sorted_values[hi])
    return out


def group_robust_sd(values: NDArray[np.float64], groups: NDArray[np.int64], use: NDArray[np.bool_],
                    n_groups: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and robust SD (1.4826 x MAD) of ``values[use]`` per group."""
    median = group_median(values, groups, use, n_groups)
    deviation = np.abs(values - median[groups])
    mad = group_median(deviation, groups, use, n_groups)
    return median, MAD_TO_SD * mad


def masked_slope(x: NDArray[np.float64], y: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Least-squares slope of ``y`` on ``x`` per row over the masked points (``x`` broadcasts against ``y``).

    NaN where a row has fewer than two distinct masked ``x`` (the caller decides what that means).
    """
    weight = mask.astype(np.float64)
    count = np.maximum(weight.sum(axis=1), 1.0)
    mean_x = (x * weight).sum(axis=1) / count
    mean_y = (y * weight).sum(axis=1) / count
    dx = (x - mean_x[:, None]) * weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((dx * (y - mean_y[:, None])).sum(axis=1) / (dx * dx).sum(axis=1), dtype=np.float64)
