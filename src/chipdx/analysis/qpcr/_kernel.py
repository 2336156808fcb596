"""Gaussian-kernel quantification points: the second-derivative maximum and Cy0.

Both smooth the curve with a Gaussian of width ``sigma`` cycles and use the analytic
derivatives of the kernel, so positions are continuous (no pull towards whole cycles)
and the whole plate is computed at once.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["cy0", "kernel_peak"]


def kernel_peak(values: NDArray[np.float64], peak: NDArray[np.int64], *, sigma: float,
                 half: float = 1.5, step: float = 0.25, newton_steps: int = 4) -> NDArray[np.float64]:
    """Continuous second-derivative maximum near ``peak`` (column index units).

    The curve is convolved with the second derivative of a Gaussian of width ``sigma``
    cycles; the response is scanned on a coarse grid around the sampled peak and its
    maximum is then located by Newton steps on the analytic third and fourth kernel
    derivatives. Unlike a parabola through sampled derivatives, the estimate has no
    pull towards whole cycles.
    """
    n_cols = values.shape[1]
    reach = int(np.ceil(4 * sigma)) + 2
    columns = peak[:, None] + np.arange(-reach, reach + 1)[None, :]
    samples = np.take_along_axis(values, np.clip(columns, 0, n_cols - 1), axis=1)
    centre = peak.astype(np.float64)
    grid = np.arange(-half, half + step / 2, step)
    u = (centre[:, None, None] + grid[None, :, None] - columns[:, None, :]) / sigma
    response = np.einsum("rgt,rt->rg", (u * u - 1.0) * np.exp(-0.5 * u * u), samples)
    position = centre + grid[np.argmax(response, axis=1)]
    for _ in range(newton_steps):
        u = (position[:, None] - columns) / sigma
        g = np.exp(-0.5 * u * u)
        first = np.einsum("rt,rt->r", (3 * u - u**3) * g, samples) / sigma
        second = np.einsum("rt,rt->r", (u**4 - 6 * u * u + 3) * g, samples) / sigma**2
        with np.errstate(invalid="ignore", divide="ignore"):
            move = np.where(second < 0, -first / second, 0.0)
        position = position + np.clip(np.nan_to_num(move), -step, step)
    return np.asarray(np.clip(position, centre - half - step, centre + half + step), dtype=np.float64)


def _smooth(samples: NDArray[np.float64], columns: NDArray[np.int64], position: NDArray[np.float64],
            sigma: float, order: int) -> NDArray[np.float64]:
    """The ``order``-th derivative (0-3) of the Gaussian-smoothed curve at ``position``."""
    u = (position[:, None] - columns) / sigma
    g = np.exp(-0.5 * u * u) / (sigma * math.sqrt(2 * math.pi))
    factor = (np.ones_like(u), -u, u * u - 1.0, 3 * u - u**3)[order]
    return np.asarray(np.einsum("rt,rt->r", factor * g, samples) / sigma**order, dtype=np.float64)


def cy0(corrected: NDArray[np.float64], peak1: NDArray[np.int64], *, sigma: float,
        newton_steps: int = 6) -> NDArray[np.float64]:
    """Cy0 (Guescini et al. 2008, *BMC Bioinformatics* 9:326) in column index units.

    The tangent to the baseline-corrected curve at its inflection point (the
    first-derivative maximum, refined from ``peak1`` by Newton steps) crosses zero
    fluorescence at ``Cy0 = x1 - F(x1) / F'(x1)``. Computed on the Gaussian-smoothed
    curve, model-free (Guescini fit a Richards curve).
    """
    n_cols = corrected.shape[1]
    reach = int(np.ceil(4 * sigma)) + 2
    columns = peak1[:, None] + np.arange(-reach, reach + 1)[None, :]
    samples = np.take_along_axis(corrected, np.clip(columns, 0, n_cols - 1), axis=1)
    position = peak1.astype(np.float64)
    for _ in range(newton_steps):
        u = (position[:, None] - columns) / sigma
        g = np.exp(-0.5 * u * u) * samples  # the Gaussian's normalisation cancels in the Newton step
        second = np.einsum("rt,rt->r", u * u - 1.0, g)
        third = np.einsum("rt,rt->r", 3 * u - u**3, g) / sigma
        with np.errstate(invalid="ignore", divide="ignore"):
            move = np.where(third < 0, -second / third, 0.0)
        position = position + np.clip(np.nan_to_num(move), -0.5, 0.5)
    level = _smooth(samples, columns, position, sigma, 0)
    slope = _smooth(samples, columns, position, sigma, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(slope > 0, position - level / slope, np.nan), dtype=np.float64)
