"""The report's reaction table shows the classifier's artefact flags beside the engine's QC flags."""

from __future__ import annotations

import dataclasses

import numpy as np

from chipdx.model import AmplificationCurves
from chipdx.pipeline import analyze_dataset
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


def test_reaction_table_joins_engine_and_classifier_flags() -> None:
    dataset, well = _with_spike()
    analysis = analyze_dataset(dataset)  # type: ignore[arg-type]
    report = build_report(analysis.dataset, qpcr=[q.for_report() for q in analysis.qpcr])
    table = next(t for t in report.tables if t.title.startswith("qPCR reactions"))
    target = table.columns.index("target")
    shown = {(row[0], row[target]): row[table.columns.index("flags")].split("; ") for row in table.rows}
    reactions = analysis.qpcr[0].table
    classifier_only = 0
    for key, engine, curve in zip(zip(reactions["well"], reactions["target"], strict=True), reactions["flags"],
                                  reactions["curve_flags"], strict=True):
        engine_codes, curve_codes = [c for c in engine.split(";") if c], [c for c in curve.split(";") if c]
        assert [c for c in shown[key] if c] == list(dict.fromkeys(engine_codes + curve_codes))
        classifier_only += bool(set(curve_codes) - set(engine_codes))
    assert classifier_only > 0  # the simulated plate has late rises, drifts or hooks only the classifier flags
    assert shown[(well, str(reactions["target"][0]))].count("QC-SPIKE") == 1  # found by both, listed once
    notes = {n.code: n.meaning for n in report.flags}
    for code in ("QC-LATE-RISE", "QC-DRIFT", "QC-HOOK", "QC-OOD"):
        if code in notes:
            assert "see docs" not in notes[code], code
