"""``chipdx dpcr analyze``: SPEC §7 columns, layout, overrides, one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from chipdx.analysis.dpcr import RESULT_COLUMNS
from chipdx.cli import main
from tests.conftest import TEST_DATA, shared


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def test_analyze_writes_exactly_the_spec_columns(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert main(["dpcr", "analyze", str(TEST_DATA / "qx"), "-o", str(out)]) == 0
    rows = _rows(out)
    assert tuple(rows[0].keys()) == RESULT_COLUMNS
    assert {(r["well"], r["target"]) for r in rows} >= {("A1", "Ch1"), ("A1", "Ch2"), ("D1", "Ch1")}


def test_layout_volume_and_threshold_options(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    args = ["dpcr", "analyze", str(TEST_DATA / "qx"), "-o", str(out), "--layout",
            str(TEST_DATA / "dpcr_layout" / "layout.csv"), "--partition-volume-nl", "0.91",
            "--threshold", "KRAS G12D=3000", "--threshold", "KRAS WT=2500"]
    assert main(args) == 0
    rows = {(r["well"], r["target"]): r for r in _rows(out)}
    assert set(rows) == {("A1", "KRAS G12D"), ("A1", "KRAS WT"), ("B1", "KRAS G12D"), ("B1", "KRAS WT")}
    a1 = rows[("A1", "KRAS G12D")]
    assert a1["sample"] == "patient 1" and float(a1["threshold"]) == 3000
    assert a1["n_positive"] == "2" and a1["n_total"] == "4"
    assert float(a1["copies_per_ul"]) == pytest.approx(0.693147 / 0.91e-3, rel=1e-4)


@pytest.mark.parametrize("name", ["error_no_target.csv", "error_bad_type.csv"])
def test_broken_layout_is_one_line(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dpcr", "analyze", str(TEST_DATA / "qx"), "--layout", str(TEST_DATA / "dpcr_layout" / name)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and name in err


def test_broken_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = TEST_DATA / "qx_errors" / "error_non_numeric_A01_Amplitude.csv"
    assert main(["dpcr", "analyze", str(path)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_real_plate_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dpcr", "analyze", str(shared("dpcr", "twoddpcr_kras"))]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == ",".join(RESULT_COLUMNS) and len(lines) == 1 + 24


def test_empty_and_tiny_wells_give_flags_not_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p_A01_Amplitude.csv").write_text("Ch1 Amplitude,Ch2 Amplitude,Cluster\r\n")
    (tmp_path / "p_B01_Amplitude.csv").write_text("Ch1 Amplitude,Ch2 Amplitude\n1000,NaN\n1200,\n")
    assert main(["dpcr", "analyze", str(tmp_path), "-o", str(tmp_path / "out.csv")]) == 0
    assert capsys.readouterr().err == ""
    rows = {(r["well"], r["target"]): r for r in _rows(tmp_path / "out.csv")}
    assert rows[("A1", "Ch1")]["flags"].startswith("QC-DPCR-EMPTY-WELL") and rows[("A1", "Ch1")]["lambda"] == ""
    assert "QC-DPCR-FEW-PARTITIONS" in rows[("B1", "Ch1")]["flags"]


@pytest.mark.parametrize("option", [["--partition-volume-nl", "-1"], ["--volume-cv", "abc"], ["--threshold", "x"]])
def test_bad_options_are_usage_errors(option: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["dpcr", "analyze", str(TEST_DATA / "qx"), *option])
    assert info.value.code == 2
