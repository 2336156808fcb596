"""Amplification call and per-curve shape flags, vectorised over reactions.

A curve is called amplified when it rises clearly above the ground-phase noise
(chipPCR ``amptester``'s signal-above-noise idea, Rödiger et al. 2015), has a
second-derivative maximum with a ground phase before it, and its log-linear window
gives a plausible efficiency (LinRegPCR's plausibility rules, Ruijter et al. 2009).
The shape flags (spike, step, noise, drift, plateau) never change the Cq; they tell
the reader what to look at.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr._matrix import MAD_TO_SD, masked_slope, row_take, savgol
from chipdx.analysis.qpcr.baseline import BaselineFit
from chipdx.analysis.qpcr.flags import QcFlag
from chipdx.analysis.qpcr.parameters import CurveParameters

__all__ = ["call_amplification", "shape_flags"]


def _bits(mask: NDArray[np.bool_], flag: QcFlag) -> NDArray[np.uint32]:
    return np.where(mask, flag.bit, 0).astype(np.uint32)


def shape_flags(values: NDArray[np.float64], *, amplitude: NDArray[np.float64], noise: NDArray[np.float64],
                peak1: NDArray[np.int64], peak2: NDArray[np.int64], amplified: NDArray[np.bool_]) -> NDArray[
        np.uint32]:
    """Spike, step and noise flags from residuals to a smooth of each curve."""
    n_cols = values.shape[1]
    scale = np.maximum(np.abs(amplitude), 1e-12)
    smooth = savgol(values, min(7, n_cols - (1 - n_cols % 2)), 3)
    residual = values - smooth
    spread = MAD_TO_SD * np.median(np.abs(residual), axis=1)
    # a spike stands out alone: its neighbours' residuals both have the opposite sign (a step's do not)
    if n_cols > 8:
        centre, before, after = residual[:, 3:-3], residual[:, 2:-4], residual[:, 4:-2]
        alone = (np.sign(before) == -np.sign(centre)) & (np.sign(after) == -np.sign(centre))
        large = np.abs(centre) > np.maximum(10 * spread, 0.04 * scale)[:, None]
        spike = np.any(alone & large, axis=1)
    else:
        spike = np.zeros(values.shape[0], dtype=bool)
    steps = np.abs(np.diff(values, axis=1))
    columns = np.arange(n_cols - 1)[None, :]
    growth = amplified[:, None] & (columns >= peak2[:, None] - 8) & (columns <= peak1[:, None] + 6)
    step_noise = MAD_TO_SD * np.median(steps, axis=1)
    quiet_steps = np.where(growth | (columns < 1), 0.0, steps)
    step = np.max(quiet_steps, axis=1) > np.maximum(12 * step_noise, 0.08 * scale) + 6 * noise
    step &= ~spike
    noisy = noise > 0.02 * scale
    return _bits(spike, QcFlag.SPIKE) | _bits(step, QcFlag.STEP) | _bits(noisy & amplified, QcFlag.NOISY)


def call_amplification(values: NDArray[np.float64], *, d1: NDArray[np.float64], d2: NDArray[np.float64],
                       peak1: NDArray[np.int64], peak2: NDArray[np.int64], ground: NDArray[np.float64],
                       noise: NDArray[np.float64], amplitude: NDArray[np.float64], efficiency: NDArray[np.float64],
                       fit: BaselineFit, stop: NDArray[np.int64], cycles: NDArray[np.float64],
                       parameters: CurveParameters) -> tuple[NDArray[np.bool_], NDArray[np.uint32]]:
    """Amplification call and flags for every row (see the module docstring)."""
    n_cols = values.shape[1]
    low, high = parameters.efficiency_range
    rise_ok = (amplitude > parameters.min_rise_noise * noise) & (amplitude > 0)
    rise_ok &= amplitude > parameters.min_rise_fraction * np.abs(ground)
    slope_ok = row_take(d1, peak1) > 4 * noise
    shape_ok = (row_take(d2, peak2) > 0) & (peak2 >= 3) & (peak2 <= n_cols - 2)
    efficiency_ok = ~fit.ok | ((efficiency >= low) & (efficiency <= high))
    amplified = rise_ok & slope_ok & shape_ok & efficiency_ok
    flags = _bits(~amplified, QcFlag.NO_AMPLIFICATION)
    negative = (amplitude < -parameters.min_rise_noise * noise) & (-amplitude > parameters.min_rise_fraction *
                                                                    np.abs(ground))
    flags |= _bits(negative, QcFlag.NEGATIVE_SIGNAL)
    end_slope = d1[:, max(n_cols - 3, 0)]
    flags |= _bits(amplified & (end_slope > 0.5 * row_take(d1, peak1)), QcFlag.NO_PLATEAU)
    flags |= _bits(amplified & ~fit.ok, QcFlag.BASELINE_ERROR)
    flags |= _bits(amplified & fit.ok & (efficiency < parameters.low_efficiency), QcFlag.LOW_EFFICIENCY)
    flags |= _bits(amplified & fit.ok & (fit.n_points < 4), QcFlag.SHORT_LOG_PHASE)
    flags |= _bits(amplified & (peak2 < parameters.window_cycles + 2), QcFlag.EARLY)
    flags |= _bits(amplified & (row_take(np.broadcast_to(cycles, values.shape), peak2) >
                                cycles[-1] - parameters.late_cycles), QcFlag.LATE)
    flags |= _drift_flag(values, peak2=peak2, amplitude=amplitude, amplified=amplified)
    flags |= shape_flags(values, amplitude=amplitude, noise=noise, peak1=peak1, peak2=peak2, amplified=amplified)
    return amplified, flags


def _drift_flag(values: NDArray[np.float64], *, peak2: NDArray[np.int64], amplitude: NDArray[np.float64],
                amplified: NDArray[np.bool_]) -> NDArray[np.uint32]:
    """``QC-UNSTABLE-BASELINE``: the ground phase drifts by > 10 % of the amplitude before the Cq."""
    n_cols = values.shape[1]
    columns = np.arange(n_cols, dtype=np.float64)[None, :]
    end = np.clip(peak2 - 8, 0, n_cols)[:, None]
    mask = (columns >= 1) & (columns < end)
    count = mask.sum(axis=1)
    slope = masked_slope(columns, values, mask)
    drift = np.abs(slope) * peak2
    unstable = amplified & (count >= 5) & np.isfinite(drift) & (drift > 0.1 * np.abs(amplitude))
    return _bits(unstable, QcFlag.UNSTABLE_BASELINE)
