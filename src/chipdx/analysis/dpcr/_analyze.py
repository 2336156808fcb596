"""The dPCR pipeline for a dataset: thresholds, counts, QC and quantification, as a DataFrame.

Per run, every amplitude well is stacked into one (partitions x channels) matrix
(:class:`PlateMatrix`). Single-channel targets are thresholded per (channel,
target) with amplitudes pooled over the wells that hold the target; each channel
is fitted twice, the second time on partitions negative in the run's other
channels, which removes cross-channel spill from the negative cloud (the
compensation step). Targets that share channels (amplitude multiplex) go through
:mod:`chipdx.analysis.dpcr._multiplex`. Counting, rain, QC and quantification are
vectorised over partitions and wells.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from chipdx.analysis.dpcr._entry import Entry
from chipdx.analysis.dpcr._layout import LayoutRow
from chipdx.analysis.dpcr._multiplex import classify_multiplex
from chipdx.analysis.dpcr._plate import PlateMatrix, default_layout, plate_matrix
from chipdx.analysis.dpcr._qc import DpcrFlag, DpcrSettings
from chipdx.analysis.dpcr._quantify import poisson_estimate
from chipdx.analysis.dpcr._rain import allocate_rain
from chipdx.analysis.dpcr._spill import Correction, crosstalk_cut, estimate_spill, remove_spill, subtract_spill
from chipdx.analysis.dpcr._threshold import ThresholdFit, fit_threshold
from chipdx.model import Dataset, Run, SampleType

__all__ = ["RESULT_COLUMNS", "analyze", "compensate"]

#: The columns of ``chipdx dpcr analyze`` (SPEC §7), in order.
RESULT_COLUMNS = ("well", "sample", "target", "channel", "n_total", "n_positive", "n_negative", "n_rain", "lambda",
                  "copies_per_ul", "ci_low", "ci_high", "threshold", "flags")


def _manual(settings: DpcrSettings, target: str, channel: str) -> float | None:
    for key, value in settings.thresholds:
        if key in (target, channel):
            return value
    return None


def _fit_group(matrix: PlateMatrix, wells: NDArray[np.bool_], channel: int, negative_elsewhere: NDArray[np.bool_],
               ntc: NDArray[np.bool_], *, rain_edge: bool = False) -> ThresholdFit:
    mask = matrix.valid if wells.all() else matrix.valid & matrix.spread(wells)
    column = matrix.values[:, channel]
    conditional = mask & negative_elsewhere
    ntc_values = column[mask & matrix.spread(ntc)] if ntc.any() else None
    if 100 <= conditional.sum() < mask.sum():
        fit = fit_threshold(column[conditional], ntc_values=ntc_values, rain_edge=rain_edge)
        if fit.method != "one_cloud":
            return fit
        lit = mask & ~negative_elsewhere  # e.g. HEX+ only among FAM+ (ddpcr "PNPP" assays)
        if lit.sum() >= 100:
            fit = fit_threshold(column[lit], ntc_values=ntc_values, negative_cloud="any", rain_edge=rain_edge)
            if fit.method != "one_cloud":
                return fit
    return fit_threshold(column[mask], ntc_values=ntc_values, rain_edge=rain_edge)


_Groups = dict[tuple[int, str], list[Entry]]
_Fits = dict[tuple[int, str], ThresholdFit]


def _simplex(matrix: PlateMatrix, entries: list[Entry], settings: DpcrSettings) -> None:
    """Threshold and count single-channel targets, pooled over wells per (channel, target)."""
    _count_simplex(matrix, *_simplex_thresholds(matrix, entries, settings), settings)


def _simplex_thresholds(matrix: PlateMatrix, entries: list[Entry],
                        settings: DpcrSettings) -> tuple[_Groups, _Fits, NDArray[np.float64]]:
    """The (channel, target) groups, their fits and the thresholds per (well, channel), NaN where a
    well has no target. The entries are not changed."""
    groups: _Groups = {}
    for entry in entries:
        groups.setdefault((matrix.channels.index(entry.row.channel), entry.row.target), []).append(entry)
    thresholds = np.full((matrix.n_wells, len(matrix.channels)), np.nan)
    fits: _Fits = {}
    for rounds in range(2):
        above = matrix.above(thresholds)
        lit = above.sum(axis=1, dtype=np.int8)
        for (channel, target), members in groups.items():
            wells = np.zeros(matrix.n_wells, dtype=bool)
            wells[[e.well_index for e in members]] = True
            ntc = np.zeros(matrix.n_wells, dtype=bool)
            ntc[[e.well_index for e in members if e.row.sample_type is SampleType.NTC]] = True
            others = (lit - above[:, channel] > 0) if rounds else np.zeros(len(above), dtype=bool)
            fit = _fit_group(matrix, wells, channel, ~others, ntc, rain_edge=settings.rain == "positive")
            manual = _manual(settings, target, matrix.channels[channel])
            if manual is not None:
                fit = dataclasses.replace(fit, threshold=manual, method="manual")
            fits[(channel, target)] = fit
            thresholds[wells, channel] = fit.threshold
    return groups, fits, thresholds


def _simplex_avoiding_spill(matrix: PlateMatrix, entries: list[Entry],
                            settings: DpcrSettings) -> tuple[Correction, ...]:
    """:func:`_simplex`, redone on spill-compensated amplitudes when a threshold cuts a crosstalk cloud.

    Without the instrument's crosstalk calibration, strong spill (estimated by
    :func:`~chipdx.analysis.dpcr._spill.estimate_spill`) is subtracted only for the channel
    pairs whose crosstalk cloud the first thresholds cut; elsewhere the results are those
    of the plain pass. Counting (with the rain allocation) runs once, on the amplitudes kept.
    Returns the spill removed, as :data:`Correction` records.
    """
    spill = estimate_spill(matrix) if settings.spill == "auto" and not settings.crosstalk else ()
    if not spill:
        _simplex(matrix, entries, settings)
        return ()
    groups, fits, thresholds = _simplex_thresholds(matrix, entries, settings)
    cut = tuple(s for s in spill if crosstalk_cut(matrix, s, thresholds))
    if not cut:
        _count_simplex(matrix, groups, fits, thresholds, settings)
        return ()
    _simplex(remove_spill(matrix, cut), entries, settings)
    compensated = {s.into for s in cut}
    for entry in entries:
        if entry.row.channel in compensated:
            entry.flags.append(DpcrFlag.SPILL_ESTIMATED)
    return tuple((s.source, s.into, s.slope, s.origin) for s in cut)


def _count_simplex(matrix: PlateMatrix, groups: _Groups, fits: _Fits, thresholds: NDArray[np.float64],
                   settings: DpcrSettings) -> None:
    bands = np.full((matrix.n_wells, len(matrix.channels), 2), np.nan)
    for (channel, _), members in groups.items():
        bands[[e.well_index for e in members], channel] = fits[(channel, members[0].row.target)].rain_band
    above = matrix.above(thresholds)
    lit = above.sum(axis=1, dtype=np.int8)
    rain_low, rain_high = matrix.above(bands[:, :, 0]), matrix.above(bands[:, :, 1])
    valid = matrix.per_well(matrix.valid)
    for (channel, target), members in groups.items():
        index = np.array([e.well_index for e in members])
        alone = lit - above[:, channel] == 0  # rain is judged where no other channel lights
        positive = matrix.per_well(matrix.valid & above[:, channel])
        rain = matrix.per_well(matrix.valid & alone & rain_low[:, channel] & ~rain_high[:, channel])
        fit = fits[(channel, target)]
        negatives = _negative_medians(matrix, channel, thresholds[:, channel])[index]
        finite = negatives[np.isfinite(negatives)]
        consensus = float(np.median(finite)) if finite.size else float("nan")
        spread = max(fit.sd_neg, 1.4826 * float(np.median(np.abs(finite - consensus)))) if finite.size else np.nan
        soft = _allocated(matrix, channel, fit, index, above, alone) if settings.rain == "posterior" else None
        for entry, w, negative in zip(members, index, negatives, strict=True):
            entry.n_positive, entry.n_negative = int(positive[w]), int(valid[w] - positive[w])
            if soft is not None:
                entry.n_above, entry.n_positive = entry.n_positive, round(float(soft[0][w]))
                entry.n_negative = int(valid[w]) - entry.n_positive
                entry.rain_variance, entry.hidden = float(soft[1][w]), float(soft[2][w])
            entry.n_rain, entry.threshold, entry.method = int(rain[w]), fit.threshold, fit.method
            entry.rain_band = (float(bands[w, channel, 0]), float(bands[w, channel, 1]))
            entry.resolution = fit.resolution
            if fit.method == "one_cloud":
                entry.flags.append(DpcrFlag.ONE_CLOUD)
            if fit.method == "manual":
                entry.flags.append(DpcrFlag.MANUAL_THRESHOLD)
            if np.isfinite(fit.resolution) and fit.resolution < settings.min_resolution:
                entry.flags.append(DpcrFlag.POOR_SEPARATION)
            if abs(negative - consensus) > settings.failed_well_sd * spread:
                entry.flags.append(DpcrFlag.FAILED_WELL)


def _allocated(matrix: PlateMatrix, channel: int, fit: ThresholdFit, index: NDArray[np.int64],
               above: NDArray[np.bool_], alone: NDArray[np.bool_]) -> tuple[NDArray[np.float64], ...] | None:
    """Expected positives, allocation variance and possibly hidden positives per well (``rain="posterior"``).

    Partitions negative and positive in the run's other channels are allocated apart (the
    second group's negative cloud may be lifted by spill); a group that cannot be allocated
    keeps its threshold calls. None for manual and one-cloud thresholds.
    """
    if fit.method in ("manual", "one_cloud"):
        return None
    wells = np.zeros(matrix.n_wells, dtype=bool)
    wells[index] = True
    member = matrix.valid & matrix.spread(wells)
    column = matrix.values[:, channel]
    out = [np.zeros(matrix.n_wells) for _ in range(3)]
    for stratum in (alone, ~alone):
        mask = member & stratum
        values = column[mask]
        centre = _lower_cloud(values, fit.threshold)
        allocation = None
        if centre is not None:
            top = fit.rain_band[1] + centre[0] - fit.mu_neg
            allocation = allocate_rain(values, matrix.well_ids[mask], matrix.n_wells, mu=centre[0], sd=centre[1],
                                       top=top, threshold=fit.threshold)
        if allocation is None:
            out[0] += matrix.per_well(mask & above[:, channel])
            continue
        out[0] += allocation.positives
        out[1] += allocation.variance
        out[2] += allocation.hidden
    return tuple(out)


def _lower_cloud(values: NDArray[np.float32], threshold: float) -> tuple[float, float] | None:
    """Median and SD (median minus the 15.87 % point) of the partitions below the threshold.

    The SD comes from the lower half, which rain does not reach. None with fewer than 1000.
    """
    below = values[::max(1, values.size // 200_000)]
    below = below[below <= threshold]
    if below.size < 1000:
        return None
    low, mid = np.quantile(below, [0.158655, 0.5])
    return float(mid), float(mid - low)


def _negative_medians(matrix: PlateMatrix, channel: int, thresholds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median amplitude of each well's negative partitions in one channel, to 1/1024 of the range.

    Vectorised: one (wells x bins) histogram by ``bincount``, then the median bin per row.
    """
    step = 4  # every 4th partition: a median to 1/1024 of the range needs no more
    column = matrix.values[::step, channel]
    with np.errstate(invalid="ignore"):
        keep = matrix.valid[::step] & (column <= thresholds[matrix.well_ids[::step]])
    out = np.full(matrix.n_wells, np.nan)
    if not keep.any():
        return out
    values = column[keep]
    low, high = float(values.min()), float(values.max())
    bins = 1024
    index = np.minimum(((values - low) / max(high - low, 1e-9) * bins).astype(np.int64), bins - 1)
    hist = np.bincount(matrix.well_ids[::step][keep].astype(np.int64) * bins + index,
                       minlength=matrix.n_wells * bins).reshape(matrix.n_wells, bins)
    cumulative = np.cumsum(hist, axis=1)
    totals = cumulative[:, -1]
    median_bin = (cumulative < (totals / 2)[:, None]).sum(axis=1)
    centres = low + (np.arange(bins) + 0.5) * (high - low) / bins
    return np.where(totals > 0, centres[np.minimum(median_bin, bins - 1)], np.nan)


def compensate(matrix: PlateMatrix, crosstalk: Sequence[tuple[str, str, float]]) -> PlateMatrix:
    """Subtract known linear spill between channels (a copy; the input is unchanged).

    Each ``(source, into, fraction)`` removes ``fraction x amplitude(source)`` from
    ``into``, using the uncompensated amplitudes. Unknown channel names are ignored.
    """
    corrections = _calibration(matrix, crosstalk)
    if not corrections:
        return matrix
    return dataclasses.replace(matrix, values=subtract_spill(matrix.values, matrix.channels, corrections))


def _calibration(matrix: PlateMatrix, crosstalk: Sequence[tuple[str, str, float]]) -> tuple[Correction, ...]:
    """The instrument's crosstalk calibration as :data:`Correction` records (origin 0), for this plate's channels."""
    return tuple((a, b, float(f), 0.0) for a, b, f in crosstalk
                 if a in matrix.channels and b in matrix.channels and a != b)


def _entries(dataset: Dataset, run: Run, matrix: PlateMatrix, layout: Sequence[LayoutRow] | None,
             settings: DpcrSettings) -> list[Entry]:
    rows = list(layout) if layout is not None else default_layout(dataset, run)
    index = {w.well.label: i for i, w in enumerate(matrix.wells)}
    entries = []
    for row in rows:
        label = _label(row.well)
        if label not in index:
            continue
        well = matrix.wells[index[label]]
        volume = settings.partition_volume_nl or well.volume_nl
        entry = Entry(row, index[label], row.sample or well.sample_id, volume)
        missing = [c for c in row.channels if c not in matrix.channels or
                   not matrix.has_channel[index[label], matrix.channels.index(c)]]
        if missing:
            entry.flags.append(DpcrFlag.CHANNEL_MISSING)
        entries.append(entry)
    return entries


def _label(text: str) -> str:
    text = text.strip().upper()
    return f"{text[0]}{int(text[1:])}" if len(text) > 1 and text[1:].isdigit() else text


def _count_only_rows(dataset: Dataset, run: Run, layout: Sequence[LayoutRow] | None,
                     settings: DpcrSettings) -> list[Entry]:
    """Rows for wells known by counts only; a layout row for the well and target (or its
    channel) supplies the sample, type, dilution and reaction volume."""
    given = {(_label(r.well), key): r for r in (layout or ()) for key in (r.target, r.channel)}
    entries = []
    for well in run.partitions:
        if well.amplitudes is not None:
            continue
        for counts in well.counts:
            dye = _dye(dataset, counts.target_id)
            row = given.get((well.well.label, counts.target_id)) or given.get((well.well.label, dye))
            if layout is not None and row is None:
                continue  # wells and targets outside the layout are left out, as for amplitude wells
            row = row or LayoutRow(well.well.label, counts.target_id, dye, sample=well.sample_id)
            entries.append(Entry(row, -1, row.sample or well.sample_id, settings.partition_volume_nl or well.volume_nl,
                                  n_positive=counts.positive, n_negative=counts.negative))
    return entries


def _dye(dataset: Dataset, target: str) -> str:
    try:
        return dataset.target(target).dye_id
    except KeyError:
        return target


def _run_entries(dataset: Dataset, run: Run, layout: Sequence[LayoutRow] | None,
                 settings: DpcrSettings) -> tuple[list[Entry], tuple[Correction, ...]]:
    raw = plate_matrix(dataset, run)
    corrections = _calibration(raw, settings.crosstalk)
    matrix = compensate(raw, settings.crosstalk)
    entries = _entries(dataset, run, matrix, layout, settings)
    usable = [e for e in entries if DpcrFlag.CHANNEL_MISSING not in e.flags]
    per_well: dict[int, list[Entry]] = {}
    for entry in usable:
        per_well.setdefault(entry.well_index, []).append(entry)
    multiplex = {w for w, es in per_well.items()
                 if any(len(e.row.channels) > 1 for e in es) or len({e.row.channel for e in es}) < len(es)}
    simplex = [e for e in usable if e.well_index not in multiplex]
    if multiplex:
        _simplex(matrix, simplex, settings)
    else:
        corrections += _simplex_avoiding_spill(matrix, simplex, settings)
    plex = [e for e in usable if e.well_index in multiplex]
    if plex:
        classify_multiplex(matrix, plex, settings)
    invalid = matrix.per_well(~matrix.valid)
    for entry in entries:
        entry.n_invalid = int(invalid[entry.well_index])
    return entries + _count_only_rows(dataset, run, layout, settings), corrections


def analyze(dataset: Dataset, *, layout: Sequence[LayoutRow] | None = None,
            settings: DpcrSettings | None = None) -> pd.DataFrame:
    """Classify, count and quantify every dPCR well x target of a dataset.

    Parameters
    ----------
    dataset
        Runs with :class:`~chipdx.model.WellPartitions` (amplitudes or counts).
    layout
        What each well holds; ``None`` = the targets and samples named in the file.
    settings
        Thresholds, interval method, QC limits, volume override.

    Returns
    -------
    pandas.DataFrame
        One row per well x target: the SPEC §7 columns (:data:`RESULT_COLUMNS`) then
        ``run``, ``sample_type``, ``n_invalid``, ``partition_volume_nl``,
        ``copies_per_reaction``, ``copies_per_specimen``, ``dilution``, ``resolution``,
        ``method``, ``ci_method``, ``rain_low``, ``rain_high`` (the amplitude band counted as rain,
        NaN for count-only wells), ``n_above_threshold`` (partitions above the threshold; differs
        from ``n_positive`` where rain was allocated by its posterior); ``result.attrs["settings"]``
        holds the settings used and ``result.attrs["compensation"]`` the spill removed before
        classification, per run id, as :data:`Correction` records (the calibration given, or
        the spill estimated from the data).
    """
    settings = settings or DpcrSettings()
    frames = []
    compensation: dict[str, tuple[Correction, ...]] = {}
    for run in dataset.runs:
        entries, compensation[run.id] = _run_entries(dataset, run, layout, settings)
        frames.append(_frame(run, entries, settings))
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(RESULT_COLUMNS))
    result.attrs["settings"] = dataclasses.asdict(settings)  # the parameters travel with the results
    result.attrs["compensation"] = compensation
    return result


def _frame(run: Run, entries: list[Entry], settings: DpcrSettings) -> pd.DataFrame:
    k = np.array([e.n_positive for e in entries], dtype=np.float64)
    n = k + np.array([e.n_negative for e in entries], dtype=np.float64)
    volume = np.array([e.volume_nl for e in entries])
    estimate = poisson_estimate(k, n, volume, method=settings.ci_method, volume_cv=settings.volume_cv,
                                classification_variance=np.array([e.rain_variance for e in entries]),
                                hidden=np.array([e.hidden for e in entries]))
    median_n = float(np.median(n[n > 0])) if np.any(n > 0) else 0.0
    minimum = (settings.min_partitions if settings.min_partitions is not None
               else max(1000.0, min(10_000, 0.6 * median_n)))
    for entry, total, lam in zip(entries, n, estimate.lambda_, strict=True):
        _quality_flags(entry, total, lam, minimum, settings)
    reaction = np.array([e.row.reaction_volume_ul for e in entries])
    dilution = np.array([e.row.dilution for e in entries])
    copies = np.where(n > 0, estimate.copies_per_ul, np.nan)
    return pd.DataFrame({
        "well": [_label(e.row.well) for e in entries],
        "sample": [e.sample for e in entries],
        "target": [e.row.target for e in entries],
        "channel": [e.row.channel for e in entries],
        "n_total": n.astype(np.int64), "n_positive": k.astype(np.int64), "n_negative": (n - k).astype(np.int64),
        "n_rain": [e.n_rain for e in entries],
        "lambda": np.where(n > 0, estimate.lambda_, np.nan), "copies_per_ul": copies,
        "ci_low": np.where(n > 0, estimate.ci_low, np.nan), "ci_high": np.where(n > 0, estimate.ci_high, np.nan),
        "threshold": [e.threshold for e in entries],
        "flags": [";".join(dict.fromkeys(e.flags)) for e in entries],
        "run": run.id, "sample_type": [e.row.sample_type.value for e in entries],
        "n_invalid": [e.n_invalid for e in entries], "partition_volume_nl": volume,
        "copies_per_reaction": copies * reaction, "copies_per_specimen": copies * dilution,
        "dilution": dilution, "resolution": [e.resolution for e in entries],
        "method": [e.method for e in entries], "ci_method": settings.ci_method,
        "rain_low": [e.rain_band[0] for e in entries], "rain_high": [e.rain_band[1] for e in entries],
        "n_above_threshold": [e.n_positive if e.n_above is None else e.n_above for e in entries],
    })


def _quality_flags(entry: Entry, total: float, lam: float, minimum: float, settings: DpcrSettings) -> None:
    if total == 0:
        entry.flags.insert(0, DpcrFlag.EMPTY_WELL)
        return
    if total < minimum:
        entry.flags.append(DpcrFlag.FEW_PARTITIONS)
    if entry.n_invalid > settings.max_invalid_fraction * (total + entry.n_invalid):
        entry.flags.append(DpcrFlag.INVALID_PARTITIONS)
    if entry.n_rain > settings.max_rain_fraction * total:
        entry.flags.append(DpcrFlag.HIGH_RAIN)
    if not lam <= settings.max_lambda:
        entry.flags.append(DpcrFlag.SATURATED)
