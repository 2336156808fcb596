"""Absolute copies from N0 and the standards of the same run: ``ncopy = N0 / (N0 per copy)``.

N0 (:mod:`~chipdx.analysis.qpcr.amplicon`) is a starting fluorescence, in the units of the
instrument. The standards of a run and target, whose input is known, give the fluorescence of
one starting copy: the median over the usable standards of ``log10(N0 / quantity)``. Every
reaction's copy number is then its N0 divided by that (a calibration with a fixed slope of
one in log-log space, as the N0-based absolute quantification of LinRegPCR; Ruijter et al.
2009, 2013). Unlike a standard curve it works with a single standard level (one positive
control of known input) and uses the amplicon's efficiency from the curves, not the dilution
slope; where both exist, the standard curve's ``QC-EFFICIENCY-MISMATCH`` says whether they agree.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr._matrix import group_median

__all__ = ["copies_from_n0"]


def copies_from_n0(n0: NDArray[np.float64], quantity: NDArray[np.float64], *, standard: NDArray[np.bool_],
                   groups: NDArray[np.int64]) -> NDArray[np.float64]:
    """Copies per reaction from N0, calibrated on the standards of each group (``NaN`` without standards).

    Parameters
    ----------
    n0
        Starting fluorescence of every reaction (``NaN`` when not amplified).
    quantity
        Known input (copies) of the standards; ignored elsewhere.
    standard
        Reactions usable as standards (amplified, known positive input, not flagged as outliers).
    groups
        Calibration group of each reaction (run and target), ``0..n_groups-1``.

    Examples
    --------
    >>> n0 = np.array([2e-6, 2e-5, 6e-6, np.nan])
    >>> copies_from_n0(n0, np.array([100.0, 1000.0, np.nan, np.nan]), standard=np.array([True, True, False, False]),
    ...                groups=np.zeros(4, dtype=np.int64)).round(1).tolist()
    [100.0, 1000.0, 300.0, nan]
    """
    n0 = np.asarray(n0, dtype=np.float64)
    quantity = np.asarray(quantity, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    n_groups = int(groups.max()) + 1 if groups.size else 0
    usable = standard & np.isfinite(n0) & (n0 > 0) & np.isfinite(quantity) & (quantity > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_copy = np.where(usable, np.log10(n0) - np.log10(quantity), np.nan)
        scale = group_median(per_copy, groups, usable, n_groups)
        return np.asarray(np.power(10.0, np.log10(n0) - scale[groups]), dtype=np.float64)
