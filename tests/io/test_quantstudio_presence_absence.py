"""Design & Analysis presence/absence workbooks: the results sheet is ``Primary_result``, not ``Results``.

The workbooks are written here with openpyxl in the layout of the Design & Analysis (v2.x) Presence
Absence plugin export: a metadata block, a blank row, the header row and one row per well and target
on ``Primary_result``; ``Target Call`` with the calls; ``Amplification Data`` with the curves. Tasks
(NTC, positive control, IPC), dyes and the reported Cq must survive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chipdx import io

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (a [test] dependency) writes the workbooks")

META = [["File Name", "C:\\runs\\pa_panel.eds"], ["Instrument Type", "QuantStudio 5 System"],
        ["Block Type", "96-Well 0.2-mL Block"], ["Software Name and Version", "Design & Analysis Software v2.7.0"],
        ["Plugin Name and Version", "Presence Absence v1.3.0"], []]
RESULT_HEADER = ["Well", "Well Position", "Omit", "Sample", "Target", "Task", "Reporter", "Quencher", "Amp Status",
                 "Cq", "Cq Mean", "Threshold", "Baseline Start", "Baseline End"]
# (well, position, sample, target, task, reporter, Cq)
WELLS = [
    (1, "A1", "P1", "SARS-CoV-2 N", "UNKNOWN", "FAM", "24.31"),
    (1, "A1", "P1", "RNase P", "IPC", "VIC", "27.80"),
    (2, "A2", "P2", "SARS-CoV-2 N", "UNKNOWN", "FAM", "Undetermined"),
    (2, "A2", "P2", "RNase P", "IPC", "VIC", "28.10"),
    (3, "A3", "NTC", "SARS-CoV-2 N", "NTC", "FAM", "Undetermined"),
    (3, "A3", "NTC", "RNase P", "NTC", "VIC", "Undetermined"),
    (4, "A4", "PC", "SARS-CoV-2 N", "POSITIVE CONTROL", "FAM", "22.05"),
    (4, "A4", "PC", "RNase P", "POSITIVE CONTROL", "VIC", "26.40"),
]
N_CYCLES = 40


def write_presence_absence(path: Path, *, results_sheet: str = "Primary_result") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = results_sheet
    for row in [*META, RESULT_HEADER]:
        sheet.append(row)
    for well, position, sample, target, task, reporter, cq in WELLS:
        sheet.append([well, position, "false", sample, target, task, reporter, "NFQ-MGB",
                      "Amp" if cq != "Undetermined" else "No Amp", cq, cq, 0.1 if reporter == "FAM" else 0.05,
                      3, 15])
    calls = book.create_sheet("Target Call")
    for row in [*META, ["Well", "Well Position", "Sample", "Target", "Call"]]:
        calls.append(row)
    for well, position, sample, target, _, _, cq in WELLS:
        calls.append([well, position, sample, target, "Negative" if cq == "Undetermined" else "Positive"])
    amplification = book.create_sheet("Amplification Data")
    for row in [*META, ["Well", "Well Position", "Cycle Number", "Target", "Rn", "dRn", "Sample", "Omit"]]:
        amplification.append(row)
    for well, position, sample, target, _, _, cq in WELLS:
        for cycle in range(1, N_CYCLES + 1):
            rise = 0.0 if cq == "Undetermined" else 2.0 / (1 + np.exp(-(cycle - float(cq)) / 1.6))
            amplification.append([well, position, cycle, target, 1 + rise, rise, sample, "false"])
    book.save(path)
    return path


def test_primary_result_keeps_tasks_dyes_and_reported_cq(tmp_path: Path) -> None:
    data = io.read(write_presence_absence(tmp_path / "pa.xlsx"))
    run = data.runs[0]
    got = [(r.well.label, r.target_id, data.sample(r.sample_id).type_for(r.target_id).value,
            data.target(r.target_id).dye_id, r.reported.cq) for r in run.reactions]
    expected = [(position, target, {"UNKNOWN": "unkn", "IPC": "pos", "NTC": "ntc", "POSITIVE CONTROL": "pos"}[task],
                 reporter, None if cq == "Undetermined" else float(cq))
                for _, position, _, target, task, reporter, cq in WELLS]
    assert got == expected
    assert run.amplification is not None and run.amplification.n_cycles == N_CYCLES
    assert {r.reported.quantification_fluorescence for r in run.reactions} == {0.1, 0.05}
    assert run.software is not None and run.software.name == "Design & Analysis Software v2.7.0"
    assert [r.reported.note for r in run.reactions] == [
        f"call: {'Negative' if cq == 'Undetermined' else 'Positive'}" for *_, cq in WELLS]


def test_primary_result_reads_like_results(tmp_path: Path) -> None:
    a = io.read(write_presence_absence(tmp_path / "a.xlsx"))
    b = io.read(write_presence_absence(tmp_path / "b.xlsx", results_sheet="Results"))
    assert a.runs[0].reactions == b.runs[0].reactions
    assert a.samples == b.samples and a.targets == b.targets


def test_primary_result_without_curves_is_recognised(tmp_path: Path) -> None:
    path = write_presence_absence(tmp_path / "pa.xlsx")
    book = openpyxl.load_workbook(path)
    del book["Amplification Data"]
    book.save(path)
    data = io.read(path)
    assert data.provenance is not None and data.provenance.format == "quantstudio-xlsx"
    assert data.runs[0].amplification is None
    assert sum(r.reported.cq is not None for r in data.runs[0].reactions) == 5
