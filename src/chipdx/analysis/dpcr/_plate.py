"""A run's partitions as one (partitions x channels) matrix, with well ids: the hot-path layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.dpcr._layout import LayoutRow
from chipdx.model import Dataset, PartitionCall, Run, SampleType, WellPartitions

__all__ = ["PlateMatrix", "default_layout", "plate_matrix"]

_T = TypeVar("_T", bound=np.generic)


@dataclass(frozen=True, slots=True, eq=False)
class PlateMatrix:
    """All amplitude wells of a run stacked: ``values[i, c]`` is partition ``i`` in channel ``c``.

    ``well_ids[i]`` indexes ``wells``; ``valid[i]`` is false for instrument-excluded
    partitions and partitions with a NaN amplitude in a channel the well has.
    ``has_channel[w, c]`` says whether well ``w`` was read in channel ``c``.
    """

    wells: tuple[WellPartitions, ...]
    channels: tuple[str, ...]
    values: NDArray[np.float32]
    well_ids: NDArray[np.int32]
    valid: NDArray[np.bool_]
    has_channel: NDArray[np.bool_]
    sizes: NDArray[np.int64]

    @property
    def n_wells(self) -> int:
        """Number of wells."""
        return len(self.wells)

    def per_well(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Count true entries of a partition mask per well (segment sums, no gather)."""
        out = np.zeros(self.n_wells, dtype=np.int64)
        filled = self.sizes > 0
        if filled.any():
            starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])[filled]
            out[filled] = np.add.reduceat(mask, starts, dtype=np.int64)
        return out

    def spread(self, per_well: NDArray[_T]) -> NDArray[_T]:
        """A per-well value repeated for each of the well's partitions."""
        return np.repeat(per_well, self.sizes, axis=0)

    def above(self, thresholds: NDArray[np.float64]) -> NDArray[np.bool_]:
        """``values > threshold`` per partition and channel, thresholds given per (well, channel).

        A NaN threshold (no target in that channel) gives False. Uniform thresholds are
        compared as scalars, so the common case needs no per-partition gather.
        """
        out = np.zeros(self.values.shape, dtype=bool)
        for channel in range(self.values.shape[1]):
            column = thresholds[:, channel]
            finite = np.isfinite(column)
            if not finite.any():
                continue
            if np.all(column[finite] == column[finite][0]):
                np.greater(self.values[:, channel], column[finite][0], out=out[:, channel])
                if not finite.all():
                    out[:, channel] &= self.spread(finite)
            else:
                with np.errstate(invalid="ignore"):
                    np.greater(self.values[:, channel], self.spread(column.astype(np.float32)), out=out[:, channel])
        return out


def _channel_of(dataset: Dataset, target: str) -> str:
    try:
        return dataset.target(target).dye_id
    except KeyError:
        return target


def plate_matrix(dataset: Dataset, run: Run) -> PlateMatrix:
    """Stack the amplitude wells of ``run`` (count-only wells are left out)."""
    wells = tuple(w for w in run.partitions if w.amplitudes is not None)
    channels = tuple(dict.fromkeys(_channel_of(dataset, t) for w in wells for t in w.targets))
    sizes = np.array([w.n_partitions for w in wells], dtype=np.int64)
    total = int(sizes.sum())
    values = np.full((total, len(channels)), np.nan, dtype=np.float32)
    excluded = np.zeros(total, dtype=bool)
    has_channel = np.zeros((len(wells), len(channels)), dtype=bool)
    start = 0
    for index, well in enumerate(wells):
        assert well.amplitudes is not None
        stop = start + well.n_partitions
        columns = [channels.index(_channel_of(dataset, t)) for t in well.targets]
        values[start:stop, columns] = well.amplitudes
        has_channel[index, columns] = True
        if well.calls is not None:
            excluded[start:stop] = np.any(well.calls == PartitionCall.EXCLUDED, axis=1)
        start = stop
    well_ids = np.repeat(np.arange(len(wells), dtype=np.int32), sizes)
    missing = np.isnan(values) & has_channel[well_ids]
    valid = ~(excluded | missing.any(axis=1))
    return PlateMatrix(wells, channels, values, well_ids, valid, has_channel, sizes)


def default_layout(dataset: Dataset, run: Run) -> list[LayoutRow]:
    """One layout row per well and target as the file names them (channel = the target's dye)."""
    rows = []
    for well in run.partitions:
        samples = [s for s in dataset.samples if s.id == well.sample_id]
        names = well.targets or tuple(c.target_id for c in well.counts)
        for target in names:
            sample_type = samples[0].type_for(target) if samples else SampleType.UNKNOWN
            rows.append(LayoutRow(well.well.label, target, _channel_of(dataset, target), sample=well.sample_id,
                                  sample_type=sample_type))
    return rows
