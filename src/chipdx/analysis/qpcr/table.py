"""Whole datasets in, result tables out: the qPCR engine as users call it.

:func:`analyze` returns one row per reaction with the SPEC §7 columns;
:func:`analyze_detailed` adds every intermediate value. Both carry the method and
parameters in ``DataFrame.attrs``. :func:`analyze_columns` gives the detailed table as
plain arrays (no pandas), for callers that only write it out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from chipdx.analysis.qpcr.amplicon import AMPLICON_METHOD, AmpliconAnalysis, analyze_amplicons
from chipdx.analysis.qpcr.copies import copies_from_n0
from chipdx.analysis.qpcr.curves import CURVE_METHOD, CurveAnalysis, CurveParameters, analyze_curves
from chipdx.analysis.qpcr.flags import QcFlag, decode
from chipdx.model import Dataset, QuantityUnit, Run, SampleType

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "DETAIL_COLUMNS", "NEGATIVE_CONTROLS", "REPORTED_COLUMNS", "analyze", "analyze_columns",
           "analyze_detailed", "analyze_run", "reaction_columns"]

COLUMNS = ("run", "well", "sample", "sample_type", "quantity", "target", "dye", "cq", "efficiency", "n0",
           "amplified", "flags")
#: :data:`COLUMNS` with the source file's own Cq next to chipdx's (for files that hold no curves)
REPORTED_COLUMNS = (*COLUMNS[:COLUMNS.index("cq") + 1], "instrument_cq", *COLUMNS[COLUMNS.index("cq") + 1:])
DETAIL_COLUMNS = (*REPORTED_COLUMNS, "ncopy", "cq_threshold",
                  "cq_first_derivative", "cq_cy0", "amplicon_efficiency", "window_efficiency", "baseline",
                  "baseline_slope", "amplitude", "noise")
NEGATIVE_CONTROLS = frozenset({SampleType.NTC, SampleType.NO_AMPLIFICATION_CONTROL,
                               SampleType.NO_TARGET_PRESENT, SampleType.NO_REVERSE_TRANSCRIPTION})
_NOT_IN_MEAN = NEGATIVE_CONTROLS | {SampleType.OPTICAL_CALIBRATOR}


def _codes(values: list[str]) -> NDArray[np.int64]:
    _, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).reshape(-1)


def analyze_run(dataset: Dataset, run: Run, *, parameters: CurveParameters | None = None) -> tuple[
        CurveAnalysis, AmpliconAnalysis]:
    """Curve and amplicon analysis of one run (reactions in the run's order)."""
    types = [dataset.sample(r.sample_id).type_for(r.target_id) for r in run.reactions]
    curves = analyze_curves(run.fluorescence, run.cycles, parameters=parameters)
    targets = [r.target_id for r in run.reactions]
    negative = np.array([t in NEGATIVE_CONTROLS for t in types], dtype=bool)
    excluded = np.array([t in _NOT_IN_MEAN for t in types], dtype=bool)
    replicates = _codes([f"{r.sample_id}\x00{r.target_id}" for r in run.reactions])
    amplicons = analyze_amplicons(curves, _codes(targets), controls=excluded, replicates=replicates)
    if (excluded & ~negative).any():  # optical calibrators: left out of the mean, but not negative controls
        wrong = np.uint32(QcFlag.NTC_AMPLIFICATION.bit)
        fixed = np.where(excluded & ~negative, amplicons.flags & ~wrong, amplicons.flags).astype(np.uint32)
        amplicons = dataclasses.replace(amplicons, flags=fixed)
    return curves, amplicons


def reaction_columns(dataset: Dataset, run: Run, curves: CurveAnalysis, amplicons: AmpliconAnalysis) -> dict[
        str, NDArray[np.generic]]:
    """The :data:`DETAIL_COLUMNS` of one run's reactions from its curve and amplicon analysis (text as objects)."""
    samples = {s.id: s for s in dataset.samples}
    dyes = {t.id: t.dye_id for t in dataset.targets}
    reaction_samples = [samples[r.sample_id] for r in run.reactions]
    bits = curves.flags | amplicons.flags
    quantity = np.array([s.quantity.value if s.quantity is not None else np.nan for s in reaction_samples], dtype=float)
    standard = np.array([s.type_for(r.target_id) == SampleType.STANDARD and s.quantity is not None and
                         s.quantity.unit == QuantityUnit.COPIES
                         for s, r in zip(reaction_samples, run.reactions, strict=True)], dtype=bool)
    standard &= curves.amplified & ((bits & _NOT_A_CALIBRATOR) == 0)
    columns: dict[str, object] = {
        "run": [run.id] * len(run.reactions),
        "well": [r.well.label for r in run.reactions],
        "sample": [r.sample_id for r in run.reactions],
        "sample_type": [s.type_for(r.target_id).value for s, r in zip(reaction_samples, run.reactions, strict=True)],
        "quantity": quantity,
        "target": [r.target_id for r in run.reactions],
        "dye": [dyes[r.target_id] for r in run.reactions],
        "cq": curves.cq,
        "instrument_cq": np.array([np.nan if r.reported.cq is None else r.reported.cq for r in run.reactions],
                                  dtype=float),
        "efficiency": curves.efficiency,
        "n0": amplicons.n0,
        "amplified": curves.amplified,
        "flags": [";".join(codes) for codes in decode(bits)],
        "ncopy": copies_from_n0(amplicons.n0, quantity, standard=standard, groups=_codes(
            [r.target_id for r in run.reactions])),
        "cq_threshold": amplicons.cq_threshold,
        "cq_first_derivative": curves.cq_first_derivative,
        "cq_cy0": curves.cq_cy0,
        "amplicon_efficiency": amplicons.efficiency_used,
        "window_efficiency": curves.window_efficiency,
        "baseline": curves.baseline,
        "baseline_slope": curves.baseline_slope,
        "amplitude": curves.amplitude,
        "noise": curves.noise,
    }
    return {name: np.asarray(values, dtype=object if name in _TEXT else None) for name, values in columns.items()}


_NOT_A_CALIBRATOR = np.uint32(QcFlag.REPLICATE_OUTLIER.bit | QcFlag.EFFICIENCY_OUTLIER.bit |
                              QcFlag.KINETIC_OUTLIER.bit)
_TEXT = frozenset({"run", "well", "sample", "sample_type", "target", "dye", "flags"})


def analyze_columns(dataset: Dataset, *, parameters: CurveParameters | None = None) -> dict[str, NDArray[
        np.generic]]:
    """The :data:`DETAIL_COLUMNS` of every reaction of every run as arrays (text columns as objects)."""
    parts = [reaction_columns(dataset, run, *analyze_run(dataset, run, parameters=parameters))
             for run in dataset.runs if run.reactions]
    if not parts:
        return {name: np.empty(0, dtype=object if name in _TEXT else np.float64) for name in DETAIL_COLUMNS}
    return {name: np.concatenate([part[name] for part in parts]) for name in DETAIL_COLUMNS}


def analyze_detailed(dataset: Dataset, *, parameters: CurveParameters | None = None) -> pd.DataFrame:
    """One row per reaction of every run: the SPEC §7 columns plus intermediate values.

    Extra columns: ``instrument_cq`` (the Cq the source file reports, next to chipdx's own
    ``cq``; ``NaN`` when it reports none), ``ncopy`` (copies from N0, calibrated on the run's standards of the same
    target, :func:`~chipdx.analysis.qpcr.copies.copies_from_n0`; ``NaN`` without standards),
    ``cq_threshold`` (LinRegPCR-style threshold Cq), ``cq_first_derivative``,
    ``cq_cy0`` (Guescini's Cy0, the point N0 is computed from),
    ``amplicon_efficiency`` (the mean used for N0), ``window_efficiency`` (LinRegPCR's, before the
    correction to the reaction start), ``baseline`` and ``baseline_slope`` (background =
    baseline + slope x column), ``amplitude``, ``noise``.
    """
    import pandas as pd

    parameters = parameters or CurveParameters()
    frame = pd.DataFrame(analyze_columns(dataset, parameters=parameters), columns=list(DETAIL_COLUMNS))
    frame["amplified"] = frame["amplified"].astype(bool)
    frame.attrs["method"] = f"{CURVE_METHOD}; {AMPLICON_METHOD}"
    frame.attrs["parameters"] = asdict(parameters)
    return frame


def analyze(dataset: Dataset, *, parameters: CurveParameters | None = None) -> pd.DataFrame:
    """One row per reaction with exactly the SPEC §7 columns.

    ``cq`` is the second-derivative-maximum Cq (``NaN`` when not amplified),
    ``efficiency`` the reaction's own initial efficiency (fold per cycle, 2 = 100 %),
    ``n0`` the starting fluorescence from the amplicon's mean efficiency, ``flags`` the
    ``;``-joined QC codes.

    Examples
    --------
    >>> from chipdx.model import AmplificationCurves, Dataset, Dye, PlateFormat, Reaction, Run, Sample, Target
    >>> c = np.arange(1.0, 41.0)
    >>> plate = PlateFormat(8, 12)
    >>> run = Run("r", plate, (Reaction(plate.parse("A1"), "S", "T"),), amplification=AmplificationCurves(
    ...     c, [100 + 1e4 / (1 + np.exp(-(c - 25) / 1.5))]))
    >>> data = Dataset((run,), samples=(Sample("S"),), targets=(Target("T", "SYBR"),), dyes=(Dye("SYBR"),))
    >>> list(analyze(data).columns) == list(COLUMNS)
    True
    """
    detailed = analyze_detailed(dataset, parameters=parameters)
    frame = detailed.loc[:, list(COLUMNS)].copy()
    frame.attrs = dict(detailed.attrs)
    return frame
