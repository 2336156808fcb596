"""Opening untrusted Excel workbooks (``.xlsx``) safely and reading sheets as text cells.

An ``.xlsx`` is a zip of XML parts (ECMA-376 / ISO/IEC 29500 SpreadsheetML). Every
member is decompressed through :func:`chipdx.io._safety.read_zip_member` (so a zip
bomb stops at the size limit) and every XML part is parsed by
:func:`chipdx.io._safety.parse_xml`, which refuses DTDs and entity declarations.
Only cell values are read: shared strings, inline strings, numbers and booleans.
"""

from __future__ import annotations

import functools
import re
import zipfile
from io import BytesIO
from pathlib import Path

from lxml import etree

from chipdx.errors import FormatError, UnsafeInputError
from chipdx.io._safety import MAX_INPUT_BYTES, parse_xml, read_file_bounded, read_zip_member
from chipdx.io._sniff import sheet_names

__all__ = ["column_letter", "read_workbook", "sheet_names"]

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)")


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


def _members(data: bytes, source: str) -> dict[str, bytes]:
    """Every member of the workbook zip, decompressed once, bounded, XML parts without DTDs."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise FormatError(source, "", "an Excel workbook (a zip archive)", str(exc) or "not a zip") from None
    members: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in archive.infolist():
            member = read_zip_member(archive, info.filename, source=source)
            total += len(member)
            if total > MAX_INPUT_BYTES:
                raise UnsafeInputError(source, "workbook", f"at most {MAX_INPUT_BYTES} bytes unpacked", "more")
            if info.filename.endswith((".xml", ".rels")) and _DTD.search(member):
                raise UnsafeInputError(source, f"zip member {info.filename!r}", "XML without a DTD", "<!DOCTYPE")
            members[info.filename] = member
    return members


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _shared_strings(members: dict[str, bytes], source: str) -> list[str]:
    data = members.get("xl/sharedStrings.xml")
    if not data:
        return []
    root = parse_xml(data, source=f"{source}: xl/sharedStrings.xml")
    return ["".join(t.text or "" for t in item.iter() if _local(t.tag) == "t") for item in root
            if _local(item.tag) == "si"]


def _sheet_paths(members: dict[str, bytes], source: str) -> list[tuple[str, str]]:
    """(sheet name, zip member) in workbook order."""
    book = parse_xml(members.get("xl/workbook.xml", b""), source=f"{source}: xl/workbook.xml")
    rels_data = members.get("xl/_rels/workbook.xml.rels", b"")
    targets = {}
    if rels_data:
        for rel in parse_xml(rels_data, source=f"{source}: xl/_rels/workbook.xml.rels"):
            target = rel.get("Target", "")
            targets[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets = []
    for number, sheet in enumerate((e for e in book.iter() if _local(e.tag) == "sheet"), start=1):
        rel_id = next((str(v) for k, v in sheet.attrib.items() if _local(k) == "id"), "")
        sheets.append((sheet.get("name", f"Sheet{number}"), targets.get(rel_id, f"xl/worksheets/sheet{number}.xml")))
    return sheets


def _column_index(reference: str) -> int:
    """0-based column of a cell reference such as ``AB12``."""
    return _letters_index(reference.rstrip("0123456789"))


@functools.lru_cache(maxsize=1024)
def _letters_index(letters: str) -> int:
    index = 0
    for char in letters:
        if not char.isalpha():
            return -1
        index = index * 26 + ord(char.upper()) - ord("A") + 1
    return index - 1


def _cell_value(cell: etree._Element, ns: str, strings: list[str], source: str) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{ns}t"))
    value = cell.findtext(f"{ns}v") or ""
    if kind == "s":
        try:
            return strings[int(value)]
        except (ValueError, IndexError):
            raise FormatError(source, f"cell {cell.get('r', '?')}", "a valid shared-string index",
                              repr(value)) from None
    if kind == "b":
        return "true" if value.strip() == "1" else "false"
    return value


def _row_cells(row: etree._Element, number: int, strings: list[str], source: str) -> list[str]:
    tag = str(row.tag)
    ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
    cells: list[str] = []
    for cell in row.iterchildren(f"{ns}c"):
        reference = cell.get("r")
        column = _column_index(reference) if reference else len(cells)
        if not 0 <= column < 16_384:
            raise FormatError(source, f"row {number}", "a cell reference like 'B7'", repr(reference))
        if column >= len(cells):
            cells.extend([""] * (column + 1 - len(cells)))
        cells[column] = _cell_value(cell, ns, strings, source)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _sheet_rows(data: bytes, strings: list[str], source: str) -> list[list[str]]:
    """Rows of one sheet, streamed (DTDs are refused before the parser sees the bytes)."""
    if _DTD.search(data):
        raise UnsafeInputError(source, "", "XML without a DTD", "<!DOCTYPE")
    rows: list[list[str]] = []
    events = etree.iterparse(BytesIO(data), events=("end",), tag="{*}row", resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False)
    try:
        for _, row in events:
            try:
                number = int(row.get("r", str(len(rows) + 1)))
            except ValueError:
                raise FormatError(source, "row", "a row number", repr(row.get("r"))) from None
            if not len(rows) < number <= 1_048_576:
                raise FormatError(source, f"row {number}", "increasing row numbers up to 1048576", str(number))
            rows.extend([] for _ in range(number - 1 - len(rows)))
            rows.append(_row_cells(row, number, strings, source))
            row.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        found = exc.msg or "a syntax error"
        raise FormatError(source, f"line {line}, column {column}", "well-formed XML", found) from None
    return rows


def read_workbook(path: Path, *, sheets_wanted: set[str] | None = None) -> dict[str, list[list[str]]]:
    """The sheets of a workbook as rows of text cells (trailing empty cells removed).

    With ``sheets_wanted``, only those sheets (and the first, for metadata) are parsed. The
    parts are read with chipdx's own safe XML parser (no DTDs), not a spreadsheet library.
    """
    source = str(path)
    data = read_file_bounded(path)
    members = _members(data, source)
    if "xl/workbook.xml" not in members:
        raise FormatError(source, "zip member 'xl/workbook.xml'", "an Excel workbook part", "missing")
    strings = _shared_strings(members, source)
    sheets: dict[str, list[list[str]]] = {}
    for number, (name, member) in enumerate(_sheet_paths(members, source)):
        if sheets_wanted is not None and number > 0 and name not in sheets_wanted:
            continue
        if member not in members:
            raise FormatError(source, f"sheet {name!r}", f"its part {member!r}", "missing")
        sheets[name] = _sheet_rows(members[member], strings, f"{source}: {member}")
    return sheets
