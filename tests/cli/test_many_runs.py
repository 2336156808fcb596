"""Every analysis command takes several files; a file column keeps wells of different files apart."""

from __future__ import annotations

import csv
import io as text_io
import shutil
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "chipdx" / "data" / "example_run.rdml"


def _rows(*args: str | Path) -> list[dict[str, str]]:
    done = subprocess.run([sys.executable, "-m", "chipdx.cli", *map(str, args)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(text_io.StringIO(done.stdout)))


def _two_copies(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "a.rdml", tmp_path / "b.rdml"
    shutil.copy(EXAMPLE, first)
    shutil.copy(EXAMPLE, second)
    return first, second


def test_qpcr_analyze_of_two_files_keeps_every_well_apart(tmp_path: Path) -> None:
    first, second = _two_copies(tmp_path)
    one = _rows("qpcr", "analyze", first)
    both = _rows("qpcr", "analyze", first, second)
    assert "file" not in one[0]
    assert len(both) == 2 * len(one)
    assert {r["file"] for r in both} == {"a.rdml", "b.rdml"}
    assert len({(r["file"], r["run"], r["well"], r["target"]) for r in both}) == len(both)
    assert len({(r["run"], r["well"], r["target"]) for r in both}) == len(both)  # run ids told apart too
    second_rows = [r for r in both if r["file"] == "b.rdml"]
    assert [(r["well"], r["cq"], r["flags"]) for r in second_rows] == [(r["well"], r["cq"], r["flags"]) for r in one]


def test_standard_curve_and_classify_of_two_files(tmp_path: Path) -> None:
    first, second = _two_copies(tmp_path)
    curves = _rows("qpcr", "standard-curve", first, second)
    assert len(curves) == 2 * len(_rows("qpcr", "standard-curve", first))
    assert {r["file"] for r in curves} == {"a.rdml", "b.rdml"}
    calls = _rows("classify", first, second)
    assert {r["file"] for r in calls} == {"a.rdml", "b.rdml"}
    assert len(calls) == 2 * len(_rows("classify", first))


def test_dpcr_analyze_of_two_plates_has_a_file_column(tmp_path: Path) -> None:
    plates = []
    for name in ("plate1", "plate2"):
        folder = tmp_path / name
        folder.mkdir()
        for path in (DATA / "qx").glob("golden_*_Amplitude.csv"):
            shutil.copy(path, folder / path.name)
        plates.append(folder)
    one = _rows("dpcr", "analyze", plates[0])
    both = _rows("dpcr", "analyze", *plates)
    assert len(both) == 2 * len(one)
    assert len({(r["file"], r["well"], r["target"]) for r in both}) == len(both)
    assert {r["file"] for r in both} == {"plate1", "plate2"}


# an assay over the example run's own targets (the CDC panel would be refused: its targets are not measured)
EXAMPLE_ASSAY = """id: example
version: "1"
title: GAPDH and MYC
kind: qpcr
citations: [test]
targets:
  - {name: MYC, role: pathogen, cutoff: {cq: 40.0}}
  - {name: GAPDH, role: internal_control, cutoff: {cq: 40.0}}
results:
  - {id: EX-1, when: {MYC: detected}, result: detected, action: report}
  - {id: EX-2, when: {MYC: not_detected, GAPDH: detected}, result: not_detected, action: report}
  - {id: EX-3, when: {MYC: not_detected, GAPDH: not_detected}, result: invalid, action: re_extract}
"""


def test_interpret_of_two_files(tmp_path: Path) -> None:
    first, second = _two_copies(tmp_path)
    assay = tmp_path / "example.yaml"
    assay.write_text(EXAMPLE_ASSAY)
    one = _rows("interpret", first, "--assay", assay, "--no-control-check")
    both = _rows("interpret", first, second, "--assay", assay, "--no-control-check")
    # samples declared alike in both files are one specimen measured twice: one result each, from both runs
    assert [r["sample"] for r in both] == [r["sample"] for r in one]
