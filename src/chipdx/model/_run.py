"""Reactions, runs and datasets: how the records fit together."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from chipdx.model._curves import AmplificationCurves, MeltCurves
from chipdx.model._partitions import WellPartitions
from chipdx.model._plate import PlateFormat, Well
from chipdx.model._sample import Sample
from chipdx.model._target import Dye, Target

__all__ = [
    "CqMethod",
    "Dataset",
    "Provenance",
    "Reaction",
    "ReportedResult",
    "Run",
    "Software",
]


class CqMethod(StrEnum):
    """How the source determined its Cq values (RDML ``cqDetectionMethod``)."""

    AUTOMATED_THRESHOLD = "automated threshold and baseline settings"
    MANUAL_THRESHOLD = "manual threshold and baseline settings"
    SECOND_DERIVATIVE_MAXIMUM = "second derivative maximum"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ReportedResult:
    """Values the source file reports for a reaction (an instrument's own Cq, say).

    These are inputs, kept so that nothing read is lost; chipdx's own analysis
    results never overwrite them. ``None`` means the file gives no value.
    ``quantification_fluorescence`` is the threshold the instrument's Cq was read at
    (RDML ``quantFluor``); ``baseline_start`` and ``baseline_end`` the first and last
    cycle of the instrument's baseline window (QuantStudio ``Baseline Start/End``; RDML
    has no element for them).
    """

    cq: float | None = None
    n0: float | None = None
    efficiency: float | None = None
    efficiency_se: float | None = None
    efficiency_method: str | None = None
    corrected_cq: float | None = None
    correction_factor: float | None = None
    correction_p: float | None = None
    melt_temperature_c: float | None = None
    end_point: float | None = None
    background_fluorescence: float | None = None
    background_slope: float | None = None
    quantification_fluorescence: float | None = None
    baseline_start: float | None = None
    baseline_end: float | None = None
    excluded: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Reaction:
    """One target read in one well: a row of the run's curve matrices."""

    well: Well
    sample_id: str
    target_id: str
    reported: ReportedResult = field(default_factory=ReportedResult)


@dataclass(frozen=True, slots=True)
class Software:
    """The software that collected or analysed the data."""

    name: str
    version: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Run:
    """One plate, rotor or chip run.

    ``reactions[i]`` is described by row ``i`` of ``amplification`` and ``melt``.
    dPCR wells are in ``partitions``. ``source`` is the file the run was read from when
    several files are analysed together (tables then carry it as their ``file`` column).

    Examples
    --------
    >>> plate = PlateFormat(8, 12)
    >>> run = Run("run1", plate, (Reaction(plate.parse("A1"), "S1", "N1"),),
    ...           amplification=AmplificationCurves(np.arange(1.0, 41.0), np.ones((1, 40))))
    >>> run.fluorescence.shape
    (1, 40)
    """

    id: str
    plate: PlateFormat
    reactions: tuple[Reaction, ...] = ()
    amplification: AmplificationCurves | None = None
    melt: MeltCurves | None = None
    partitions: tuple[WellPartitions, ...] = ()
    experiment_id: str = "experiment"
    description: str | None = None
    instrument: str | None = None
    software: Software | None = None
    background_method: str | None = None
    cq_method: CqMethod | None = None
    run_date: dt.datetime | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a run id must not be empty")
        n = len(self.reactions)
        for name, curves in (("amplification", self.amplification), ("melt", self.melt)):
            if curves is not None and curves.n_reactions != n:
                raise ValueError(f"run {self.id!r}: {name} has {curves.n_reactions} rows for {n} reactions")
        seen = Counter((r.well.index, r.target_id) for r in self.reactions)
        twice = [key for key, count in seen.items() if count > 1]
        if twice:
            raise ValueError(f"run {self.id!r}: well {twice[0][0]} holds target {twice[0][1]!r} twice")
        for well in [r.well for r in self.reactions] + [p.well for p in self.partitions]:
            if well.index > self.plate.size:
                raise ValueError(f"run {self.id!r}: well {well.label} is outside the plate")

    @property
    def fluorescence(self) -> NDArray[np.float64]:
        """Amplification data as one ``(reactions x cycles)`` matrix (empty if none)."""
        if self.amplification is None:
            return np.empty((len(self.reactions), 0))
        return self.amplification.fluorescence

    @property
    def cycles(self) -> NDArray[np.float64]:
        """Cycle numbers of the columns of :attr:`fluorescence`."""
        if self.amplification is None:
            return np.empty(0)
        return self.amplification.cycles


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a dataset came from: enough to find and verify the source again."""

    source: str
    format: str
    format_version: str = ""
    sha256: str = ""
    simulated: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Dataset:
    """Everything read from one source: runs plus the records they refer to.

    Every sample, target and dye a run refers to is declared here; the
    constructor checks it.
    """

    runs: tuple[Run, ...]
    samples: tuple[Sample, ...] = ()
    targets: tuple[Target, ...] = ()
    dyes: tuple[Dye, ...] = ()
    provenance: Provenance | None = None

    def __post_init__(self) -> None:
        for kind, records in (("sample", self.samples), ("target", self.targets), ("dye", self.dyes)):
            ids = Counter(record.id for record in records)
            twice = [key for key, count in ids.items() if count > 1]
            if twice:
                raise ValueError(f"{kind} {twice[0]!r} is declared twice")
        run_ids = Counter((run.experiment_id, run.id) for run in self.runs)
        if any(count > 1 for count in run_ids.values()):
            raise ValueError("two runs share an experiment and run id")
        problem = self.first_undeclared_reference()
        if problem:
            raise ValueError(problem)

    def first_undeclared_reference(self) -> str | None:
        """Describe the first reference to an undeclared record, or ``None`` if all resolve."""
        samples = {s.id for s in self.samples}
        targets = {t.id for t in self.targets}
        dyes = {d.id for d in self.dyes}
        for target in self.targets:
            if target.dye_id not in dyes:
                return f"target {target.id!r} refers to undeclared dye {target.dye_id!r}"
        for run in self.runs:
            for reaction in run.reactions:
                if reaction.sample_id not in samples:
                    return f"run {run.id!r} well {reaction.well.label}: undeclared sample {reaction.sample_id!r}"
                if reaction.target_id not in targets:
                    return f"run {run.id!r} well {reaction.well.label}: undeclared target {reaction.target_id!r}"
            for well in run.partitions:
                if well.sample_id not in samples:
                    return f"run {run.id!r} well {well.well.label}: undeclared sample {well.sample_id!r}"
                for target_id in (*well.targets, *(c.target_id for c in well.counts)):
                    if target_id not in targets:
                        return f"run {run.id!r} well {well.well.label}: undeclared target {target_id!r}"
        return None

    def sample(self, sample_id: str) -> Sample:
        """The sample with this id (``KeyError`` if none)."""
        for sample in self.samples:
            if sample.id == sample_id:
                return sample
        raise KeyError(sample_id)

    def target(self, target_id: str) -> Target:
        """The target with this id (``KeyError`` if none)."""
        for target in self.targets:
            if target.id == target_id:
                return target
        raise KeyError(target_id)

    def dye(self, dye_id: str) -> Dye:
        """The dye with this id (``KeyError`` if none)."""
        for dye in self.dyes:
            if dye.id == dye_id:
                return dye
        raise KeyError(dye_id)

    @property
    def n_reactions(self) -> int:
        """Reactions over all runs."""
        return sum(len(run.reactions) for run in self.runs)
