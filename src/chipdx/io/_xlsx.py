"""Opening untrusted Excel workbooks (``.xlsx``) safely and reading sheets as text cells.

An ``.xlsx`` is a zip of XML parts. Before openpyxl parses it, every member is
decompressed once through :func:`chipdx.io._safety.read_zip_member` (so a zip
bomb stops at the size limit) and every XML part is checked for DTDs and entity
declarations, which a workbook never needs.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from io import BytesIO
from pathlib import Path

from chipdx.errors import FormatError, UnsafeInputError
from chipdx.io._safety import MAX_INPUT_BYTES, read_file_bounded, read_zip_member

__all__ = ["cell_text", "column_letter", "read_workbook", "sheet_names"]

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)")
_SHEET = re.compile(rb'<sheet\b[^>]*\bname="([^"]*)"')


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, read from ``xl/workbook.xml`` (empty when not a workbook)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                return []
            data = read_zip_member(archive, "xl/workbook.xml", source=str(path), limit=1 << 22)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, FormatError, NotImplementedError, RuntimeError):
        return []
    return [name.decode("utf-8", "replace") for name in _SHEET.findall(data)]


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell value as the text the export would show (``None`` -> ``''``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _check_members(data: bytes, source: str) -> None:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise FormatError(source, "", "an Excel workbook (a zip archive)", str(exc) or "not a zip") from None
    total = 0
    with archive:
        for info in archive.infolist():
            member = read_zip_member(archive, info.filename, source=source)
            total += len(member)
            if total > MAX_INPUT_BYTES:
                raise UnsafeInputError(source, "workbook", f"at most {MAX_INPUT_BYTES} bytes unpacked", "more")
            if info.filename.endswith((".xml", ".rels")) and _DTD.search(member):
                raise UnsafeInputError(source, f"zip member {info.filename!r}", "XML without a DTD", "<!DOCTYPE")


def read_workbook(path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook as rows of text cells (trailing empty cells removed)."""
    source = str(path)
    data = read_file_bounded(path)
    _check_members(data, source)
    import openpyxl  # imported here: only the Excel readers need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style": harmless in exports
            book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
            sheets: dict[str, list[list[str]]] = {}
            for sheet in book.worksheets:
                rows = []
                for row in sheet.iter_rows(values_only=True):
                    cells = [cell_text(v) for v in row]
                    while cells and not cells[-1].strip():
                        cells.pop()
                    rows.append(cells)
                sheets[sheet.title] = rows
            book.close()
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError, AttributeError, IndexError) as exc:
        raise FormatError(source, "", "a readable Excel workbook", f"{type(exc).__name__}: {exc}") from None
    return sheets
