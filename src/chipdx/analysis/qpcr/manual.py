"""User-set analysis settings of one target: a manual baseline window and a manual threshold.

Instrument software lets the analyst replace the automatic baseline and threshold of a target
(CFX Maestro "baseline cycles" and "single threshold" per fluorophore; QuantStudio "manual
threshold"). The threshold-cycle definition is the MIQE one (Bustin et al. 2009, Clin Chem 55:611):
the fractional cycle at which the baseline-subtracted fluorescence first crosses the threshold,
linearly interpolated between the two readings around it (as in Rutledge & Stewart 2008).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["subtract_baseline", "threshold_cq"]


def subtract_baseline(fluorescence: NDArray[np.float64], cycles: NDArray[np.float64], first: int,
                      last: int) -> NDArray[np.float64]:
    """Each curve minus its mean over cycles ``first..last`` (inclusive, cycle numbers).

    >>> subtract_baseline(np.array([[1.0, 3.0, 5.0]]), np.array([1.0, 2.0, 3.0]), 1, 2)
    array([[-1.,  1.,  3.]])
    """
    if last < first:
        raise ValueError(f"baseline cycles {first}-{last}: the first cycle must not be after the last")
    window = (cycles >= first) & (cycles <= last)
    if not window.any():
        raise ValueError(f"baseline cycles {first}-{last}: no reading in that range")
    with np.errstate(invalid="ignore"):
        level: NDArray[np.float64] = np.nanmean(fluorescence[:, window], axis=1)
    corrected: NDArray[np.float64] = fluorescence - level[:, None]
    return corrected


def threshold_cq(corrected: NDArray[np.float64], cycles: NDArray[np.float64],
                 threshold: float) -> NDArray[np.float64]:
    """Fractional cycle of the first upward crossing of ``threshold``; NaN where a curve never crosses.

    >>> threshold_cq(np.array([[0.0, 1.0, 3.0], [0.0, 0.1, 0.2]]), np.array([1.0, 2.0, 3.0]), 2.0)
    array([2.5, nan])
    """
    above = np.nan_to_num(corrected, nan=-np.inf) >= threshold
    crossing = above[:, 1:] & ~above[:, :-1]
    has = crossing.any(axis=1)
    index = np.argmax(crossing, axis=1)  # reading before the crossing
    rows = np.arange(corrected.shape[0])
    low, high = corrected[rows, index], corrected[rows, np.minimum(index + 1, corrected.shape[1] - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = (threshold - low) / (high - low)
    cq = cycles[index] + fraction * (cycles[np.minimum(index + 1, cycles.size - 1)] - cycles[index])
    return np.where(has, cq, np.nan)
