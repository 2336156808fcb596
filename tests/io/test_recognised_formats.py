"""Formats chipdx recognises but does not read are refused by name, never handed to the wrong reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chipdx import io
from chipdx.errors import FormatError
from tests.conftest import shared

# the layout of the Absolute Q "multichannel" export (counts per combination of positive channels)
MULTICHANNEL = """Run,Date,Instrument,Plate,Sample,Channels,Count,Copies per microliter,Total
R1,2023-05-24 19:45:43+00:00,2262720120102,M01,Sample A1,,12189,0.00,20419
R1,2023-05-24 19:45:43+00:00,2262720120102,M01,Sample A1,FAM,2252,270.51,20419
R1,2023-05-24 19:45:43+00:00,2262720120102,M01,Sample A1,FAM VIC,430,49.27,20419
"""


def test_multichannel_is_named_not_blamed_on_cfx(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(MULTICHANNEL)
    with pytest.raises(FormatError) as caught:
        io.read(path)
    message = str(caught.value)
    assert "Absolute Q multichannel export: not supported yet" in message
    assert "CFX" not in message and "\n" not in message
    assert len(message) - len(str(path)) <= 200


def test_the_real_multichannel_export_is_refused_by_name() -> None:
    path = shared("formats", "thermo_absolute_q", "Appbio_AbsoluteQ_multichannel.csv")
    done = subprocess.run([sys.executable, "-m", "chipdx.cli", "info", str(path)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 1 and done.stdout == ""
    line = done.stderr.strip()
    assert "\n" not in line and "Absolute Q multichannel export: not supported yet" in line
    assert len(line) - len(str(path)) <= 200


def test_asking_for_the_format_by_name_gives_the_same_reason(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(MULTICHANNEL)
    with pytest.raises(FormatError, match="Absolute Q multichannel export: not supported yet"):
        io.read(path, format="absolute-q-multichannel")


def test_other_absolute_q_exports_still_read() -> None:
    for name in ("Appbio_AbsoluteQ_example01.csv", "Appbio_AbsoluteQ_summary.csv",
                 "Appbio_AbsoluteQ_fluorescence_columns.csv"):
        data = io.read(shared("formats", "thermo_absolute_q", name))
        assert any(run.partitions for run in data.runs), name


def test_help_lists_the_recognised_formats() -> None:
    shown = subprocess.run([sys.executable, "-m", "chipdx.cli", "--help"], capture_output=True, text=True,
                           check=True).stdout
    assert "recognised, not read yet:" in shown and "absolute-q-multichannel" in shown
