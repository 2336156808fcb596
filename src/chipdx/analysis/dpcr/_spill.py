"""Cross-channel spill estimated from the droplets themselves (no instrument calibration).

A dye read in channel ``a`` also lights channel ``b`` a little (spectral overlap). The
partitions positive in ``a`` and negative in ``b`` then form a *crosstalk cloud* in ``b``:
a negative cloud lifted by ``s x (a - a_negative)``. With a strong spill (DLOC-Sim's
HEX -> FAM 0.139) that cloud sits where a threshold of ``b`` falls and is half counted
positive.

The spill slope is read off the 2-D clusters, as a compensation matrix is built from
single-stained controls in cytometry (Roederer 2001, *Cytometry* 45:194) and as
QuantaSoft's 2-D view and ddPCRclust (Brink et al. 2018, *Bioinformatics* 34:2687) treat a
tilted single-positive cluster as negative in the other channel:

* each channel's negative cloud (centre, robust SD) comes from :func:`fit_threshold` on its
  pooled amplitudes, its bright level from the 99.5th percentile;
* the single-positive cluster ``a+ b-``: above the middle of ``a``'s negative centre and
  bright level, below the middle of ``b``'s; the double-negative cluster ``a- b-``: inside
  both negative clouds (below ``mu_neg + 3 sd_neg`` in each channel);
* ``s = (median b | a+ b-  -  median b | a- b-) / (median a | a+ b-  -  median a | a- b-)``
  (the line through the two cluster medians, robust to rain and to the other clusters).

Compensation subtracts ``s x (a - median a | a- b-)``, so partitions negative in ``a`` keep their
amplitudes and a threshold keeps its meaning on them. A slope is used only when both
clusters hold at least ``_MIN_CLUSTER`` partitions and the lift of the crosstalk cloud is
at least ``_MIN_LIFT_SD`` (4) negative-cloud SDs of ``b``: small spill is left to the
conditional fits, which handle it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.dpcr._plate import PlateMatrix
from chipdx.analysis.dpcr._threshold import fit_threshold

__all__ = ["Correction", "Spill", "crosstalk_cut", "estimate_spill", "remove_spill", "subtract_spill"]

Correction = tuple[str, str, float, float]
"""``(source, into, slope, origin)``: ``into`` is read as ``into - slope x (source - origin)``."""

_SAMPLE = 100_000  # partitions used to estimate (a stride through the plate)
_MIN_CLUSTER = 50
_MIN_LIFT_SD = 4.0
_MAX_SLOPE = 0.5  # beyond this the "crosstalk cloud" is another population, not spill
_MIN_GAP_SD = 10.0  # a channel needs partitions this far above its negative cloud to spill
_CORE_SD = 2.5  # the crosstalk cloud's core: median + this many robust SDs


@dataclasses.dataclass(frozen=True, slots=True)
class Spill:
    """Estimated linear spill of channel ``source`` into ``into`` (``slope`` per unit above ``origin``)."""

    source: str
    into: str
    slope: float
    origin: float
    lift_sd: float
    source_lit: float
    into_low: float


def _levels(column: NDArray[np.float32]) -> tuple[float, float, float] | None:
    """Negative centre, negative SD and the middle between the negative and the bright partitions.

    The bright level is the 99.5th percentile: it needs no positive-cloud fit, which a
    crosstalk cloud between the clouds can mislead. None when nothing bright exists.
    """
    fit = fit_threshold(column)
    if not np.isfinite(fit.mu_neg):
        return None
    bright = float(np.quantile(column, 0.995))
    if bright - fit.mu_neg < _MIN_GAP_SD * fit.sd_neg:
        return None
    return fit.mu_neg, fit.sd_neg, (fit.mu_neg + bright) / 2


@dataclasses.dataclass(frozen=True, slots=True)
class _Channel:
    """One channel of the sampled partitions with its cluster masks."""

    values: NDArray[np.float32]
    lit: NDArray[np.bool_]  # above the middle between negative and bright
    dark: NDArray[np.bool_]  # inside the negative cloud (below mu_neg + 3 SD)
    middle: float


def _channel(column: NDArray[np.float32], present: NDArray[np.bool_]) -> _Channel | None:
    levels = _levels(column[present])
    if levels is None:
        return None
    mu, sd, middle = levels
    with np.errstate(invalid="ignore"):
        return _Channel(column, present & (column > middle), present & (column < mu + 3 * sd), middle)


def _pair(a: _Channel, b: _Channel) -> tuple[float, float, float] | None:
    """Spill slope of ``a`` into ``b``, the lift of the crosstalk cloud in ``b``-SDs and ``a``'s
    double-negative centre, or None."""
    with np.errstate(invalid="ignore"):
        b_low = b.values < b.middle
    lit, dark = a.lit & b_low, a.dark & b.dark
    if lit.sum() < _MIN_CLUSTER or dark.sum() < _MIN_CLUSTER:
        return None
    origin = float(np.median(a.values[dark]))
    rise = float(np.median(a.values[lit])) - origin
    dark_b = b.values[dark]
    centre = float(np.median(dark_b))
    lift = float(np.median(b.values[lit])) - centre
    spread = max(1.4826 * float(np.median(np.abs(dark_b - centre))), 1e-9)  # the double-negative cloud
    if rise <= 0:
        return None
    slope = lift / rise
    return (slope, lift / spread, origin) if abs(slope) <= _MAX_SLOPE else None


def estimate_spill(matrix: PlateMatrix) -> tuple[Spill, ...]:
    """Spill between every ordered pair of channels, from a stride through the valid partitions.

    Only pairs whose crosstalk cloud is lifted by at least 4 negative-cloud SDs are returned.

    Examples
    --------
    >>> from chipdx.model import Dataset, Dye, PlateFormat, Run, Sample, Target, WellPartitions
    >>> rng = np.random.default_rng(0)
    >>> lit = rng.random((20_000, 2)) < [0.3, 0.3]
    >>> x = rng.normal(1000, 60, (20_000, 2)) + lit * 6000
    >>> x[:, 0] += 0.15 * (x[:, 1] - 1000)  # channel B spills 15 % into A
    >>> well = WellPartitions(PlateFormat(8, 12).well(1), "s", 0.85, targets=("A", "B"),
    ...                       amplitudes=x.astype(np.float32))
    >>> data = Dataset((Run("r", PlateFormat(8, 12), partitions=(well,)),), samples=(Sample("s"),),
    ...                targets=(Target("A", "A"), Target("B", "B")), dyes=(Dye("A"), Dye("B")))
    >>> from chipdx.analysis.dpcr import plate_matrix
    >>> [(s.source, s.into, round(s.slope, 2)) for s in estimate_spill(plate_matrix(data, data.runs[0]))]
    [('B', 'A', 0.15)]
    """
    if len(matrix.channels) < 2 or not matrix.valid.any():
        return ()
    stride = max(1, len(matrix.valid) // _SAMPLE)
    valid = matrix.valid[::stride]
    have = matrix.has_channel[matrix.well_ids[::stride]] & valid[:, None]
    channels = [_channel(np.ascontiguousarray(matrix.values[::stride, c]), have[:, c])
                for c in range(len(matrix.channels))]
    found = []
    for a, source in enumerate(channels):
        for b, into in enumerate(channels):
            if a == b or source is None or into is None:
                continue
            estimate = _pair(source, into)
            if estimate is not None and estimate[1] >= _MIN_LIFT_SD:
                found.append(Spill(matrix.channels[a], matrix.channels[b], estimate[0], estimate[2], estimate[1],
                                   source.middle, into.middle))
    return tuple(found)


def subtract_spill(values: NDArray[np.float32], channels: Sequence[str],
                   corrections: Sequence[Correction]) -> NDArray[np.float32]:
    """``values`` (partitions x ``channels``) with each :data:`Correction` applied (a copy).

    Every correction uses the uncorrected amplitudes of its source; corrections naming a
    channel that is not there, or a channel into itself, are ignored.
    """
    corrected = values.copy()
    for source, into, slope, origin in corrections:
        if source in channels and into in channels and source != into:
            a, b = channels.index(source), channels.index(into)
            corrected[:, b] -= np.float32(slope) * (values[:, a] - np.float32(origin))
    return corrected


def remove_spill(matrix: PlateMatrix, spill: tuple[Spill, ...]) -> PlateMatrix:
    """Subtract ``slope x (source - origin)`` from each ``into`` channel (a copy; uses the input amplitudes)."""
    if not spill:
        return matrix
    corrections = [(s.source, s.into, s.slope, s.origin) for s in spill]
    return dataclasses.replace(matrix, values=subtract_spill(matrix.values, matrix.channels, corrections))


def crosstalk_cut(matrix: PlateMatrix, spill: Spill, thresholds: NDArray[np.float64]) -> bool:
    """Whether the ``into`` thresholds (per well) cut through the core of the crosstalk cloud of ``spill``.

    The cloud is the partitions lit in ``source`` and below the middle of ``into``; its core
    is its median + ``_CORE_SD`` robust SDs (so double-positive rain in the cloud's tail does
    not count). A threshold below the core's edge in any well cuts it.
    """
    a, b = matrix.channels.index(spill.source), matrix.channels.index(spill.into)
    cloud = matrix.valid & (matrix.values[:, a] > spill.source_lit) & (matrix.values[:, b] < spill.into_low)
    if cloud.sum() < _MIN_CLUSTER:
        return False
    values = matrix.values[cloud, b]
    centre = float(np.median(values))
    edge = centre + _CORE_SD * 1.4826 * float(np.median(np.abs(values - centre)))
    lowest = np.nanmin(thresholds[:, b]) if np.isfinite(thresholds[:, b]).any() else np.inf
    return bool(lowest < edge)
