"""The one place where the service calls the analysis composition (read -> analyse -> classify ->
interpret -> report data) and turns its answer into plain records the store keeps.

Until ``chipdx.pipeline`` is on main this module calls today's composition in
:mod:`chipdx.cli._pipeline`; switching is a change of this file only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chipdx import io
from chipdx.model import Dataset, Run

__all__ = ["Outcome", "ReactionRecord", "RunSettings", "SampleRecord", "analyse_file", "check_file"]


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What reviewers set on a run: excluded wells, manual threshold and baseline per target."""

    excluded: frozenset[str] = frozenset()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    baselines: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReactionRecord:
    well: str
    sample: str
    target: str
    dye: str
    cq: float | None
    copies_per_ul: float | None
    call: str
    flags: str
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class SampleRecord:
    sample: str
    sample_type: str
    result: str
    action: str
    reason_codes: str
    rule_ids: str
    needs_review: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """One analysis of a run file, ready to store: records and the files offered for download."""

    format: str
    instrument: str
    simulated: bool
    reactions: tuple[ReactionRecord, ...]
    samples: tuple[SampleRecord, ...]
    files: Mapping[str, bytes]  # "csv", "report", "rdml" -> content


def check_file(path: Path, assay: str) -> Dataset:
    """Read ``path`` and load ``assay`` as the worker will; raises the reader's one-line error."""
    from chipdx.interpret.assays import load_assay

    load_assay(assay)
    dataset = io.read(path)
    if not any(run.reactions or run.partitions for run in dataset.runs):
        from chipdx.errors import FormatError

        raise FormatError(path.name, "", "a run with reactions", "no reactions")
    return dataset


def _without_wells(run: Run, excluded: frozenset[str]) -> Run:
    keep = [i for i, r in enumerate(run.reactions) if r.well.label not in excluded]
    if len(keep) == len(run.reactions):
        return run
    amplification = run.amplification
    if amplification is not None:
        temperature = amplification.temperature_c
        amplification = dataclasses.replace(
            amplification, fluorescence=amplification.fluorescence[keep],
            temperature_c=None if temperature is None else temperature[keep])
    melt = run.melt
    if melt is not None:
        melt = dataclasses.replace(melt, fluorescence=melt.fluorescence[keep])
    partitions = tuple(p for p in run.partitions if p.well.label not in excluded)
    return dataclasses.replace(run, reactions=tuple(run.reactions[i] for i in keep), amplification=amplification,
                               melt=melt, partitions=partitions)


def _manual(qpcr: Any, settings: RunSettings) -> Any:
    """Cq of the targets with a manual threshold or baseline, recomputed from the curves."""
    from chipdx.analysis.qpcr.manual import subtract_baseline, threshold_cq

    table = qpcr.table.copy()
    corrected = np.array(qpcr.corrected, dtype=float)
    log_threshold = np.array(qpcr.log10_threshold, dtype=float)
    targets = np.asarray(table["target"], dtype=str)
    for target in set(settings.thresholds) | set(settings.baselines):
        rows = targets == target
        if not rows.any():
            continue
        if target in settings.baselines:
            first, last = settings.baselines[target]
            corrected[rows] = subtract_baseline(qpcr.run.fluorescence[rows], qpcr.run.cycles, first, last)
        level = settings.thresholds.get(target, float(10 ** log_threshold[rows][0]))
        log_threshold[rows] = math.log10(level) if level > 0 else np.nan
        cq = threshold_cq(corrected[rows], qpcr.run.cycles, level)
        table.loc[rows, "cq"] = cq
        table.loc[rows, "amplified"] = ~np.isnan(cq)
        code = ";".join(c for c, on in (("MANUAL-BASELINE", target in settings.baselines),
                                        ("MANUAL-THRESHOLD", target in settings.thresholds)) if on)
        table.loc[rows, "flags"] = [";".join(f for f in (old, code) if f) for old in table.loc[rows, "flags"]]
    return dataclasses.replace(qpcr, table=table, corrected=corrected, log10_threshold=log_threshold)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _reactions(analysis: Any, excluded_wells: list[tuple[str, str, str]]) -> list[ReactionRecord]:
    calls = {(t.sample, t.target): t.call for r in analysis.results for t in r.targets}
    records = []
    table = analysis.reactions
    for row in table.itertuples(index=False):
        call = calls.get((str(row.sample), str(row.target)),
                         "amplified" if bool(row.amplified) else "not_amplified")
        codes = f"{row.flags};{getattr(row, 'curve_flags', '')}".split(";")
        flags = ";".join(dict.fromkeys(c for c in codes if c and c != "nan"))
        records.append(ReactionRecord(str(row.well), str(row.sample), str(row.target), str(row.dye),
                                      _number(row.cq) if bool(row.amplified) else None, None, call, flags))
    if analysis.dpcr is not None:
        for row in analysis.dpcr.itertuples(index=False):
            records.append(ReactionRecord(str(row.well), str(row.sample), str(row.target), str(row.channel), None,
                                          _number(row.copies_per_ul),
                                          calls.get((str(row.sample), str(row.target)), ""), str(row.flags or "")))
    records += [ReactionRecord(well, sample, target, "", None, None, "excluded", "", excluded=True)
                for well, sample, target in excluded_wells]
    return records


def _files(analysis: Any, work: Path) -> dict[str, bytes]:
    from chipdx.analysis.qpcr.table import COLUMNS
    from chipdx.cli._report import write_report

    files: dict[str, bytes] = {}
    table = analysis.reactions
    files["csv"] = table[[c for c in COLUMNS if c in table.columns]].to_csv(index=False).encode()
    report, rdml = work / "report.html", work / "run.rdml"
    write_report(analysis, report, title=f"chipdx run {analysis.dataset.provenance.source}")
    io.write(analysis.dataset, rdml)
    files["report"], files["rdml"] = report.read_bytes(), rdml.read_bytes()
    return files


def analyse_file(path: Path, assay_name: str, settings: RunSettings, work: Path) -> Outcome:
    """Analyse the stored run file ``path`` with ``assay_name`` and the reviewers' ``settings``."""
    from chipdx.cli._pipeline import analyze_dataset, interpret_dataset
    from chipdx.interpret.assays import load_assay

    dataset = io.read(path)
    excluded = [(r.well.label, r.sample_id, r.target_id) for run in dataset.runs for r in run.reactions
                if r.well.label in settings.excluded]
    dataset = dataclasses.replace(dataset, runs=tuple(_without_wells(run, settings.excluded) for run in dataset.runs))
    analysis = analyze_dataset(dataset)
    if settings.thresholds or settings.baselines:
        analysis = dataclasses.replace(analysis, qpcr=tuple(_manual(q, settings) for q in analysis.qpcr))
    analysis = interpret_dataset(analysis, load_assay(assay_name))
    samples = tuple(SampleRecord(r.sample, r.sample_type, r.result, r.action, ";".join(r.reason_codes),
                                 ";".join(r.rule_ids), r.needs_review) for r in analysis.results)
    provenance = dataset.provenance
    instrument = next((run.instrument for run in dataset.runs if run.instrument), "") or ""
    return Outcome(provenance.format if provenance else "", instrument, bool(provenance and provenance.simulated),
                   tuple(_reactions(analysis, excluded)), samples, _files(analysis, work))
