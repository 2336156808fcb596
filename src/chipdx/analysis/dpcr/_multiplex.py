"""Amplitude multiplex: more targets than channels, by predicted cluster centres.

Following the idea of dPCP (De Falco et al. 2023, *Bioinformatics* 39:btad282),
reimplemented:

1. Clusters are found on the reference well(s) (layout ``reference``; otherwise
   all wells of the assay pooled) as peaks of a smoothed 2-D histogram, refined
   by a few nearest-centre (k-medians) steps.
2. The empty cluster is the lowest large one; single-target clusters are the
   nearest clusters that are not sums of already chosen ones; they are matched
   to targets by the direction of their channels (Hungarian assignment).
3. Centres of every target combination are predicted additively (empty + the
   sum of single-target offsets); spreads add in variance.
4. Each partition goes to the most likely centre (Gaussian, diagonal covariance,
   equal priors), after shifting each well's empty cloud onto the reference
   (baseline drift); centres with enough partitions are re-estimated once. A
   partition more than 4 SD from its centre is counted as rain (not dropped).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.dpcr._entry import Entry
from chipdx.analysis.dpcr._plate import PlateMatrix
from chipdx.analysis.dpcr._qc import DpcrFlag, DpcrSettings

__all__ = ["classify_multiplex", "find_clusters"]

_GRID = 128
_RAIN_SD = 4.0


def find_clusters(points: NDArray[np.float32], *, min_fraction: float = 0.002) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Centres, spreads and sizes of the clusters in 2-D points (peaks of a smoothed histogram)."""
    low = np.quantile(points, 0.0005, axis=0)
    high = np.quantile(points, 0.9995, axis=0)
    span = np.maximum(high - low, 1e-6)
    edges = [np.linspace(low[c] - 0.05 * span[c], high[c] + 0.05 * span[c], _GRID + 1) for c in range(2)]
    from scipy import ndimage  # imported here: heavy, and only multiplex needs it

    hist = np.histogram2d(points[:, 0], points[:, 1], bins=edges)[0]
    smooth = ndimage.gaussian_filter(hist, 1.2)
    peaks = (smooth == ndimage.maximum_filter(smooth, size=7)) & (smooth >= max(3.0, min_fraction * len(points) / 20))
    ii, jj = np.nonzero(peaks)
    centres = np.column_stack([(edges[0][ii] + edges[0][ii + 1]) / 2, (edges[1][jj] + edges[1][jj + 1]) / 2])
    scale = span / _GRID * 3
    for _ in range(4):
        nearest = np.argmin((((points[:, None, :] - centres[None]) / scale) ** 2).sum(axis=2), axis=1)
        counts = np.bincount(nearest, minlength=len(centres))
        keep = counts >= max(10, min_fraction * len(points))
        centres = np.array([np.median(points[nearest == k], axis=0) for k in np.flatnonzero(keep)])
    centres = np.asarray(centres, dtype=np.float64)
    nearest = np.argmin((((points[:, None, :] - centres[None]) / scale) ** 2).sum(axis=2), axis=1)
    sizes: NDArray[np.float64] = np.bincount(nearest, minlength=len(centres)).astype(np.float64)
    spreads: NDArray[np.float64] = np.array(
        [1.4826 * np.median(np.abs(points[nearest == k] - centres[k]), axis=0) + 1e-6 for k in range(len(centres))])
    return centres, spreads, sizes


def _singles(centres: NDArray[np.float64], sizes: NDArray[np.float64], n_targets: int,
             scale: NDArray[np.float64]) -> tuple[int, list[int]]:
    large = sizes >= 0.1 * sizes.max()
    empty = int(np.flatnonzero(large)[np.argmin((centres[large] / scale).sum(axis=1))])
    offsets = (centres - centres[empty]) / scale
    order = [k for k in np.argsort(np.linalg.norm(offsets, axis=1)) if k != empty]
    chosen: list[int] = []
    for k in order:
        combos = [offsets[list(c)].sum(axis=0) for r in range(2, len(chosen) + 1) for c in
                  itertools.combinations(chosen, r)]
        tolerance = 0.25 * np.linalg.norm(offsets[k])
        if any(np.linalg.norm(offsets[k] - c) < tolerance for c in combos):
            continue
        chosen.append(int(k))
        if len(chosen) == n_targets:
            break
    return empty, chosen


def _match(offsets: NDArray[np.float64], directions: NDArray[np.float64]) -> NDArray[np.int64]:
    """For each target (row of ``directions``), the index of its single-target cluster."""
    from scipy.optimize import linear_sum_assignment

    unit = offsets / np.maximum(np.linalg.norm(offsets, axis=1, keepdims=True), 1e-12)
    cost = -(directions / np.linalg.norm(directions, axis=1, keepdims=True)) @ unit.T
    rows, columns = linear_sum_assignment(cost)
    return np.asarray(columns[np.argsort(rows)], dtype=np.int64)


def _assign(points: NDArray[np.float64], centres: NDArray[np.float64],
            spreads: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    z2 = (((points[:, None, :] - centres[None]) / spreads[None]) ** 2).sum(axis=2)
    score = z2 + 2 * np.log(spreads).sum(axis=1)[None]
    best = np.argmin(score, axis=1)
    return best, np.sqrt(z2[np.arange(len(best)), best])


def classify_multiplex(matrix: PlateMatrix, entries: Sequence[Entry], settings: DpcrSettings) -> None:
    """Count amplitude-multiplexed targets in place on ``entries`` (grouped by assay)."""
    by_well: dict[int, list[Entry]] = {}
    for entry in entries:
        by_well.setdefault(entry.well_index, []).append(entry)
    assays: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for well, members in by_well.items():
        assays.setdefault(tuple(sorted((e.row.target, e.row.channel) for e in members)), []).append(well)
    for assay, wells in assays.items():
        _classify_assay(matrix, assay, wells, by_well, settings)


def _classify_assay(matrix: PlateMatrix, assay: tuple[tuple[str, str], ...], wells: list[int],
                    by_well: dict[int, list[Entry]], settings: DpcrSettings) -> None:
    targets = [t for t, _ in assay]
    channel_names = list(dict.fromkeys(c for _, ch in assay for c in ch.split("+")))
    members = [e for w in wells for e in by_well[w]]
    if len(channel_names) != 2:
        for e in members:
            e.flags.append(DpcrFlag.MULTIPLEX_UNRESOLVED)
        return
    columns = [matrix.channels.index(c) for c in channel_names]
    in_group = np.zeros(matrix.n_wells, dtype=bool)
    in_group[wells] = True
    mask = matrix.valid & in_group[matrix.well_ids]
    points = matrix.values[mask][:, columns].astype(np.float64)
    ids = matrix.well_ids[mask]
    reference = [w for w in wells if any(e.row.reference for e in by_well[w])]
    ref_points = points[np.isin(ids, reference)] if reference else points
    centres, spreads, sizes = find_clusters(ref_points.astype(np.float32))
    scale = np.maximum(np.median(spreads, axis=0), 1e-6)
    empty, singles = _singles(centres, sizes, len(targets), scale)
    if len(singles) < len(targets):
        for e in members:
            e.flags.append(DpcrFlag.MULTIPLEX_UNRESOLVED)
        return
    directions = np.array([[1.0 if c in ch.split("+") else 0.0 for c in channel_names] for _, ch in assay])
    offsets = centres[singles] - centres[empty]
    match = _match(offsets / scale, directions)
    single_offsets, single_spreads = offsets[match], spreads[singles][match]
    combos = np.array(list(itertools.product([0, 1], repeat=len(targets))), dtype=np.float64)
    predicted = centres[empty] + combos @ single_offsets
    pred_spread = np.sqrt(spreads[empty] ** 2 + combos @ np.maximum(single_spreads ** 2 - spreads[empty] ** 2, 0))
    shifted = points - _baseline_shift(points, ids, centres[empty], spreads[empty], matrix.n_wells)[ids]
    best, distance = _assign(shifted, predicted, pred_spread)
    for k in range(len(predicted)):
        if (best == k).sum() >= 50:
            predicted[k] = np.median(shifted[best == k], axis=0)
    best, distance = _assign(shifted, predicted, pred_spread)
    rain = np.bincount(ids[distance > _RAIN_SD], minlength=matrix.n_wells)
    valid = np.bincount(ids, minlength=matrix.n_wells)
    for t, (target, _) in enumerate(assay):
        positive = np.bincount(ids[combos[best, t] > 0], minlength=matrix.n_wells)
        for w in wells:
            for e in by_well[w]:
                if e.row.target == target:
                    e.n_positive, e.n_negative = int(positive[w]), int(valid[w] - positive[w])
                    e.n_rain, e.method = int(rain[w]), "multiplex"


def _baseline_shift(points: NDArray[np.float64], ids: NDArray[np.int32], empty: NDArray[np.float64],
                    spread: NDArray[np.float64], n_wells: int) -> NDArray[np.float64]:
    near = (np.abs((points - empty) / spread) < 3).all(axis=1)
    shift = np.zeros((n_wells, 2))
    for c in range(2):
        sums = np.bincount(ids[near], weights=points[near, c] - empty[c], minlength=n_wells)
        counts = np.bincount(ids[near], minlength=n_wells)
        shift[:, c] = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return shift
