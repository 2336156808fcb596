"""``chipdx qpcr`` commands: the SPEC §7 columns and the sub-commands, on the embedded example run."""

from __future__ import annotations

import csv
import io as stdio
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from chipdx.analysis.qpcr import COLUMNS
from chipdx.cli import main
from chipdx.cli._qpcr import CALL_COLUMNS

EXAMPLE = Path(str(resources.files("chipdx.data") / "example_run.rdml"))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(stdio.StringIO(text)))


def test_analyze_columns_and_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.csv"
    assert main(["qpcr", "analyze", str(EXAMPLE), "-o", str(output)]) == 0
    text = output.read_text()
    assert text.splitlines()[0] == ",".join((*COLUMNS, *CALL_COLUMNS))
    rows = _rows(text)
    assert len(rows) == 60
    for row in rows:
        assert row["amplified"] in {"true", "false"}
        assert row["ai_call"] in {"amplified", "not_amplified", "review"}
        assert row["call"] == ("review" if row["ai_call"] == "review" else
                               "amplified" if row["ai_call"] == "amplified" and row["cq"] else "not_amplified")
        if row["efficiency"]:
            assert float(row["efficiency_pct"]) == pytest.approx((float(row["efficiency"]) - 1) * 100, abs=1e-3)
        assert (row["cq"] == "") == (row["amplified"] == "false")
        assert all(code.startswith("QC-") for code in row["flags"].split(";") if code)
    assert any(r["quantity"] for r in rows if r["sample_type"] == "std")
    assert all(r["amplified"] == "false" or "QC-NTC-AMPLIFICATION" in r["flags"]
               for r in rows if r["sample_type"] == "ntc")
    assert "wrote" in capsys.readouterr().out


def test_analyze_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qpcr", "analyze", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == ",".join((*COLUMNS, *CALL_COLUMNS))


def test_melt_standard_curve_relative(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qpcr", "melt", str(EXAMPLE)]) == 0
    melt = _rows(capsys.readouterr().out)
    assert len(melt) == 60 and all(r["tm"] for r in melt if r["sample"] != "NTC")
    ntc = [r for r in melt if r["sample"] == "NTC"]  # flat NTCs have no product; one in three has a primer dimer
    assert any(r["flags"] == "QC-MELT-NO-PEAK" and not r["tm"] for r in ntc)
    assert any(r["tm"] and float(r["tm"]) < 80 for r in ntc)
    assert main(["qpcr", "standard-curve", str(EXAMPLE)]) == 0
    curves = _rows(capsys.readouterr().out)
    assert {r["target"] for r in curves} == {"GAPDH", "MYC"}
    assert all(1.6 < float(r["efficiency"]) < 2.2 for r in curves)
    assert main(["qpcr", "relative", str(EXAMPLE), "--reference", "GAPDH"]) == 0
    relative = _rows(capsys.readouterr().out)
    assert relative and all(r["target"] == "MYC" for r in relative)


def test_relative_unknown_reference_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qpcr", "relative", str(EXAMPLE), "--reference", "NOPE"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NOPE" in err


def test_bad_input_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.rdml"
    bad.write_text("not a run file")
    assert main(["qpcr", "analyze", str(bad)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_standard_curve_needs_two_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chipdx import io
    from chipdx.model import Dataset, Quantity, Sample, SampleType

    data = io.read(EXAMPLE)
    one_level = Dataset(data.runs, samples=tuple(
        Sample(s.id, s.type, Quantity(100.0) if s.type is SampleType.STANDARD else s.quantity) for s in data.samples),
        targets=data.targets, dyes=data.dyes)
    path = tmp_path / "one_level.rdml"
    io.write(one_level, path)
    assert main(["qpcr", "standard-curve", str(path), "--cq", "cy0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two or more input levels" in err


def test_melt_tm_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qpcr", "melt", str(EXAMPLE)]) == 0
    rows = [r for r in _rows(capsys.readouterr().out) if r["target"] == "MYC" and r["tm"]]
    tm = float(rows[0]["tm"])
    assert main(["qpcr", "melt", str(EXAMPLE), "--tm-window", f"MYC={tm - 1}:{tm + 1}"]) == 0
    inside = {r["well"]: r["flags"] for r in _rows(capsys.readouterr().out) if r["target"] == "MYC"}
    assert "QC-MELT-TM-OUT-OF-RANGE" not in inside[rows[0]["well"]]
    assert main(["qpcr", "melt", str(EXAMPLE), "--tm-window", f"MYC={tm + 5}:{tm + 6}"]) == 0
    outside = _rows(capsys.readouterr().out)
    assert all("QC-MELT-TM-OUT-OF-RANGE" in r["flags"] for r in outside if r["target"] == "MYC" and r["tm"])
    assert not any("QC-MELT-TM-OUT-OF-RANGE" in r["flags"] for r in outside if r["target"] != "MYC")


@pytest.mark.parametrize("window", ["MYC=85", "MYC=86:84", "=80:82", "MYC=a:b"])
def test_melt_bad_tm_window_is_usage_error(window: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["qpcr", "melt", str(EXAMPLE), "--tm-window", window])
    assert exit_info.value.code == 2


def test_melt_tm_window_unknown_target_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qpcr", "melt", str(EXAMPLE), "--tm-window", "NOPE=80:82"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NOPE" in err


def test_tm_tolerance_uses_the_files_expected_tm() -> None:
    import argparse
    import dataclasses

    from chipdx import io
    from chipdx.cli._qpcr import _windows

    data = io.read(EXAMPLE)
    targets = tuple(dataclasses.replace(t, melting_temperature_c=84.0) if t.id == "MYC" else t for t in data.targets)
    data = dataclasses.replace(data, targets=targets)
    args = argparse.Namespace(input=EXAMPLE, tm_window=[("GAPDH", (80.0, 81.0))], tm_tolerance=1.5)
    assert _windows(args, data) == {"GAPDH": (80.0, 81.0), "MYC": (82.5, 85.5)}
    args.tm_tolerance = None
    assert _windows(args, data) == {"GAPDH": (80.0, 81.0)}


def test_analyze_detailed_has_ncopy_for_standards(capsys: pytest.CaptureFixture[str]) -> None:
    from chipdx.analysis.qpcr.table import DETAIL_COLUMNS

    assert main(["qpcr", "analyze", str(EXAMPLE), "--detailed"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == ",".join((*COLUMNS, *CALL_COLUMNS, *(c for c in DETAIL_COLUMNS if c not in COLUMNS)))
    standards = [r for r in _rows(text) if r["sample_type"] == "std" and r["ncopy"]]
    assert standards
    ratios = [float(r["ncopy"]) / float(r["quantity"]) for r in standards]
    assert 0.5 < float(np.median(ratios)) < 2.0
