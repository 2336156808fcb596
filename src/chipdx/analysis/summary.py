"""What a run holds, in numbers a person checks first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from chipdx.model import Dataset, Run

__all__ = ["RunSummary", "summarise"]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Counts and ranges describing one run.

    ``reactions_by_sample_type`` maps an RDML sample type code to its reaction count.
    The ``reported_*`` fields describe what the instrument reported: the range of its Cq
    values, its threshold range per target and its baseline window (first start, last end
    cycle); ``None`` or empty when the file gives none.
    """

    run_id: str
    experiment_id: str
    plate: str
    n_wells: int
    n_reactions: int
    n_cycles: int
    first_cycle: float | None
    last_cycle: float | None
    n_melt_curves: int
    n_partition_wells: int
    n_partitions: int
    targets: tuple[tuple[str, str], ...]
    reactions_by_sample_type: tuple[tuple[str, int], ...]
    n_reported_cq: int
    reported_cq_range: tuple[float, float] | None = None
    reported_thresholds: tuple[tuple[str, float, float], ...] = ()
    reported_baseline: tuple[float, float] | None = None


def _span(values: list[float | None]) -> tuple[float, float] | None:
    known = [v for v in values if v is not None]
    return (min(known), max(known)) if known else None


def _thresholds(run: Run) -> tuple[tuple[str, float, float], ...]:
    """The instrument's threshold range per target, for targets that report one."""
    found = []
    for target in dict.fromkeys(r.target_id for r in run.reactions):
        span = _span([r.reported.quantification_fluorescence for r in run.reactions if r.target_id == target])
        if span is not None:
            found.append((target, *span))
    return tuple(found)


def _baseline(run: Run) -> tuple[float, float] | None:
    starts = _span([r.reported.baseline_start for r in run.reactions])
    ends = _span([r.reported.baseline_end for r in run.reactions])
    return (starts[0], ends[1]) if starts and ends else None


def _summarise_run(dataset: Dataset, run: Run) -> RunSummary:
    wells = {r.well.index for r in run.reactions} | {p.well.index for p in run.partitions}
    target_ids = dict.fromkeys([r.target_id for r in run.reactions] +
                               [t for p in run.partitions for t in (*p.targets, *(c.target_id for c in p.counts))])
    targets = tuple((t, dataset.target(t).dye_id) for t in target_ids)
    types = Counter(dataset.sample(r.sample_id).type_for(r.target_id).value for r in run.reactions)
    melt = 0 if run.melt is None else int(np.sum(np.any(~np.isnan(run.melt.fluorescence), axis=1)))
    cycles = run.cycles
    return RunSummary(
        run_id=run.id,
        experiment_id=run.experiment_id,
        plate=f"{run.plate.rows}x{run.plate.columns}",
        n_wells=len(wells),
        n_reactions=len(run.reactions),
        n_cycles=int(cycles.size),
        first_cycle=float(cycles[0]) if cycles.size else None,
        last_cycle=float(cycles[-1]) if cycles.size else None,
        n_melt_curves=melt,
        n_partition_wells=len(run.partitions),
        n_partitions=sum(p.n_partitions for p in run.partitions),
        targets=targets,
        reactions_by_sample_type=tuple(sorted(types.items())),
        n_reported_cq=sum(r.reported.cq is not None for r in run.reactions),
        reported_cq_range=_span([r.reported.cq for r in run.reactions]),
        reported_thresholds=_thresholds(run),
        reported_baseline=_baseline(run),
    )


def summarise(dataset: Dataset) -> tuple[RunSummary, ...]:
    """One :class:`RunSummary` per run of ``dataset``.

    >>> from chipdx.model import Dataset
    >>> summarise(Dataset(()))
    ()
    """
    return tuple(_summarise_run(dataset, run) for run in dataset.runs)
