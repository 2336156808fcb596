"""QuantStudio xlsx variants labs produce: a settings footer with or without a blank row, melt sheet names.

The workbooks are written here with openpyxl in the layout of Design & Analysis exports (metadata block,
blank row, header row, wells), so the properties can vary footer, blank rows and the melt sheet name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipdx import io
from chipdx.errors import FormatError

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (a [test] dependency) writes the workbooks")

HEADER = ["Well", "Well Position", "Omit", "Sample", "Target", "Task", "Reporter", "CT"]
FOOTER = [["Analysis Type", "Singleplex"], ["Endogenous Control", "GAPDH"],
          ["RQ Min/Max Confidence Level", "95.0"], ["Reference Sample", "S1"]]
TASKS = ["UNKNOWN", "NTC", "STANDARD", "UNKNOWN"]


def results_rows(n_wells: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(n_wells):
        label = f"{'ABCDEFGH'[i // 12]}{i % 12 + 1}"
        ct = "Undetermined" if TASKS[i % 4] == "NTC" else f"{20 + i * 0.5:.3f}"
        rows.append([float(i + 1), label, "FALSE", f"S{i}", "GAPDH", TASKS[i % 4], "SYBR", ct])
    return rows


def write_workbook(path: Path, n_wells: int, *, footer: list[list[str]], blank_before_footer: bool,
                   melt_sheet: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Results"
    for row in ([["Block Type", "96-Well Block (0.2mL)"], ["Instrument Type", "QuantStudio 5"], []]
                + [HEADER] + results_rows(n_wells) + ([[]] if blank_before_footer else []) + footer):
        sheet.append(row)
    if melt_sheet:
        melt = book.create_sheet(melt_sheet)
        for row in [["Block Type", "96-Well Block (0.2mL)"], [],
                    ["Well", "Well Position", "Reading", "Temperature", "Fluorescence", "Derivative", "Target"]]:
            melt.append(row)
        for i in range(n_wells):
            label = f"{'ABCDEFGH'[i // 12]}{i % 12 + 1}"
            for step in range(30):
                melt.append([float(i + 1), label, step + 1, 60 + step, 1000 - 20 * step, 1.0, "GAPDH"])
    book.save(path)
    return path


def summary(path: Path) -> list[tuple[str, str, str, float | None]]:
    data = io.read(path)
    run = data.runs[0]
    types = {s.id: s.type.value for s in data.samples}
    return [(r.well.label, r.sample_id, types[r.sample_id], r.reported.cq if r.reported else None)
            for r in run.reactions]


def test_footer_without_a_blank_row_reads_like_with_one(tmp_path: Path) -> None:
    with_blank = write_workbook(tmp_path / "blank.xlsx", 8, footer=FOOTER, blank_before_footer=True)
    without = write_workbook(tmp_path / "tight.xlsx", 8, footer=FOOTER, blank_before_footer=False)
    expected = summary(with_blank)
    assert len(expected) == 8
    assert summary(without) == expected


def test_a_broken_well_row_is_still_refused(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "bad.xlsx", 4, footer=[], blank_before_footer=False)
    book = openpyxl.load_workbook(path)
    book["Results"].append([5.0, "Z99", "FALSE", "S5", "GAPDH", "UNKNOWN", "SYBR", "22.0"])
    book.save(path)
    with pytest.raises(FormatError, match="Z99"):
        io.read(path)


@pytest.mark.parametrize("sheet", ["Melt Curve Raw Data", "Melt Curve Raw"])
def test_melt_sheet_names(tmp_path: Path, sheet: str) -> None:
    path = write_workbook(tmp_path / "melt.xlsx", 4, footer=FOOTER, blank_before_footer=False, melt_sheet=sheet)
    run = io.read(path).runs[0]
    assert run.melt is not None
    assert run.melt.temperature_c.shape == (4, 30)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_wells=st.integers(1, 24), n_footer=st.integers(0, 4), blank=st.booleans(),
       value=st.one_of(st.sampled_from(["0", "95.0", "A1", "H12", "Singleplex"]),
                       st.text(alphabet="abcdefXYZ .-%0123", min_size=1, max_size=12)))
def test_property_the_footer_never_changes_the_wells(tmp_path: Path, n_wells: int, n_footer: int, blank: bool,
                                                      value: str) -> None:
    footer = [[key, value] for key, _ in FOOTER[:n_footer]]  # values such as '0' or 'A1' must not read as wells
    plain = write_workbook(tmp_path / "plain.xlsx", n_wells, footer=[], blank_before_footer=False)
    varied = write_workbook(tmp_path / "varied.xlsx", n_wells, footer=footer, blank_before_footer=blank)
    assert summary(varied) == summary(plain)
