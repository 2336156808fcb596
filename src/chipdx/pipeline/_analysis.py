"""Analyse and interpret a dataset: the steps after reading, composed once.

qPCR runs -> curve analysis (Cq, efficiency, N0, flags) and melt analysis -> locked curve
classifier; dPCR wells -> the dPCR engine; with an assay -> the decision table over the
assay's targets. ``chipdx interpret``, ``report``, ``demo``, the service and batch all
come through here, so they give the same answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from chipdx.analysis.dpcr import DpcrSettings
from chipdx.analysis.dpcr import analyze as analyze_dpcr
from chipdx.analysis.qpcr import analyze_run, reaction_columns
from chipdx.analysis.qpcr.melt import analyze_melt, melt_peaks
from chipdx.analysis.qpcr.table import DETAIL_COLUMNS
from chipdx.interpret.assays import Assay, CqDefinition, require_assay_targets
from chipdx.interpret.model_store import DEFAULT_MODEL, LoadedModel, load_model
from chipdx.interpret.results import SampleResult
from chipdx.interpret.rules import Observation, interpret_observations
from chipdx.model import Dataset, Run
from chipdx.pipeline._cq import assay_cqs
from chipdx.pipeline._qpcr_run import QpcrRun
from chipdx.report import AssayInfo

__all__ = [
    "Analysis",
    "QpcrRun",
    "analyze_dataset",
    "assay_info",
    "assay_observations",
    "interpret_dataset",
    "qpcr_observations",
]


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
        """All qPCR reactions, one row each (the ``qpcr analyze --detailed`` columns, then the classifier's)."""
        frames = [q.table for q in self.qpcr]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _qpcr_run(dataset: Dataset, run: Run, model: LoadedModel) -> QpcrRun:
    curves, amplicons = analyze_run(dataset, run)
    columns = reaction_columns(dataset, run, curves, amplicons)
    table = pd.DataFrame({name: columns[name] for name in DETAIL_COLUMNS})
    table["amplified"] = table["amplified"].astype(bool)
    table.attrs.update(method=f"{curves.method}; {amplicons.method}", parameters=asdict(curves.parameters))
    _, amplicon_of = np.unique(np.asarray(table["target"], dtype=str), return_inverse=True)
    threshold = np.asarray(amplicons.log10_threshold)[amplicon_of.reshape(-1)]  # per amplicon -> per reaction
    calls = model.classifier.classify(run.fluorescence)
    table["p_amplified"] = calls.p_amplified
    table["curve_call"] = list(calls.call)
    table["curve_flags"] = [";".join(flags) for flags in calls.flags]
    if run.melt is None:
        return QpcrRun(run, table, curves.corrected, threshold, calls, None)
    melt = analyze_melt(run.melt.temperature_c, run.melt.fluorescence)
    table["tm"] = melt["tm"].to_numpy()
    temperature, derivative = melt_peaks(run.melt.temperature_c, run.melt.fluorescence)
    return QpcrRun(run, table, curves.corrected, threshold, calls, melt, temperature, derivative)


def analyze_dataset(dataset: Dataset, *, model_id: str = DEFAULT_MODEL,
                    dpcr_settings: DpcrSettings | None = None) -> Analysis:
    """Analyse every run: qPCR runs (with curve calls and melt) and dPCR wells (``dpcr_settings``:
    thresholds, interval method, the instrument's crosstalk calibration)."""
    model = load_model(model_id)
    qpcr = tuple(_qpcr_run(dataset, run, model) for run in dataset.runs
                 if run.reactions and run.amplification is not None)
    has_partitions = any(run.partitions for run in dataset.runs)
    dpcr = analyze_dpcr(dataset, settings=dpcr_settings) if has_partitions else None
    return Analysis(dataset, qpcr, dpcr, model)


def _value(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def qpcr_observations(analysis: Analysis, cq: CqDefinition | None = None) -> list[Observation]:
    """The decision table's inputs: one observation per reaction (and per dPCR well x target).

    ``cq`` is the Cq definition the assay's cut-offs use (default: the second-derivative maximum);
    each observation says which Cq it carries (``cq_method``).
    """
    observations = []
    for qpcr in analysis.qpcr:
        for row, value in zip(qpcr.table.itertuples(index=False), assay_cqs(qpcr, cq or CqDefinition()), strict=True):
            observations.append(Observation(
                str(row.sample), str(row.sample_type), str(row.target), value.cq,
                curve_call=str(row.curve_call), p_amplified=_value(row.p_amplified),
                flags=(*(f for f in str(row.flags).split(";") if f), *value.flags), well=str(row.well),
                tm_c=_value(row.tm) if "tm" in qpcr.table.columns else None, cq_method=value.method,
            ))
    if analysis.dpcr is not None:
        for row in analysis.dpcr.itertuples(index=False):
            observations.append(Observation(
                str(row.sample), str(row.sample_type), str(row.target), None,
                copies_per_ul=_value(row.copies_per_ul), n_partitions=int(str(row.n_total)),
                flags=tuple(f for f in str(row.flags).split(";") if f), well=str(row.well),
            ))
    return observations


def assay_observations(analysis: Analysis, assay: Assay) -> list[Observation]:
    """The observations of the assay's targets only (``chipdx interpret``, ``report`` and ``demo`` share this)."""
    targets = {t.name for t in assay.targets}
    return [o for o in qpcr_observations(analysis, assay.cq) if o.target in targets]


def interpret_dataset(analysis: Analysis, assay: Assay, *, require_controls: bool = True) -> Analysis:
    """Apply ``assay`` to an analysed dataset; returns the analysis with its sample results.

    Only reactions of the assay's targets are interpreted: other runs in the dataset (a dPCR
    plate, a melt plate) are reported but not called with this assay's table. A target of the
    assay that the dataset never measured raises :class:`~chipdx.errors.UnsupportedError`
    naming both sides (:func:`~chipdx.interpret.assays.require_assay_targets`).
    """
    every = qpcr_observations(analysis, assay.cq)
    source = analysis.dataset.provenance.source if analysis.dataset.provenance is not None else "the data"
    require_assay_targets(assay, (o.target for o in every), source)
    names = {t.name for t in assay.targets}
    observations = [o for o in every if o.target in names]
    results = interpret_observations(observations, assay, require_controls=require_controls,
                                     model_id=analysis.model.model_id, model_sha256=analysis.model.sha256)
    return Analysis(analysis.dataset, analysis.qpcr, analysis.dpcr, analysis.model, assay, results)


def assay_info(analysis: Analysis) -> AssayInfo | None:
    """What the report says about the decision table and classifier used."""
    if analysis.assay is None:
        return None
    windows = tuple((t.name, t.cutoff.melt_window_c) for t in analysis.assay.targets
                    if t.cutoff.melt_window_c is not None)
    assay = analysis.assay
    return AssayInfo(assay.ruleset_id, assay.sha256, assay.title, analysis.model.model_id, analysis.model.sha256,
                     windows, assay.cq.describe() if assay.kind == "qpcr" else "")
