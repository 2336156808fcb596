"""Wrong input refused as the shell sees it (issue #12): exit 1, exactly one stderr line, nothing written.

Run as a subprocess (``python -m chipdx``) so that the exit code and the stderr lines are the user's.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA

QPCR_FILE = Path(str(resources.files("chipdx.data") / "example_run.rdml"))
DROPLET_FOLDER = TEST_DATA / "qx"


def _chipdx(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chipdx", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, check=False)


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [
    ("qpcr", "analyze", str(QPCR_FILE)),
    ("dpcr", "analyze", str(DROPLET_FOLDER)),
    ("classify", str(QPCR_FILE)),
    ("report", str(QPCR_FILE)),
    ("convert", str(QPCR_FILE)),
], ids=lambda c: "-".join(c[:2]) if c[0] in {"qpcr", "dpcr"} else c[0])
def test_output_in_a_missing_folder_is_refused_not_created(tmp_path: Path, command: tuple[str, ...]) -> None:
    missing = tmp_path / "no_such_dir"
    target = missing / ("x.html" if command[0] == "report" else "x.rdml" if command[0] == "convert" else "x.csv")
    option = [str(target)] if command[0] == "convert" else ["-o", str(target)]
    line = _refused(_chipdx(*command, *option, cwd=tmp_path))
    assert "output folder" in line and "does not exist" in line and str(missing) in line
    assert not missing.exists()


def test_output_in_an_existing_folder_still_written(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    result = _chipdx("qpcr", "analyze", str(QPCR_FILE), "-o", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(target.read_text().splitlines()) == 61  # header + 60 reactions


def test_dpcr_analyze_on_a_qpcr_file_says_what_the_file_holds(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    line = _refused(_chipdx("dpcr", "analyze", str(QPCR_FILE), "-o", str(target), cwd=tmp_path))
    assert line == f"chipdx: error: {QPCR_FILE}: holds qPCR curves, no dPCR partitions: use chipdx qpcr analyze"
    assert list(tmp_path.iterdir()) == []


def test_dpcr_analyze_refuses_a_qpcr_file_among_droplet_folders(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    line = _refused(_chipdx("dpcr", "analyze", str(DROPLET_FOLDER), str(QPCR_FILE), "-o", str(target),
                            cwd=tmp_path))
    assert "holds qPCR curves, no dPCR partitions" in line and str(QPCR_FILE) in line
    assert list(tmp_path.iterdir()) == []


def test_qpcr_analyze_on_a_droplet_folder_says_what_it_holds(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    line = _refused(_chipdx("qpcr", "analyze", str(DROPLET_FOLDER), "-o", str(target), cwd=tmp_path))
    assert line == f"chipdx: error: {DROPLET_FOLDER}: holds dPCR partitions, no qPCR curves: use chipdx dpcr analyze"
    assert list(tmp_path.iterdir()) == []


def test_qpcr_analyze_on_a_droplet_file_to_stdout_prints_no_table(tmp_path: Path) -> None:
    result = _chipdx("qpcr", "analyze", str(TEST_DATA / "qiacuity" / "golden_partitions.csv"), cwd=tmp_path)
    assert "holds dPCR partitions, no qPCR curves: use chipdx dpcr analyze" in _refused(result)
    assert result.stdout == ""


def test_an_unknown_target_in_an_option_is_refused_with_the_close_name(tmp_path: Path) -> None:
    line = _refused(_chipdx("dpcr", "analyze", str(DROPLET_FOLDER), "--threshold", "Foo=3000", cwd=tmp_path))
    assert "--threshold names target or channel 'Foo'" in line
    line = _refused(_chipdx("qpcr", "relative", str(QPCR_FILE), "--reference", "gapdh", cwd=tmp_path))
    assert "--reference names target 'gapdh' (did you mean GAPDH?)" in line


def test_target_names_that_do_not_match_the_assay_are_refused_naming_both_sides(tmp_path: Path) -> None:
    table = tmp_path / "cq.csv"
    rows = [f"{s},{k},{t},{c}" for s, k, c in (("PC", "pos", 28), ("NTC", "ntc", ""), ("HSC", "ext", 30),
                                                ("S1", "unkn", 25)) for t in ("N1", "N2", "RNaseP")]
    table.write_text("sample,sample_type,target,cq\n" + "\n".join(rows) + "\n")
    out = tmp_path / "calls.csv"
    line = _refused(_chipdx("interpret", str(table), "--assay", "cdc-2019-ncov", "-o", str(out), cwd=tmp_path))
    assert "targets do not match assay cdc-2019-ncov" in line and "it needs N1, N2, RP" in line
    assert "the data have N1, N2, RNaseP" in line and "RP not measured (RNaseP?)" in line
    assert not out.exists()
