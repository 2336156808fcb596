"""The report leads with the answer: pathogens detected per specimen, controls passed/failed and why, then
plots, then tables; a standard-curve section when standards exist; the checklist claims only what is shown."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from chipdx.interpret.assays import load_assay
from chipdx.interpret.rules import Observation, interpret_observations
from chipdx.model import Dataset
from chipdx.report import CurvePanel, ReportData, build_report, render_html
from chipdx.report._figures import CALL_COLOURS, amplification_svg

PANEL = ("FluA", "FluB", "SARS-CoV-2", "RNaseP")


def _results(ntc_flub: float | None = None) -> list:
    cqs = {"PC": (28.0, 28.0, 28.0, 28.0), "NTC": (None, ntc_flub, None, None), "EC": (None, None, None, 31.0),
           "S1": (25.0, None, 30.0, 27.0), "S2": (None, None, None, 26.0)}
    kinds = {"PC": "pos", "NTC": "ntc", "EC": "ext", "S1": "unkn", "S2": "unkn"}
    obs = [Observation(s, kinds[s], t, c) for s, values in cqs.items() for t, c in zip(PANEL, values, strict=True)]
    return list(interpret_observations(obs, load_assay("resp-4plex-demo")))


def _sections(html: str) -> list[str]:
    return re.findall(r"<h2>([^<]+)</h2>", html)


def test_the_answer_comes_first_and_names_every_pathogen() -> None:
    report = build_report(Dataset(()), results=_results())
    (s1, s2) = report.answers
    assert (s1.sample, s1.detected, s2.detected, s2.result) == ("S1", ("FluA", "SARS-CoV-2"), (), "not_detected")
    html = render_html(report)
    sections = _sections(html)
    assert sections[:2] == ["Results", "Controls"]
    assert sections.index("Results per sample") > sections.index("Controls")
    answer = html[html.index("<h2>Results</h2>"):html.index("<h2>Controls</h2>")]
    assert "FluA, SARS-CoV-2" in answer and "influenza A detected" in answer and "no pathogen detected" in answer
    assert "PC" not in answer, "the positive control is not a specimen"
    summary = dict(report.summary)
    assert summary["specimens"] == "detected 1, not detected 1" and summary["controls"] == "passed 3"


def test_controls_are_coloured_by_pass_or_fail_with_why() -> None:
    passing = build_report(Dataset(()), results=_results())
    assert {c.sample: c.status for c in passing.controls} == {"PC": "passed", "NTC": "passed", "EC": "passed"}
    failing = build_report(Dataset(()), results=_results(ntc_flub=33.0))
    ntc = next(c for c in failing.controls if c.sample == "NTC")
    assert ntc.status == "failed" and "FluB detected, expected not detected" in " ".join(ntc.why)
    html = render_html(failing)
    controls = html[html.index("<h2>Controls</h2>"):]
    assert f'background: {CALL_COLOURS["failed"]}">failed' in controls
    assert f'background: {CALL_COLOURS["passed"]}">passed' in controls
    assert CALL_COLOURS["passed"] != CALL_COLOURS["detected"], "a passing positive control must not look positive"
    assert all(a.detected == () and a.result == "invalid" for a in failing.answers)


def _cq_ticks(svg: str) -> int:
    """Uses of the '|' marker (Cq ticks on the linear and log axes, plus one in the legend)."""
    ids = re.findall(r'<path id="(\w+)" d="M 0 3\.5\s+L 0 -3\.5', svg)
    return sum(len(re.findall(rf'xlink:href="#{i}"', svg)) for i in ids)


def test_cq_ticks_and_labels_only_on_called_curves() -> None:
    cycles = np.arange(1.0, 41.0)
    rising = 1000 / (1 + np.exp(-(cycles - 22) / 1.5))
    fluorescence = np.vstack([rising, np.full(40, 5.0)])
    cq = np.array([21.0, 20.7])  # the engine found a Cq on both curves; the second was called not detected
    one = amplification_svg(CurvePanel("SARS-CoV-2", "Cy5", cycles, fluorescence, ("S1 (A1)", "S2 (A2)"),
                                       ("detected", "not_detected"), cq, 100.0))
    both = amplification_svg(CurvePanel("SARS-CoV-2", "Cy5", cycles, fluorescence, ("S1 (A1)", "S2 (A2)"),
                                        ("detected", "detected"), cq, 100.0))
    assert "S1 (A1)" in one and "S2 (A2)" not in one and "S2 (A2)" in both
    assert (_cq_ticks(one), _cq_ticks(both)) == (2 * 1 + 1, 2 * 2 + 1)


def test_standard_curve_section_and_an_honest_checklist(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from chipdx import io
    from chipdx.pipeline import analyze_dataset, report_data
    from chipdx.sim import simulate_qpcr
    from chipdx.sim.qpcr import default_design

    dataset, _ = simulate_qpcr(default_design(rng=np.random.default_rng(3)), rng=np.random.default_rng(3))
    analysis = analyze_dataset(dataset)
    report = report_data(analysis)
    assert report.standard_curves, "the simulated plate has standards at several input levels"
    curve = report.standard_curves[0]
    assert -4.0 < curve.slope < -3.0 and 75 < curve.efficiency_pct < 115 and curve.r_squared > 0.95
    html = render_html(report)
    assert "<h2>Standard curve</h2>" in html and "efficiency" in html
    svgs = [base64.b64decode(b).decode() for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert any("R²" in s and "slope" in s for s in svgs)
    items = {i.item: i for i in report.checklist}
    assert items["calibration curve (standards with known input)"].status == "shown"
    assert items["raw data available (RDML)"].status == "missing", "no RDML was written beside this report"
    beside = report_data(analysis, rdml_beside="run.rdml")
    assert {i.item: i.status for i in beside.checklist}["raw data available (RDML)"] == "shown"
    del io


@pytest.mark.parametrize("shown", [0, 1])
def test_checklist_claims_a_calibration_curve_only_when_one_is_drawn(shown: int) -> None:
    from chipdx.report import miqe_checklist
    from tests.io.test_rdml_roundtrip import rich_dataset

    items = {i.item: i for i in miqe_checklist(rich_dataset(), standard_curves=shown)}
    assert items["calibration curve (standards with known input)"].status == ("shown" if shown else "missing")


def test_empty_answer_sections_are_left_out() -> None:
    html = render_html(ReportData("r", (), ()))
    assert "<h2>Results</h2>" not in html and "<h2>Controls</h2>" not in html
