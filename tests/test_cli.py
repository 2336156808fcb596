"""The command-line contract of SPEC §7 for the foundation commands."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from chipdx import __version__, io
from chipdx.cli import main
from tests.conftest import shared
from tests.io.test_rdml_roundtrip import rich_dataset


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chipdx.cli", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"chipdx {__version__}"


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["info"], ["convert", "only-one"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_info_summarises_a_public_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared("qpcr", "ruijter2013_technical", "rdml", "ds_94_4_v1.3.rdml")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "16x24 plate, 384 reactions in 384 wells, 45 cycles (1-45)" in out
    assert "MYCN (SYBR)" in out


def test_convert_then_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = shared("formats", "rdml", "roche_lc96_bACTXY.rdml")
    out = tmp_path / "lc96.rdml"
    assert main(["convert", str(source), str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_fails_on_an_inconsistent_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = rich_dataset()
    run = data.runs[0]
    well = run.partitions[0]
    wrong = dataclasses.replace(well, counts=(dataclasses.replace(well.counts[0], positive=5),))
    data = dataclasses.replace(data, runs=(dataclasses.replace(run, partitions=(wrong, *run.partitions[1:])),))
    io.write(data, tmp_path / "bad.rdml")
    assert main(["validate", str(tmp_path / "bad.rdml")]) == 1
    captured = capsys.readouterr()
    assert "DATA-PARTITION-COUNT" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_convert_refuses_an_unknown_output_ending(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = shared("formats", "rdml", "abi_stepone_std.rdml")
    assert main(["convert", str(source), str(tmp_path / "out.xyz")]) == 1
    assert "out.xyz" in capsys.readouterr().err
    assert not (tmp_path / "out.xyz").exists()


def test_progress_is_silent_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from chipdx.cli._common import progress

    with progress("plates", total=3) as advance:
        for _ in range(3):
            advance(1)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
