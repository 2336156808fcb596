"""The instrument's own Cq (and threshold and baseline window) kept as reported values.

Read from every format that carries them, written to RDML ``<cq>``/``<quantFluor>``, shown by
``chipdx info`` and next to chipdx's Cq as ``instrument_cq`` in ``qpcr analyze``; a file with
results but no curves says so once on stderr and still gives the reported values.
"""

from __future__ import annotations

import csv
import io as stdio
from pathlib import Path

import pytest

from chipdx import io
from chipdx.analysis.qpcr.table import COLUMNS, DETAIL_COLUMNS
from chipdx.cli import main
from chipdx.cli._qpcr import CALL_COLUMNS
from tests.conftest import shared

# a QuantStudio text export holding only [Results], as the "results only" export option writes it
RESULTS_ONLY = """* Block Type = 96-Well Block (0.2mL)
* Experiment Name = results only
* Instrument Type = QuantStudio 3

[Results]
Well\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tReporter\tCT\tAutomatic Ct Threshold\tCt Threshold\t\
Automatic Baseline\tBaseline Start\tBaseline End
1\tA1\tFALSE\tS1\tGAPDH\tUNKNOWN\tSYBR\t21.250\tFALSE\t0.150\tTRUE\t3\t17
2\tA2\tFALSE\tS2\tGAPDH\tUNKNOWN\tSYBR\t24.500\tFALSE\t0.150\tTRUE\t4\t19
3\tA3\tFALSE\tNTC\tGAPDH\tNTC\tSYBR\tUndetermined\tFALSE\t0.150\tTRUE\t3\t39
4\tA4\tFALSE\tS1\tACTB\tUNKNOWN\tFAM\t30.125\tFALSE\t0.300\tFALSE\t5\t15
"""


def results_only(tmp_path: Path) -> Path:
    path = tmp_path / "results_only.txt"
    path.write_text(RESULTS_ONLY)
    return path


def test_quantstudio_results_only_keeps_cq_threshold_and_baseline(tmp_path: Path) -> None:
    data = io.read(results_only(tmp_path))
    run = data.runs[0]
    assert run.amplification is None
    got = [(r.well.label, r.target_id, r.reported.cq, r.reported.quantification_fluorescence,
            r.reported.baseline_start, r.reported.baseline_end) for r in run.reactions]
    assert got == [("A1", "GAPDH", 21.25, 0.15, 3.0, 17.0), ("A2", "GAPDH", 24.5, 0.15, 4.0, 19.0),
                   ("A3", "GAPDH", None, 0.15, 3.0, 39.0), ("A4", "ACTB", 30.125, 0.3, 5.0, 15.0)]


def test_reported_values_survive_rdml(tmp_path: Path) -> None:
    data = io.read(results_only(tmp_path))
    out = tmp_path / "out.rdml"
    io.write(data, out)
    back = io.read(out)
    assert [(r.well.label, r.reported.cq, r.reported.quantification_fluorescence) for r in back.runs[0].reactions] \
        == [(r.well.label, r.reported.cq, r.reported.quantification_fluorescence) for r in data.runs[0].reactions]
    assert b"<cq>21.25</cq>" in _rdml_xml(out)


def _rdml_xml(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read(archive.namelist()[0])


def test_info_shows_the_reported_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(results_only(tmp_path))]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("reported"))
    assert line.split(None, 1)[1] == ("3 Cq values in the file (21.25-30.12); threshold GAPDH 0.15, ACTB 0.3; "
                                      "baseline cycles 3-39")


def _table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(stdio.StringIO(text)))


@pytest.mark.parametrize("detailed", [False, True])
def test_analyze_without_curves_says_so_once_and_gives_instrument_cq(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], detailed: bool) -> None:
    path = results_only(tmp_path)
    assert main(["qpcr", "analyze", str(path), *(["--detailed"] if detailed else [])]) == 0
    captured = capsys.readouterr()
    notes = captured.err.strip().splitlines()
    assert len(notes) == 1 and "no amplification curves" in notes[0] and str(path) in notes[0]
    header = captured.out.splitlines()[0].split(",")
    assert header[header.index("cq") + 1] == "instrument_cq"
    rows = _table(captured.out)
    assert [r["instrument_cq"] for r in rows] == ["21.25", "24.5", "", "30.125"]
    assert all(r["cq"] == "" for r in rows)


def test_analyze_with_curves_keeps_spec_columns_and_detail_has_instrument_cq(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = shared("formats", "quantstudio_xlsx", "QS5_Standard_Curve_4Plex_example03.xlsx")
    assert main(["qpcr", "analyze", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == ",".join((*COLUMNS, *CALL_COLUMNS)) and captured.err == ""
    assert main(["qpcr", "analyze", str(path), "--detailed"]) == 0
    rows = _table(capsys.readouterr().out)
    assert list(rows[0]) == [*COLUMNS, *CALL_COLUMNS, *(c for c in DETAIL_COLUMNS if c not in COLUMNS)]
    both = [(float(r["cq"]), float(r["instrument_cq"])) for r in rows if r["cq"] and r["instrument_cq"]]
    assert len(both) > 350
    # chipdx's second-derivative Cq sits a little after the instrument's threshold Cq, never far off
    assert all(-1.0 < ours - theirs < 3.0 for ours, theirs in both)


def test_cfx_cq_table_keeps_every_cq() -> None:
    path = shared("formats", "biorad_cfx", "cfxmaestro_quantification_cq_results_example01.csv")
    rows = [r for r in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()) if r]
    header = rows[0]
    expected = {(r[header.index("Well")], r[header.index("Fluor")]): float(r[header.index("Cq")])
                for r in rows[1:] if r[header.index("Cq")].strip()}
    data = io.read(path)
    got = {(f"{r.well.label[0]}{int(r.well.label[1:]):02d}", data.target(r.target_id).dye_id): r.reported.cq
           for r in data.runs[0].reactions}
    assert len(expected) == 48
    assert got == pytest.approx(expected)


def test_rdml_cq_read() -> None:
    data = io.read(shared("formats", "rdml", "abi_stepone_std.rdml"))
    cqs = [r.reported.cq for r in data.runs[0].reactions]
    # StepOne writes its NTCs' Cq as the last cycle (40); the standards come in between
    assert cqs[:4] == [40.0, 40.0, 40.0, 28.96287]
    assert all(cq is not None and 26 < cq <= 40 for cq in cqs)


def test_quantstudio_xlsx_reports_threshold_and_baseline() -> None:
    data = io.read(shared("formats", "quantstudio_xlsx", "QS7Pro_Primary_Analysis_example18.xlsx"))
    reported = [r.reported for r in data.runs[0].reactions]
    assert sum(r.cq is not None for r in reported) == 84
    assert {r.quantification_fluorescence for r in reported} == {0.02}
    assert all(r.baseline_start is not None and r.baseline_end is not None for r in reported)
