"""What a report shows, as plain records: the renderers draw these and compute nothing.

A :class:`ReportData` is built from a run and its analysis and interpretation results
(see :mod:`chipdx.report._build`); the HTML and PDF renderers only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ChecklistItem",
    "ControlCheck",
    "CurvePanel",
    "DropletPanel",
    "FlagNote",
    "MeltPanel",
    "PlateCell",
    "PlateMap",
    "ReportData",
    "SampleAnswer",
    "StandardCurvePanel",
    "Table",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SampleAnswer:
    """What one specimen's result says, first thing on the page: the pathogens detected, in words."""

    sample: str
    result: str
    detected: tuple[str, ...]
    action: str
    findings: tuple[str, ...]
    review: str = ""


@dataclass(frozen=True, slots=True)
class ControlCheck:
    """One control sample: ``passed``, ``failed`` or ``review``, and why (each control rule in words)."""

    sample: str
    sample_type: str
    status: str
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class StandardCurvePanel:
    """A fitted standard curve of one run and target: ``cq = intercept + slope * log10(quantity)``.

    ``efficiency_pct`` is ``(10**(-1/slope) - 1) * 100``; ``log10_quantity`` and ``cq`` are the
    standards drawn (``NaN`` Cq = not amplified, not fitted).
    """

    run: str
    target: str
    slope: float
    intercept: float
    efficiency_pct: float
    r_squared: float
    n_points: int
    log10_quantity: FloatArray
    cq: FloatArray


@dataclass(frozen=True, slots=True)
class PlateCell:
    """One well on the plate map: what is in it and the call that colours it."""

    row: int
    column: int
    label: str
    sample: str
    call: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PlateMap:
    """The plate layout coloured by call; ``calls`` lists the legend in order."""

    rows: int
    columns: int
    cells: tuple[PlateCell, ...]
    calls: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CurvePanel:
    """Amplification curves of one target: one row per reaction.

    ``cq`` is ``NaN`` where no Cq was called; ``threshold`` is in the units of
    ``fluorescence`` (``None`` when the Cq method uses none).
    """

    target: str
    dye: str
    cycles: FloatArray
    fluorescence: FloatArray
    labels: tuple[str, ...]
    calls: tuple[str, ...]
    cq: FloatArray
    threshold: float | None = None
    y_label: str = "fluorescence (baseline-corrected)"


@dataclass(frozen=True, slots=True, eq=False)
class MeltPanel:
    """Melt peaks (-dF/dT against temperature) of one target, with its Tm window."""

    target: str
    temperature_c: FloatArray
    derivative: FloatArray
    labels: tuple[str, ...]
    tm_c: FloatArray
    window_c: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class DropletPanel:
    """Partitions of one dPCR well: amplitudes, positive calls and rain per channel, thresholds.

    ``amplitudes``, ``positive`` and ``rain`` have shape ``(partitions, channels)``.
    """

    well: str
    sample: str
    channels: tuple[str, ...]
    amplitudes: NDArray[np.float32]
    positive: NDArray[np.bool_]
    rain: NDArray[np.bool_]
    thresholds: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table of strings (numbers already formatted by the builder)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class FlagNote:
    """A QC flag or reason code found in the run, explained in words."""

    code: str
    meaning: str
    count: int


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One MIQE/dMIQE item: whether the data show it, and why not."""

    guideline: str
    item: str
    status: str
    note: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class ReportData:
    """Everything a run report shows, in reading order."""

    title: str
    summary: tuple[tuple[str, str], ...]
    provenance: tuple[tuple[str, str], ...]
    answers: tuple[SampleAnswer, ...] = ()
    controls: tuple[ControlCheck, ...] = ()
    plate: PlateMap | None = None
    curves: tuple[CurvePanel, ...] = ()
    melts: tuple[MeltPanel, ...] = ()
    standard_curves: tuple[StandardCurvePanel, ...] = ()
    droplets: tuple[DropletPanel, ...] = ()
    tables: tuple[Table, ...] = ()
    flags: tuple[FlagNote, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    simulated: bool = False
    generated_at: str = ""
