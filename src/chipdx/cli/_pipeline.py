"""The sample-to-answer pipeline, composed once for every command that needs it.

Run file -> qPCR analysis (Cq, efficiency, flags) and melt analysis -> locked curve
classifier -> assay decision table -> (report). dPCR wells go through the dPCR engine.
Only the adapters (``cli``, ``service``, ``batch``) compose layers; this module is where
the CLI does it, so ``interpret``, ``report`` and ``demo`` give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chipdx.analysis.dpcr import analyze as analyze_dpcr
from chipdx.analysis.qpcr import analyse_run, decode
from chipdx.analysis.qpcr.melt import analyse_melt
from chipdx.interpret.assays import Assay
from chipdx.interpret.classifier import CurveCalls
from chipdx.interpret.model_store import DEFAULT_MODEL, LoadedModel, load_model
from chipdx.interpret.results import SampleResult
from chipdx.interpret.rules import Observation, interpret_observations
from chipdx.model import Dataset, Run

__all__ = ["Analysis", "QpcrRun", "analyse_dataset", "interpret_dataset", "qpcr_observations"]


@dataclass(frozen=True, slots=True, eq=False)
class QpcrRun:
    """Everything computed for one qPCR run: reactions table, corrected curves, thresholds, calls, melt."""

    run: Run
    table: pd.DataFrame
    corrected: np.ndarray
    log10_threshold: np.ndarray
    curve_calls: CurveCalls
    melt: pd.DataFrame | None


@dataclass(frozen=True, slots=True, eq=False)
class Analysis:
    """A dataset analysed end to end: qPCR runs, dPCR wells and, with an assay, sample results."""

    dataset: Dataset
    qpcr: tuple[QpcrRun, ...]
    dpcr: pd.DataFrame | None
    model: LoadedModel
    assay: Assay | None = None
    results: tuple[SampleResult, ...] = field(default=())

    @property
    def reactions(self) -> pd.DataFrame:
        """All qPCR reactions, one row each (the ``qpcr analyze`` columns and more)."""
        frames = [q.table for q in self.qpcr]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _qpcr_run(dataset: Dataset, run: Run, model: LoadedModel) -> QpcrRun:
    curves, amplicons = analyse_run(dataset, run)
    samples = [dataset.sample(r.sample_id) for r in run.reactions]
    table = pd.DataFrame({
        "run": run.id,
        "well": [r.well.label for r in run.reactions],
        "sample": [r.sample_id for r in run.reactions],
        "sample_type": [s.type_for(r.target_id).value for s, r in zip(samples, run.reactions, strict=True)],
        "quantity": [s.quantity.value if s.quantity is not None else np.nan for s in samples],
        "target": [r.target_id for r in run.reactions],
        "dye": [dataset.target(r.target_id).dye_id for r in run.reactions],
        "cq": curves.cq,
        "efficiency": curves.efficiency,
        "n0": amplicons.n0,
        "amplified": curves.amplified,
        "flags": [";".join(codes) for codes in decode(curves.flags | amplicons.flags)],
    })
    calls = model.classifier.classify(run.fluorescence)
    table["p_amplified"] = calls.p_amplified
    table["curve_call"] = list(calls.call)
    melt = None
    if run.melt is not None:
        melt = analyse_melt(run.melt.temperature_c, run.melt.fluorescence)
        table["tm"] = melt["tm"].to_numpy()
    return QpcrRun(run, table, curves.corrected, amplicons.log10_threshold, calls, melt)


def analyse_dataset(dataset: Dataset, *, model_id: str = DEFAULT_MODEL) -> Analysis:
    """Analyse every run: qPCR runs (with curve calls and melt) and dPCR wells."""
    model = load_model(model_id)
    qpcr = tuple(_qpcr_run(dataset, run, model) for run in dataset.runs
                 if run.reactions and run.amplification is not None)
    dpcr = analyze_dpcr(dataset) if any(run.partitions for run in dataset.runs) else None
    return Analysis(dataset, qpcr, dpcr, model)


def _value(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def qpcr_observations(analysis: Analysis) -> list[Observation]:
    """The decision table's inputs: one observation per reaction (and per dPCR well x target)."""
    observations = []
    for qpcr in analysis.qpcr:
        for row in qpcr.table.itertuples(index=False):
            cq = _value(row.cq) if row.amplified else None
            observations.append(Observation(
                str(row.sample), str(row.sample_type), str(row.target), cq,
                curve_call=str(row.curve_call), p_amplified=_value(row.p_amplified),
                flags=tuple(f for f in str(row.flags).split(";") if f), well=str(row.well),
                tm_c=_value(row.tm) if "tm" in qpcr.table.columns else None,
            ))
    if analysis.dpcr is not None:
        for row in analysis.dpcr.itertuples(index=False):
            observations.append(Observation(
                str(row.sample), str(row.sample_type), str(row.target), None,
                copies_per_ul=_value(row.copies_per_ul), n_partitions=int(str(row.n_total)),
                flags=tuple(f for f in str(row.flags).split(";") if f), well=str(row.well),
            ))
    return observations


def interpret_dataset(analysis: Analysis, assay: Assay, *, require_controls: bool = True) -> Analysis:
    """Apply ``assay`` to an analysed dataset; returns the analysis with its sample results."""
    results = interpret_observations(qpcr_observations(analysis), assay, require_controls=require_controls,
                                     model_id=analysis.model.model_id, model_sha256=analysis.model.sha256)
    return Analysis(analysis.dataset, analysis.qpcr, analysis.dpcr, analysis.model, assay, results)
