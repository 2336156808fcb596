"""``chipdx report`` on a Cq table: no curves, the calls rest on the table's Cq (read as the instrument's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipdx.cli import main
from tests.conftest import shared

ROWS = [("S1", "unkn", "N1", "25.1"), ("S1", "unkn", "N2", "26.3"), ("S1", "unkn", "RP", "24.0"),
        ("S2", "unkn", "N1", ""), ("S2", "unkn", "N2", ""), ("S2", "unkn", "RP", "27.5"),
        ("NTC", "ntc", "N1", ""), ("NTC", "ntc", "N2", ""), ("NTC", "ntc", "RP", ""),
        ("PC", "pos", "N1", "30.0"), ("PC", "pos", "N2", "30.2"), ("PC", "pos", "RP", "29.9"),
        ("HSC", "ext", "N1", ""), ("HSC", "ext", "N2", ""), ("HSC", "ext", "RP", "28.0")]


def _table(folder: Path, *, semicolon: bool = False) -> Path:
    path = folder / "cq.csv"
    if semicolon:  # as a European Excel writes it: ';' and a decimal comma, capitalised headers
        lines = ["Sample;Sample Type;Target;Ct", *(";".join(r).replace(".", ",") for r in ROWS)]
    else:
        lines = ["sample,sample_type,target,cq", *(",".join(r) for r in ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("semicolon", [False, True])
def test_report_of_a_cq_table_shows_the_calls_and_says_it_has_no_curves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], semicolon: bool) -> None:
    table, report = _table(tmp_path, semicolon=semicolon), tmp_path / "report.html"
    assert main(["report", str(table), "--assay", "cdc-2019-ncov", "-o", str(report)]) == 0
    assert "1 Cq table, no curves, 5 samples interpreted" in capsys.readouterr().out
    text = _text(report.read_text())
    assert "the input is a Cq table, it has no curves to show" in text
    assert "S1 detected N1, N2 report" in text and "S2 unkn not_detected" in text
    assert "instrument-reported Cq" in text and " instrument " in text  # Cq compared, Cq method per target
    assert "<h2>Amplification</h2>" not in report.read_text()


@pytest.mark.parametrize(("extra", "message"), [
    ([], "give --assay to report its calls"),
    (["--assay", "cdc-2019-ncov", "--threshold", "N1=0.2"], "--threshold and --baseline need a run file"),
])
def test_report_of_a_cq_table_refuses_what_it_cannot_show(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    report = tmp_path / "report.html"
    assert main(["report", str(_table(tmp_path)), *extra, "-o", str(report)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err
    assert not report.exists()


def test_report_refuses_a_cq_table_beside_a_run_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = shared("formats", "rdml", "abi_stepone_std.rdml")
    assert main(["report", str(_table(tmp_path)), str(run), "--assay", "cdc-2019-ncov",
                 "-o", str(tmp_path / "r.html")]) == 1
    assert "cannot share a report" in capsys.readouterr().err


def test_interpret_and_report_give_a_cq_table_the_same_calls(tmp_path: Path) -> None:
    table, calls, report = _table(tmp_path), tmp_path / "calls.csv", tmp_path / "r.html"
    assert main(["interpret", str(table), "--assay", "cdc-2019-ncov", "-o", str(calls)]) == 0
    assert main(["report", str(table), "--assay", "cdc-2019-ncov", "-o", str(report)]) == 0
    text = _text(report.read_text())
    for line in calls.read_text().splitlines()[1:]:
        sample, kind, result = line.split(",")[:3]
        assert f"{sample} {kind} {result}" in text
        assert line.endswith(",instrument")
