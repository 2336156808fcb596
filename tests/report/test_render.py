"""The report renders every section, self-contained and deterministic."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from chipdx.report import (
    ChecklistItem,
    CurvePanel,
    DropletPanel,
    FlagNote,
    MeltPanel,
    PlateCell,
    PlateMap,
    ReportData,
    Table,
    render_html,
    render_pdf,
)


def example_report(generated_at: str = "generated at 2026-11-25T00:00:00Z") -> ReportData:
    rng = np.random.default_rng(0)
    cycles = np.arange(1.0, 41.0)
    cq = rng.uniform(18, 32, 12)
    curves = 1000 / (1 + np.exp(-(cycles[None, :] - cq[:, None]) / 1.5)) + rng.normal(0, 5, (12, 40))
    cells = tuple(PlateCell(r, c, f"{'ABCDEFGH'[r]}{c + 1}", f"S{r}", "detected" if c % 2 else "not_detected")
                  for r in range(8) for c in range(6))
    amplitudes = rng.normal(2000, 200, (4000, 2)).astype(np.float32)
    positive = rng.random((4000, 2)) < 0.1
    amplitudes[positive] += 6000
    temperature = np.tile(np.linspace(65, 95, 61), (2, 1))
    return ReportData(
        title="Run report — unit test",
        summary=(("run", "plate 1"), ("reactions", "12")),
        provenance=(("file", "run.rdml"), ("sha256", "ab" * 32)),
        plate=PlateMap(8, 12, cells, ("detected", "not_detected")),
        curves=(CurvePanel("N1", "FAM", cycles, curves, tuple(f"W{i}" for i in range(12)),
                           ("detected",) * 8 + ("not_detected",) * 4, np.r_[cq[:8], [np.nan] * 4], 100.0),),
        melts=(MeltPanel("GAPDH", temperature, np.exp(-((temperature - 84) / 1.5) ** 2), ("a", "b"),
                         np.array([84.0, np.nan]), (83.0, 86.0)),),
        droplets=(DropletPanel("A01", "S1", ("FAM", "HEX"), amplitudes, positive, rng.random((4000, 2)) < 0.01,
                               (5000.0, None)),),
        tables=(Table("Calls", ("sample", "result", "reasons"), (("S1", "detected", "N1 < 40"),
                                                                 ("S2", "invalid", "CDC-NTC-FAIL"))),),
        flags=(FlagNote("QC-NO-PLATEAU", "the curve has not levelled off", 2),),
        checklist=(ChecklistItem("MIQE", "no-template controls", "shown"),),
        simulated=True,
        generated_at=generated_at,
    )


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(example_report())


def test_every_section_is_there(html: str) -> None:
    for heading in ("Run summary", "Provenance", "Plate map", "Calls", "Amplification", "Melt curves",
                    "Digital PCR partitions", "QC flags and reasons, in words", "MIQE / dMIQE checklist"):
        assert f">{heading}<" in html, heading
    assert "SIMULATED DATA" in html
    assert html.count('src="data:image/svg+xml;base64,') == 4


def test_self_contained(html: str) -> None:
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", html)
    assert "@import" not in html and "<script" not in html


def test_figures_are_svg_with_the_data_drawn(html: str) -> None:
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    svgs = [base64.b64decode(i).decode() for i in images]
    assert all(s.startswith("<svg") for s in svgs)
    assert "N1 (FAM)" in svgs[1] and "threshold" in svgs[1]
    assert "Tm window" in svgs[2]
    assert "rain" in svgs[3]


def test_same_data_same_bytes_apart_from_the_timestamp() -> None:
    first = render_html(example_report("generated at 1"))
    second = render_html(example_report("generated at 2"))
    assert first != second
    assert first.replace("generated at 1", "") == second.replace("generated at 2", "")


def test_text_is_escaped() -> None:
    report = example_report()
    evil = ReportData("<script>x</script>", (("a", "<b>"),), ())
    out = render_html(evil)
    assert "<script>x" not in out and "&lt;script&gt;" in out
    assert report.title in render_html(report)


def test_pdf_is_a_complete_pdf() -> None:
    weasyprint = pytest.importorskip("weasyprint", reason="PDF output needs the 'report' extra (weasyprint)")
    report = example_report()
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = weasyprint.HTML(string=render_html(report)).render().pages
    assert len(pages) >= 2, "figures and tables need more than one A4 page"


def test_checklist_reads_what_the_data_show() -> None:
    from chipdx.report import miqe_checklist
    from tests.io.test_rdml_roundtrip import rich_dataset

    items = {(i.guideline, i.item): i for i in miqe_checklist(rich_dataset())}
    calibration = items[("MIQE", "calibration curve (standards with known input)")]
    assert calibration.status == "missing" and "standards present" in calibration.note  # no curve drawn
    assert items[("MIQE", "no-template controls (NTC)")].status == "missing"
    assert items[("MIQE", "primer/probe sequences or assay identifiers")].note == "N1"
    assert "0.85 nL" in items[("dMIQE", "partition volume and its source")].note
    assert items[("dMIQE", "threshold / classification method with 1-D/2-D plots")].status == "shown"
