"""The report's reaction table shows the classifier's artefact flags beside the engine's QC flags."""

from __future__ import annotations

import dataclasses

import numpy as np

from chipdx.cli._pipeline import analyze_dataset
from chipdx.model import AmplificationCurves
from chipdx.report import build_report
from chipdx.sim import default_design, simulate_qpcr


def _with_spike(seed: int = 3) -> tuple[object, str]:
    rng = np.random.default_rng(seed)
    dataset, _ = simulate_qpcr(default_design(rng=rng), rng=rng)
    run = dataset.runs[0]
    fluorescence = np.array(run.amplification.fluorescence)  # type: ignore[union-attr]
    span = np.nanmax(fluorescence) - np.nanmin(fluorescence)
    fluorescence[0, 10] += span  # one reading leaps by the whole plate's range: an optical glitch
    curves = AmplificationCurves(run.amplification.cycles, fluorescence)  # type: ignore[union-attr]
    spiked = dataclasses.replace(run, amplification=curves)
    return dataclasses.replace(dataset, runs=(spiked, *dataset.runs[1:])), run.reactions[0].well.label


def test_spiked_curve_shows_the_classifier_flag_with_its_meaning() -> None:
    dataset, well = _with_spike()
    analysis = analyze_dataset(dataset)  # type: ignore[arg-type]
    report = build_report(analysis.dataset, qpcr=[q.for_report() for q in analysis.qpcr])
    table = next(t for t in report.tables if t.title.startswith("qPCR reactions"))
    flags = table.columns.index("flags")
    row = next(r for r in table.rows if r[0] == well)
    codes = row[flags].split("; ")
    assert {"QC-SPIKE", "QC-OOD"} <= set(codes)  # QC-OOD comes only from the classifier
    assert len(codes) == len(set(codes))  # QC-SPIKE, found by both, is listed once
    notes = {n.code: n.meaning for n in report.flags}
    assert "training distribution" in notes["QC-OOD"]
