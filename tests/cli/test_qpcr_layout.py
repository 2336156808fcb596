"""``--layout`` for qPCR runs without sample names (LightCycler 480 raw data): the dPCR layout file and reader."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from chipdx.cli import main
from tests.conftest import shared

LAYOUT = Path(__file__).parents[1] / "data" / "qpcr_layout" / "lc480_layout.csv"
BAD_TYPE = Path(__file__).parents[1] / "data" / "dpcr_layout" / "error_bad_type.csv"
ASSAY = """id: nrd1
version: "1"
title: Nrd1 test assay
kind: qpcr
citations: ["test"]
cq: {method: sdm}
targets:
  - {name: Nrd1, role: pathogen, channel: 483-533, cutoff: {cq: 40.0}}
controls:
  - {id: N-C1, sample_type: pos, expect: {Nrd1: detected}, on_fail: repeat_run}
results:
  - {id: N-1, when: {Nrd1: detected}, result: detected, action: report}
  - {id: N-2, when: {Nrd1: not_detected}, result: not_detected, action: report}
"""


def _raw() -> Path:
    return shared("formats", "roche_lc480", "LC480_raw_Nrd1_calibration_2019-02-02.txt.gz")


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


def test_qpcr_analyze_names_wells_by_the_layout(tmp_path: Path) -> None:
    named, plain = tmp_path / "named.csv", tmp_path / "plain.csv"
    assert main(["qpcr", "analyze", str(_raw()), "--layout", str(LAYOUT), "-o", str(named)]) == 0
    assert main(["qpcr", "analyze", str(_raw()), "-o", str(plain)]) == 0
    rows = _rows(named)
    assert [(r["well"], r["sample"], r["sample_type"], r["target"]) for r in rows] == [
        ("A1", "cells 1", "unkn", "Nrd1"), ("A2", "cells 1", "unkn", "Nrd1"), ("A3", "cells 2", "unkn", "Nrd1"),
        ("A4", "cells 2", "unkn", "Nrd1"), ("A5", "positive", "pos", "Nrd1"), ("A6", "positive", "pos", "Nrd1")]
    before = {r["well"]: r for r in _rows(plain)}
    assert before["A1"]["sample"] == "Sample 1" and before["A1"]["target"] == "483-533"
    assert all(r["cq"] == before[r["well"]]["cq"] for r in rows), "the layout names wells, it changes no curve"


def test_interpret_and_report_use_the_layouts_names_and_types(tmp_path: Path) -> None:
    (tmp_path / "nrd1.yaml").write_text(ASSAY)
    calls, report = tmp_path / "calls.csv", tmp_path / "report.html"
    assert main(["interpret", str(_raw()), "--assay", str(tmp_path / "nrd1.yaml"), "--layout", str(LAYOUT),
                 "--no-control-check", "-o", str(calls)]) == 0
    results = {r["sample"]: r for r in _rows(calls)}
    assert set(results) == {"cells 1", "cells 2", "positive"}
    assert results["positive"]["sample_type"] == "pos" and results["positive"]["rule_ids"] == "N-C1"
    assert main(["report", str(_raw()), "--assay", str(tmp_path / "nrd1.yaml"), "--layout", str(LAYOUT),
                 "-o", str(report)]) == 0
    html = report.read_text()
    assert "cells 2" in html and "Sample 1" not in html


def test_a_layout_row_that_matches_nothing_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "layout.csv"
    bad.write_text(LAYOUT.read_text().replace("A6,positive,pos,Nrd1,483-533", "A6,positive,pos,Nrd1,FAM"))
    assert main(["qpcr", "analyze", str(_raw()), "--layout", str(bad), "-o", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "well A6 channel 'FAM' matches no qPCR reaction" in err and "483-533" in err
    assert not (tmp_path / "o.csv").exists()


def test_a_bad_layout_file_is_refused_by_the_dpcr_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qpcr", "analyze", str(_raw()), "--layout", str(BAD_TYPE), "-o", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "error_bad_type.csv" in err and "column type" in err


def test_a_cq_table_takes_no_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "cq.csv"
    table.write_text("sample,sample_type,target,cq\nS1,unkn,N1,25\n")
    assert main(["interpret", str(table), "--assay", "cdc-2019-ncov", "--layout", str(LAYOUT)]) == 1
    assert "a plate layout" in capsys.readouterr().err
