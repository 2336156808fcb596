"""Real-world export variants, written in the vendors' layouts for ``bench_readers.py``.

Each is a variant that labs' exports show and that the fixtures at hand do not (issue 16): names are
``<format folder>__<variant>``. Workbooks follow the Design & Analysis layout (metadata block, blank
row, header, wells); text files the QuantStudio ``[Section]`` layout.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

META = [["Block Type", "96-Well Block (0.2mL)"], ["Instrument Type", "QuantStudio 5 System"],
        ["Software Name and Version", "Design & Analysis Software v2.7.0"], []]
FOOTER = [["Analysis Type", "Singleplex"], ["Endogenous Control", "GAPDH"],
          ["RQ Min/Max Confidence Level", "95.0"], ["Reference Sample", "S1"]]
TASKS = ["UNKNOWN", "NTC", "STANDARD", "UNKNOWN"]


def _label(i: int) -> str:
    return f"{'ABCDEFGH'[i // 12]}{i % 12 + 1}"


def _results(n: int) -> list[list[object]]:
    return [[float(i + 1), _label(i), "false", f"S{i}", "GAPDH", TASKS[i % 4], "SYBR",
             "Undetermined" if TASKS[i % 4] == "NTC" else f"{20 + i * 0.5:.3f}"] for i in range(n)]


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _amplification(wells: list[tuple[int, str, str, str, float | None]]) -> list[list[object]]:
    rows: list[list[object]] = [["Well", "Well Position", "Cycle Number", "Target", "Rn", "dRn", "Sample"]]
    for number, position, target, sample, cq in wells:
        for cycle in range(1, 41):
            rise = 0.0 if cq is None else 2.0 / (1 + np.exp(-(cycle - cq) / 1.6))
            rows.append([number, position, cycle, target, 1 + rise, rise, sample])
    return rows


def write_variants(folder: Path) -> Iterator[Path]:
    """Write each variant into ``folder`` and yield its path."""
    header = [["Well", "Well Position", "Omit", "Sample", "Target", "Task", "Reporter", "CT"]]
    for blank in (False, True):
        name = "quantstudio_xlsx__footer_" + ("after_blank_row" if blank else "without_blank_row") + ".xlsx"
        yield _book(folder / name, {"Results": META + header + _results(8) + ([[]] if blank else []) + FOOTER})
    melt: list[list[object]] = [*META, ["Well", "Well Position", "Reading", "Temperature", "Fluorescence", "Target"]]
    melt += [[float(i + 1), _label(i), s + 1, 60 + s, 1000 - 20 * s, "GAPDH"] for i in range(8) for s in range(30)]
    yield _book(folder / "quantstudio_xlsx__melt_curve_raw_sheet.xlsx",
                {"Results": META + header + _results(8), "Melt Curve Raw": melt})
    pa_header = ["Well", "Well Position", "Omit", "Sample", "Target", "Task", "Reporter", "Cq", "Threshold"]
    pa = [(1, "A1", "P1", "N gene", "UNKNOWN", "FAM", 24.3), (1, "A1", "P1", "RNase P", "IPC", "VIC", 27.8),
          (2, "A2", "NTC", "N gene", "NTC", "FAM", None), (2, "A2", "NTC", "RNase P", "NTC", "VIC", None),
          (3, "A3", "PC", "N gene", "POSITIVE CONTROL", "FAM", 22.1),
          (3, "A3", "PC", "RNase P", "POSITIVE CONTROL", "VIC", 26.4)]
    rows: list[list[object]] = [*META, pa_header]
    rows += [[w, p, "false", s, t, task, dye, "Undetermined" if cq is None else cq, 0.1] for w, p, s, t, task, dye, cq
             in pa]
    yield _book(folder / "quantstudio_xlsx__presence_absence_primary_result.xlsx", {
        "Primary_result": rows,
        "Amplification Data": META + _amplification([(w, p, t, s, cq) for w, p, s, t, _, _, cq in pa])})
    positions = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"]
    lines = ["* Block Type = 96-Well Block (0.2mL)", "", "[Results]",
             "Well\tWell Position\tSample Name\tTarget Name\tTask\tReporter\tCT"]
    lines += [f"{n}\t{p}\tS{n}\tGAPDH\tUNKNOWN\tSYBR\t{20 + n}" for n, p in enumerate(positions, 1)]
    lines += ["", "[Amplification Data]", "Well\tCycle\tTarget Name\tRn\tDelta Rn"]
    lines += [f"{n}\t{c}\tGAPDH\t{n + c / 10}\t0" for n in range(1, 9) for c in range(1, 41)]
    numbered = folder / "quantstudio_txt__wells_1_8_at_A1_B4.txt"
    numbered.write_text("\n".join(lines) + "\n")
    yield numbered
    results_only = folder / "quantstudio_txt__results_only.txt"
    results_only.write_text("\n".join(lines[:4 + len(positions)]) + "\n")
    yield results_only
    unknown_zip = folder / "zip__unknown_layout.zip"
    with zipfile.ZipFile(unknown_zip, "w") as archive:
        archive.writestr("data/plate.bin", b"\x00" * 64)
        archive.writestr("notes.txt", "nothing chipdx knows")
    yield unknown_zip
