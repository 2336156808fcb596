"""The first worksheet of an .xlsx workbook as rows of text (stdlib only, for reference files such as EMDN).

Office Open XML (ECMA-376 Part 1, SpreadsheetML): the workbook is a zip; ``xl/workbook.xml`` lists the
sheets in order, ``xl/_rels/workbook.xml.rels`` maps each to its part, ``xl/sharedStrings.xml`` holds the
strings that cells of type ``s`` index, and each ``<c r="B7" t="...">`` cell holds ``<v>`` (or ``<is>``
for inline strings). Parts with a DTD are refused, and so are members over :data:`MAX_MEMBER` bytes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from chipdx.errors import FormatError, UnsafeInputError

__all__ = ["MAX_MEMBER", "read_first_sheet"]

MAX_MEMBER = 200 << 20
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _part(book: zipfile.ZipFile, name: str, file: str) -> ElementTree.Element:
    try:
        info = book.getinfo(name)
    except KeyError:
        raise FormatError(file, name, "an .xlsx workbook part", "none") from None
    if info.file_size > MAX_MEMBER:
        raise UnsafeInputError(file, name, f"a part of at most {MAX_MEMBER >> 20} MiB", f"{info.file_size} bytes")
    data = book.read(name)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise UnsafeInputError(file, name, "XML without a DTD or entities", "a DTD")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise FormatError(file, name, "well-formed XML", str(exc)) from None


def _first_sheet(book: zipfile.ZipFile, file: str) -> str:
    sheets = _part(book, "xl/workbook.xml", file).iter(f"{MAIN}sheet")
    first = next(sheets, None)
    if first is None:
        raise FormatError(file, "xl/workbook.xml", "at least one worksheet", "none")
    rel_id = first.get(f"{REL}id")
    for rel in _part(book, "xl/_rels/workbook.xml.rels", file).iter(f"{PACKAGE_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise FormatError(file, "xl/_rels/workbook.xml.rels", f"the relationship {rel_id}", "none")


def _column(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference)
    index = 0
    for letter in letters.group(0) if letters else "A":
        index = index * 26 + ord(letter) - 64
    return index - 1


def read_first_sheet(path: Path) -> list[list[str]]:
    """The cells of the first worksheet, row by row (missing cells are empty strings)."""
    file = str(path)
    try:
        book = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FormatError(file, "", "an .xlsx workbook (zip)", type(exc).__name__) from None
    with book:
        strings = []
        if "xl/sharedStrings.xml" in book.namelist():
            strings = ["".join(t.text or "" for t in si.iter(f"{MAIN}t"))
                       for si in _part(book, "xl/sharedStrings.xml", file).iter(f"{MAIN}si")]
        sheet = _part(book, _first_sheet(book, file), file)
    rows = []
    for row in sheet.iter(f"{MAIN}row"):
        cells: dict[int, str] = {}
        for cell in row.iter(f"{MAIN}c"):
            kind, value = cell.get("t"), cell.find(f"{MAIN}v")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
            elif kind == "s" and value is not None and (value.text or "").isdigit() and int(value.text or 0) < len(
                    strings):
                text = strings[int(value.text or 0)]
            else:
                text = value.text or "" if value is not None else ""
            reference = cell.get("r")
            cells[_column(reference) if reference else max(cells, default=-1) + 1] = text
        rows.append([cells.get(i, "") for i in range(max(cells) + 1)] if cells else [])
    return rows
