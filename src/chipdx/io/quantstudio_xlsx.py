"""Applied Biosystems QuantStudio Design & Analysis (v2) Excel export (``.xlsx``).

Each table is a sheet (``Results``, ``Amplification Data``, ``Multicomponent``,
``Raw Data``, ``Melt Curve Raw Data``, ``Standard Curve Result`` ...). A sheet
starts with a metadata block (``File Name``, ``Instrument Type``, ``Block Type``,
... one key and value per row), then an empty row, then the header row (row 25 in
the exports seen) and the data rows. The data end at the first row that is not a
well: an empty row, or a settings footer written straight after the last well
(``Analysis Type``, ``Endogenous Control``, ``RQ Min/Max Confidence Level``,
``Reference Sample`` key-value rows, as Design & Analysis 1.5.x and the Real-Time
PCR software write them with or without a blank row before).

Melt data are read from ``Melt Curve Raw Data`` or ``Melt Curve Raw`` (both names
occur in exports); the table is the same. Design & Analysis presence/absence workbooks
hold their results in a ``Primary_result`` sheet instead of ``Results`` (same columns:
``Task``, ``Reporter``, ``Cq``, ``Threshold``, ``Baseline Start/End``), read the same way;
their ``Target Call`` sheet's ``Call`` (Positive, Negative, ...) is kept as the reaction's
reported note (``call: Positive``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.io._quantstudio import Table, dataset_from_tables
from chipdx.io._sniff import QUANTSTUDIO_SHEET_ALIASES as _SHEET_ALIASES
from chipdx.io._sniff import sheet_names, sniff_quantstudio_xlsx
from chipdx.io._xlsx import column_letter, read_workbook
from chipdx.model import Dataset

__all__ = ["read_quantstudio_xlsx", "sniff_quantstudio_xlsx"]

_TABLES = ("Results", "Amplification Data", "Multicomponent", "Melt Curve Raw Data", "Multicomponent Data",
           "Target Call")
# other sheet names vendor software writes for the same table
# what a data row holds in each well column: ``Well`` a number, ``Well Position`` a label
_WELL_CELL = {"well": re.compile(r"^\s*\d+(\.0+)?\s*$"), "well position": re.compile(r"^\s*[A-Za-z]{1,2}\d{1,3}\s*$")}


def _place(sheet: str, row_numbers: list[int], header_row: int, header: tuple[str, ...]) -> Callable[[int, int], str]:
    def place(row: int, column: int) -> str:
        number = header_row if row < 0 else row_numbers[row]
        return f"sheet {sheet!r}, cell {column_letter(column)}{number}"

    return place


def _split_sheet(name: str, rows: list[list[str]]) -> tuple[dict[str, str], Table | None]:
    blank = next((i for i, row in enumerate(rows) if not any(c.strip() for c in row)), None)
    meta: dict[str, str] = {}
    start = 0
    if blank is not None and blank > 0 and all(len(r) <= 2 for r in rows[:blank]):
        meta = {r[0].strip(): (r[1].strip() if len(r) > 1 else "") for r in rows[:blank] if r and r[0].strip()}
        start = blank
    while start < len(rows) and not any(c.strip() for c in rows[start]):
        start += 1
    if start >= len(rows):
        return meta, None
    header = tuple(c.strip() for c in rows[start])
    well_columns = [(i, _WELL_CELL[name.lower()]) for i, name in enumerate(header) if name.lower() in _WELL_CELL]
    data: list[tuple[str, ...]] = []
    numbers: list[int] = []
    for index in range(start + 1, len(rows)):
        if not any(c.strip() for c in rows[index]) or _is_footer(rows[index], well_columns):
            break
        data.append(tuple(rows[index]))
        numbers.append(index + 1)
    return meta, Table(name, header, tuple(data), _place(name, numbers, start + 1, header))


def _is_footer(row: list[str], well_columns: list[tuple[int, re.Pattern[str]]]) -> bool:
    """A key-value row (at most two cells) whose well columns do not hold a well number / label.

    A data row with a broken well keeps its many cells, so it still reaches the reader and is
    refused there with its place; only a settings footer ends the table.
    """
    if not well_columns or sum(1 for c in row if c.strip()) > 2:
        return False
    return not all(column < len(row) and pattern.match(row[column]) for column, pattern in well_columns)


def read_quantstudio_xlsx(path: Path) -> Dataset:
    """Read a QuantStudio Design & Analysis xlsx export into a dataset (one run)."""
    source = str(path)
    wanted = set(_TABLES) | set(_SHEET_ALIASES)
    if "Amplification Data" in sheet_names(path):
        wanted -= {"Multicomponent", "Multicomponent Data"}  # only used when amplification data is absent
    sheets = read_workbook(path, sheets_wanted=wanted)
    meta: dict[str, str] = {}
    tables: dict[str, Table] = {}
    for sheet, rows in sheets.items():
        name = _SHEET_ALIASES.get(sheet, sheet)
        if sheet != name and name in sheets:
            continue  # the canonical sheet wins when both are there
        sheet_meta, table = _split_sheet(sheet, rows)
        for key, value in sheet_meta.items():
            meta.setdefault(key, value)
        if table is not None and name in _TABLES:
            tables[name] = Table(name, table.header, table.rows, table.place)
    if "Results" not in tables and "Amplification Data" not in tables:
        raise FormatError(source, "", "a 'Results' ('Primary_result') or 'Amplification Data' sheet with a header row",
                          f"sheets {', '.join(sheets) or 'none'}")
    return dataset_from_tables(tables, meta, source=source, format="quantstudio-xlsx")
