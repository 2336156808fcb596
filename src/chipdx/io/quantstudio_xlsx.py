"""Applied Biosystems QuantStudio Design & Analysis (v2) Excel export (``.xlsx``).

Each table is a sheet (``Results``, ``Amplification Data``, ``Multicomponent``,
``Raw Data``, ``Melt Curve Raw Data``, ``Standard Curve Result`` ...). A sheet
starts with a metadata block (``File Name``, ``Instrument Type``, ``Block Type``,
... one key and value per row), then an empty row, then the header row (row 25 in
the exports seen) and the data rows, which end at the next empty row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.io._quantstudio import Table, dataset_from_tables
from chipdx.io._registry import FileFormat, register
from chipdx.io._xlsx import column_letter, read_workbook, sheet_names
from chipdx.model import Dataset

__all__ = ["FORMAT", "read_quantstudio_xlsx", "sniff_quantstudio_xlsx"]

_TABLES = ("Results", "Amplification Data", "Multicomponent", "Melt Curve Raw Data", "Multicomponent Data")


def sniff_quantstudio_xlsx(path: Path, head: bytes) -> bool:
    """True for a workbook with a ``Results`` or ``Amplification Data`` sheet."""
    if not head.startswith(b"PK"):
        return False
    names = sheet_names(path)
    return "Results" in names or "Amplification Data" in names


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
    data: list[tuple[str, ...]] = []
    numbers: list[int] = []
    for index in range(start + 1, len(rows)):
        if not any(c.strip() for c in rows[index]):
            break
        data.append(tuple(rows[index]))
        numbers.append(index + 1)
    return meta, Table(name, header, tuple(data), _place(name, numbers, start + 1, header))


def read_quantstudio_xlsx(path: Path) -> Dataset:
    """Read a QuantStudio Design & Analysis xlsx export into a dataset (one run)."""
    source = str(path)
    wanted = set(_TABLES)
    if "Amplification Data" in sheet_names(path):
        wanted -= {"Multicomponent", "Multicomponent Data"}  # only used when amplification data is absent
    sheets = read_workbook(path, sheets_wanted=wanted)
    meta: dict[str, str] = {}
    tables: dict[str, Table] = {}
    for name, rows in sheets.items():
        sheet_meta, table = _split_sheet(name, rows)
        for key, value in sheet_meta.items():
            meta.setdefault(key, value)
        if table is not None and name in _TABLES:
            tables[name] = table
    if "Results" not in tables and "Amplification Data" not in tables:
        raise FormatError(source, "", "a 'Results' or 'Amplification Data' sheet with a header row",
                          f"sheets {', '.join(sheets) or 'none'}")
    return dataset_from_tables(tables, meta, source=source, format="quantstudio-xlsx")


FORMAT = register(
    FileFormat(
        name="quantstudio-xlsx",
        description="Applied Biosystems QuantStudio Design & Analysis xlsx export",
        extensions=(".xlsx",),
        sniff=sniff_quantstudio_xlsx,
        reader=read_quantstudio_xlsx,
    )
)
