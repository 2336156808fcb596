"""Per-amplicon steps: mean efficiency without outliers, threshold Cq in the window of linearity, N0, outliers.

* Mean efficiency per amplicon: the median-centred mean of the individual window
  efficiencies after removing robust-z outliers (> 3.5, a robust form of the Bar et
  al. 2003 KOD efficiency test); controls and flagged curves are left out, as
  LinRegPCR does (Ruijter et al. 2009, 2013).
* Threshold Cq, LinRegPCR style: a common threshold per amplicon in the window of
  linearity; each reaction's Cq is where its log-linear regression line reaches it,
  moving with the amplicon's median window efficiency.
* N0 = threshold / E^Cq' (fluorescence units, as LinRegPCR), with E the amplicon's mean
  initial efficiency (:func:`~chipdx.analysis.qpcr.curves.initial_efficiency`) and Cq' the
  Cy0 point (Guescini et al. 2008) moved to the threshold by the amplicon's median offset:
  it keeps the threshold's scale but the gain invariance (precision) of a shape-based point.
* Kinetic outliers: robust Mahalanobis distance of (cpD1 - cpD2, efficiency) from the
  amplicon's robust centre (Tichopad et al. 2010, ``multi1`` idea) above 3.7 (chi-square,
  2 df, p = 0.001).
* Replicate outliers: a Cq more than 4 robust SD and 0.25 cycle from the median of its
  replicates (same sample and target, at least 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr._matrix import group_median, group_robust_sd
from chipdx.analysis.qpcr.curves import CurveAnalysis
from chipdx.analysis.qpcr.flags import QcFlag, has

__all__ = ["AMPLICON_METHOD", "AmpliconAnalysis", "analyze_amplicons"]

AMPLICON_METHOD = "mean window efficiency per amplicon (robust-z outliers out); LinRegPCR threshold Cq; N0 = T/E^Cq'"

_EXCLUDE_FROM_MEAN = (QcFlag.NO_PLATEAU, QcFlag.BASELINE_ERROR, QcFlag.SHORT_LOG_PHASE, QcFlag.SPIKE, QcFlag.STEP)


@dataclass(frozen=True, slots=True, eq=False)
class AmpliconAnalysis:
    """Per-reaction results that depend on the amplicon, plus per-amplicon values.

    ``amplicon_efficiency`` and ``log10_threshold`` are indexed by group number.
    """

    cq_threshold: NDArray[np.float64]
    n0: NDArray[np.float64]
    efficiency_used: NDArray[np.float64]
    flags: NDArray[np.uint32]
    amplicon_efficiency: NDArray[np.float64]
    amplicon_efficiency_sd: NDArray[np.float64]
    amplicon_n: NDArray[np.int64]
    log10_threshold: NDArray[np.float64]
    method: str = AMPLICON_METHOD


def _bits(mask: NDArray[np.bool_], flag: QcFlag) -> NDArray[np.uint32]:
    return np.where(mask, flag.bit, 0).astype(np.uint32)


def _mean_efficiency(curves: CurveAnalysis, groups: NDArray[np.int64], usable: NDArray[np.bool_],
                     n_groups: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64],
                                             NDArray[np.bool_]]:
    efficiency = curves.efficiency
    median, spread = group_robust_sd(efficiency, groups, usable, n_groups)
    spread = np.maximum(np.nan_to_num(spread, nan=0.0), 0.01)
    z = np.abs(efficiency - median[groups]) / spread[groups]
    outlier = curves.amplified & np.isfinite(z) & (z > 3.5)
    keep = usable & ~outlier & np.isfinite(efficiency)
    weight = keep.astype(np.float64)
    count = np.bincount(groups, weights=weight, minlength=n_groups)
    kept = np.where(keep, efficiency, 0.0)
    total = np.bincount(groups, weights=kept, minlength=n_groups)
    squares = np.bincount(groups, weights=kept**2, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, median)
        sd = np.sqrt(np.maximum(squares / count - mean**2, 0.0) * count / np.maximum(count - 1, 1))
    return mean, sd, count.astype(np.int64), outlier


def _kinetic_outliers(curves: CurveAnalysis, groups: NDArray[np.int64], usable: NDArray[np.bool_],
                      n_groups: int) -> NDArray[np.bool_]:
    width = curves.cq_first_derivative - curves.cq
    distance = np.zeros(groups.size)
    for feature in (width, curves.efficiency):
        centre, spread = group_robust_sd(feature, groups, usable, n_groups)
        spread = np.maximum(np.nan_to_num(spread, nan=np.inf), 1e-3)
        distance += ((feature - centre[groups]) / spread[groups]) ** 2
    counts = np.bincount(groups, weights=usable.astype(np.float64), minlength=n_groups)
    return curves.amplified & (counts[groups] >= 5) & np.isfinite(distance) & (np.sqrt(distance) > 3.7)


def _threshold_cq(curves: CurveAnalysis, groups: NDArray[np.int64], usable: NDArray[np.bool_],
                  n_groups: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    top = curves.window_intercept + curves.window_slope * curves.window_top
    upper = group_median(top, groups, usable, n_groups)
    window = group_median(curves.window_efficiency, groups, usable, n_groups)
    log_e = np.log10(np.where(window > 1, window, np.nan))
    log_threshold = upper - 2.0 * log_e
    slope = np.where(curves.window_slope > 0, curves.window_slope, log_e[groups])
    # the reaction's line passes through its window centre; move along it with the amplicon efficiency
    centre_x = curves.window_top - 0.5 * (curves.parameters.window_cycles - 1)
    centre_y = curves.window_intercept + slope * centre_x
    cq = centre_x + (log_threshold[groups] - centre_y) / log_e[groups]
    return np.where(curves.amplified, cq, np.nan), log_threshold


def analyze_amplicons(curves: CurveAnalysis, groups: NDArray[np.int64], *, controls: NDArray[np.bool_],
                      replicates: NDArray[np.int64] | None = None) -> AmpliconAnalysis:
    """Per-amplicon efficiency, threshold Cq, N0 and outlier flags.

    Parameters
    ----------
    curves
        Output of :func:`~chipdx.analysis.qpcr.curves.analyze_curves`.
    groups
        Amplicon (target) number of each reaction, ``0..n_groups-1``.
    controls
        Reactions left out of the amplicon statistics (NTC and other controls).
    replicates
        Replicate-group number of each reaction (same sample and target), or ``None``.
    """
    groups = np.asarray(groups, dtype=np.int64)
    n_groups = int(groups.max()) + 1 if groups.size else 0
    flagged = np.zeros(groups.size, dtype=bool)
    for flag in _EXCLUDE_FROM_MEAN:
        flagged |= has(curves.flags, flag)
    usable = curves.amplified & ~controls & ~flagged
    mean, sd, count, eff_outlier = _mean_efficiency(curves, groups, usable, n_groups)
    flags = _bits(eff_outlier, QcFlag.EFFICIENCY_OUTLIER)
    flags |= _bits(_kinetic_outliers(curves, groups, usable & ~eff_outlier, n_groups), QcFlag.KINETIC_OUTLIER)
    cq_threshold, log_threshold = _threshold_cq(curves, groups, usable & ~eff_outlier, n_groups)
    efficiency_used = np.where(curves.amplified, mean[groups], np.nan)
    # N0 from the (gain-invariant) Cy0 point, moved to the threshold by the amplicon's median offset
    offset = group_median(cq_threshold - curves.cq_cy0, groups, usable & ~eff_outlier, n_groups)
    with np.errstate(invalid="ignore", over="ignore"):
        n0 = np.power(10.0, log_threshold[groups] - (curves.cq_cy0 + offset[groups]) * np.log10(efficiency_used))
    if replicates is not None:
        replicates = np.asarray(replicates, dtype=np.int64)
        n_rep = int(replicates.max()) + 1 if replicates.size else 0
        in_rep = curves.amplified & ~controls
        median, spread = group_robust_sd(curves.cq, replicates, in_rep, n_rep)
        size = np.bincount(replicates, weights=in_rep.astype(np.float64), minlength=n_rep)
        distance = np.abs(curves.cq - median[replicates])
        outlier = in_rep & (size[replicates] >= 3) & (distance > np.maximum(4 * spread[replicates], 0.25))
        flags |= _bits(outlier, QcFlag.REPLICATE_OUTLIER)
    flags |= _bits(curves.amplified & controls, QcFlag.NTC_AMPLIFICATION)
    return AmpliconAnalysis(cq_threshold=cq_threshold, n0=n0, efficiency_used=efficiency_used, flags=flags,
                            amplicon_efficiency=mean, amplicon_efficiency_sd=sd, amplicon_n=count,
                            log10_threshold=log_threshold)
