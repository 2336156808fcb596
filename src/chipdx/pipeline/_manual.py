"""Reviewer-set analysis settings: wells left out, and a manual threshold or baseline per target.

Instrument software lets a reviewer exclude a well and replace the automatic baseline window and
threshold of a target (CFX Maestro "baseline cycles" and "single threshold", QuantStudio "manual
threshold"); the run is then analysed again. Excluded wells are removed before the analysis, so
they take part in nothing (amplicon efficiency, replicate outliers, interpretation). A manual
threshold or baseline recomputes the Cq of that target's reactions with
:func:`chipdx.pipeline._cq.threshold_cqs` (the reading an assay's own thresholds use too) and
marks them ``QC-MANUAL-THRESHOLD`` /
``QC-MANUAL-BASELINE`` in ``flags``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from chipdx.errors import ValidationError, close_names
from chipdx.model import Dataset, Run
from chipdx.pipeline._analysis import Analysis, QpcrRun, analyze_dataset
from chipdx.pipeline._cq import threshold_cqs

__all__ = ["ManualSettings", "analyze_with_settings", "apply_manual", "exclude_wells", "keep_reactions"]


@dataclass(frozen=True, slots=True)
class ManualSettings:
    """Wells left out (labels such as ``A1``), thresholds (baseline-subtracted fluorescence) and baseline
    windows ``(first, last)`` in cycle numbers, per target name."""

    excluded_wells: frozenset[str] = frozenset()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    baselines: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.excluded_wells or self.thresholds or self.baselines)


def _run_without(run: Run, excluded: frozenset[str]) -> Run:
    keep = [i for i, r in enumerate(run.reactions) if r.well.label not in excluded]
    partitions = tuple(p for p in run.partitions if p.well.label not in excluded)
    if len(keep) == len(run.reactions) and len(partitions) == len(run.partitions):
        return run
    return dataclasses.replace(keep_reactions(run, keep), partitions=partitions)


def keep_reactions(run: Run, keep: list[int]) -> Run:
    """``run`` with only the reactions at indices ``keep`` (and their rows of the curve matrices)."""
    amplification = run.amplification
    if amplification is not None:
        temperature = amplification.temperature_c
        amplification = dataclasses.replace(amplification, fluorescence=amplification.fluorescence[keep],
                                            temperature_c=None if temperature is None else temperature[keep])
    melt = run.melt
    if melt is not None:
        melt = dataclasses.replace(melt, temperature_c=melt.temperature_c[keep], fluorescence=melt.fluorescence[keep])
    return dataclasses.replace(run, reactions=tuple(run.reactions[i] for i in keep), amplification=amplification,
                               melt=melt)


def exclude_wells(dataset: Dataset, wells: frozenset[str]) -> Dataset:
    """``dataset`` without the reactions and dPCR wells at ``wells`` (in every run)."""
    if not wells:
        return dataset
    return dataclasses.replace(dataset, runs=tuple(_run_without(run, wells) for run in dataset.runs))


def _hint(name: str, targets: list[str]) -> str:
    close = close_names(name, targets)
    return (f" (did you mean {', '.join(close)}?)" if close else "") + (
        f"; the data have: {', '.join(targets)}" if targets else "; the data have no qPCR curves")


def _check(settings: ManualSettings, analysis: Analysis) -> None:
    targets = list(dict.fromkeys(str(t) for q in analysis.qpcr for t in q.table["target"]))
    source = analysis.dataset.provenance.source if analysis.dataset.provenance else "(dataset)"
    problems = [f"target {name!r}: no qPCR reaction of that target" + _hint(name, targets)
                for name in sorted(set(settings.thresholds) | set(settings.baselines)) if name not in targets]
    problems += [f"target {name!r}: threshold must be a positive number, found {value}"
                 for name, value in settings.thresholds.items() if not (math.isfinite(value) and value > 0)]
    problems += [f"target {name!r}: baseline cycles must satisfy 1 <= first < last, found {first}-{last}"
                 for name, (first, last) in settings.baselines.items() if not 1 <= first < last]
    if problems:
        raise ValidationError(source, problems)


def _manual_run(qpcr: QpcrRun, settings: ManualSettings) -> QpcrRun:
    table = qpcr.table.copy()
    cq, corrected, log_threshold = threshold_cqs(qpcr, settings.thresholds, settings.baselines)
    targets = np.asarray(table["target"], dtype=str)
    for target in sorted(set(settings.thresholds) | set(settings.baselines)):
        rows = targets == target
        if not rows.any():
            continue
        table.loc[rows, "cq"] = cq[rows]
        table.loc[rows, "amplified"] = ~np.isnan(cq[rows])
        codes = [c for c, on in (("QC-MANUAL-BASELINE", target in settings.baselines),
                                 ("QC-MANUAL-THRESHOLD", target in settings.thresholds)) if on]
        table.loc[rows, "flags"] = [";".join([*(f for f in str(old).split(";") if f), *codes])
                                    for old in table.loc[rows, "flags"]]
    table["amplified"] = table["amplified"].astype(bool)
    return dataclasses.replace(qpcr, table=table, corrected=corrected, log10_threshold=log_threshold)


def apply_manual(analysis: Analysis, settings: ManualSettings) -> Analysis:
    """``analysis`` with the manual thresholds and baselines applied to its qPCR runs (validated first)."""
    if not (settings.thresholds or settings.baselines):
        return analysis
    _check(settings, analysis)
    return dataclasses.replace(analysis, qpcr=tuple(_manual_run(q, settings) for q in analysis.qpcr))


def analyze_with_settings(dataset: Dataset, settings: ManualSettings) -> Analysis:
    """:func:`~chipdx.pipeline.analyze_dataset` with the reviewer's settings: excluded wells left out first,
    then the manual thresholds and baselines applied."""
    return apply_manual(analyze_dataset(exclude_wells(dataset, settings.excluded_wells)), settings)
