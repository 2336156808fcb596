"""Bio-Rad CFX Manager / CFX Maestro CSV exports (and the same tables as xlsx).

CFX software exports one run as a family of CSV files whose names share a prefix
(``<run> -  Quantification Amplification Results_<FLUOR>.csv``, ``<run> -
Melt Curve RFU Results_<FLUOR>.csv``, ``<run> -  Quantification Cq Results_0.csv``
...). chipdx reads the file it is given together with its siblings of the same
prefix in the same folder, or every family file of a folder:

* amplification and melt RFU files are wide: a first unnamed column, then
  ``Cycle`` (or ``Temperature``), then one column per well (``A1`` ... ``H12``);
  the fluor is the last ``_<FLUOR>`` of the file name;
* the Cq results file is long: ``Well`` (``A01``), ``Fluor``, ``Target``, ``Content``
  (``Unkn``, ``Std``, ``NTC``, ``Pos``, ``Neg``, ``NRT``, with ``-<n>`` replicate
  suffixes), ``Sample``, ``Cq`` (``NaN`` when none), ``Starting Quantity (SQ)``.

Delimiter and decimal mark follow the Windows regional settings (``;`` with a
decimal comma on many European PCs; ``Non Numérique`` for NaN), so both are
sniffed from the header line. Not read: ``Melt Curve Derivative Results`` (chipdx
recomputes -dF/dT from the RFU), peak, end-point and summary tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from chipdx.errors import FormatError, quote
from chipdx.io._qpcr_build import RunBuilder, SampleBook, parse_number, plate_for_block
from chipdx.io._safety import read_file_bounded
from chipdx.io._sniff import CFX_FAMILY as _FAMILY
from chipdx.io._sniff import CFX_WELL as _WELL
from chipdx.io._sniff import sniff_cfx
from chipdx.io._text import decode_text, guess_dialect, split_rows
from chipdx.io._xlsx import read_workbook
from chipdx.model import CqMethod, Dataset, Quantity, QuantityUnit, ReportedResult, SampleType

__all__ = ["read_cfx", "sniff_cfx"]

_CONTENT = {
    "unkn": SampleType.UNKNOWN,
    "std": SampleType.STANDARD,
    "ntc": SampleType.NTC,
    "pos": SampleType.POSITIVE_CONTROL,
    "neg": SampleType.NO_TARGET_PRESENT,
    "nrt": SampleType.NO_REVERSE_TRANSCRIPTION,
}


@dataclass(frozen=True, slots=True)
class _Sheet:
    """One table: header, rows, and how to name a cell in messages."""

    source: str
    kind: str  # "amplification", "melt", "cq"
    fluor: str
    header: list[str]
    rows: list[list[str]]
    decimal: str
    lines: list[int]
    sheet: str = ""

    def place(self, row: int, column: int) -> str:
        name = self.header[column] if column < len(self.header) else f"#{column + 1}"
        if self.sheet:
            return f"sheet {self.sheet!r}, row {self.lines[row]}, column {name!r}"
        return f"line {self.lines[row]}, column {name!r}"

    def number(self, row: int, column: int) -> float | None:
        text = self.rows[row][column] if column < len(self.rows[row]) else ""
        try:
            return parse_number(text, decimal=self.decimal, thousands="")
        except ValueError:
            raise FormatError(self.source, self.place(row, column), "a number", quote(text)) from None


def _content(text: str) -> SampleType:
    return _CONTENT.get(re.sub(r"-\d+$", "", text.strip()).lower(), SampleType.UNKNOWN)


def _kind_of(header: list[str]) -> str | None:
    first = [h.strip().lower() for h in header[:3]]
    if "well" in first and any(h.strip().lower() == "cq" for h in header):
        return "cq"
    if "cycle" in first:
        return "amplification"
    if "temperature" in first:
        return "melt"
    return None


def _csv_sheet(path: Path) -> _Sheet:
    source = str(path)
    text = decode_text(read_file_bounded(path), source=source)
    if not text.strip():
        raise FormatError(source, "", "a Bio-Rad CFX CSV export", "an empty file")
    first_line = text.splitlines()[0]
    delimiter, decimal = guess_dialect(first_line)
    rows = split_rows(text, delimiter, source=source)
    header = [h.strip() for h in rows[0]]
    lines = [n + 2 for n in range(len(rows) - 1)]
    body = [(line, row) for line, row in zip(lines, rows[1:], strict=True) if any(c.strip() for c in row)]
    if header and header[0] == "":
        header = header[1:]
        body = [(line, row[1:]) for line, row in body]
    match = _FAMILY.match(path.name)
    if match and "derivative" in match.group(2).lower():
        return _Sheet(source, "derivative", "", header, [], decimal, [])  # recomputed from the RFU, not read
    kind = _kind_of(header)
    if kind is None:
        raise FormatError(source, "line 1", "a CFX header (',Cycle,A1,...', ',Temperature,...' or ',Well,Fluor,...Cq')",
                          quote(first_line, 60))
    for line, row in body:
        if len(row) != len(header):
            raise FormatError(source, f"line {line}", "as many cells as the header has (a truncated file?)",
                              f"{len(row)} cells for {len(header)} columns")
    fluor = (match.group(3) if match and match.group(3) else "") or "unknown"
    return _Sheet(source, kind, fluor, header, [r for _, r in body], decimal, [n for n, _ in body])


def _family(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if _FAMILY.match(p.name))
    match = _FAMILY.match(path.name)
    if match is None:
        return [path]
    siblings = [p for p in path.parent.iterdir() if (m := _FAMILY.match(p.name)) and m.group(1) == match.group(1)]
    return sorted(set(siblings) | {path})


def _declare_cq(sheet: _Sheet, builder: RunBuilder, book: SampleBook, by_fluor: dict[tuple[int, str], int]) -> None:
    col = {h.lower(): i for i, h in enumerate(sheet.header)}
    for name in ("well", "fluor", "cq"):
        if name not in col:
            raise FormatError(sheet.source, "line 1", f"a column {name!r} in the Cq results", quote(sheet.header))
    for row, cells in enumerate(sheet.rows):
        cells = cells + [""] * (len(sheet.header) - len(cells))
        well = builder.well(cells[col["well"]], place=sheet.place(row, col["well"]))
        fluor = cells[col["fluor"]].strip() or "unknown"
        target = cells[col.get("target", -1)].strip() if "target" in col else ""
        target = target or fluor
        kind = _content(cells[col["content"]]) if "content" in col else SampleType.UNKNOWN
        sq_col = col.get("starting quantity (sq)")
        sq = sheet.number(row, sq_col) if sq_col is not None else None
        quantity = Quantity(sq, QuantityUnit.OTHER) if sq is not None and kind is SampleType.STANDARD else None
        sample = cells[col["sample"]].strip() if "sample" in col else ""
        book.target(target, fluor)
        sample = book.sample(sample or f"well {well.label}", kind, target_id=target, quantity=quantity)
        index = builder.reaction(well, sample, target)
        by_fluor[(well.index, fluor)] = index
        builder.report(index, ReportedResult(cq=sheet.number(row, col["cq"])))


def _add_curves(sheet: _Sheet, builder: RunBuilder, book: SampleBook, by_fluor: dict[tuple[int, str], int]) -> None:
    for column, label in enumerate(sheet.header[1:], start=1):
        if not label:
            continue
        well = builder.well(label, place=f"line 1, column {label!r}")
        index = by_fluor.get((well.index, sheet.fluor))
        if index is None:
            book.target(sheet.fluor, sheet.fluor)
            sample = book.sample(f"well {well.label}", SampleType.UNKNOWN, target_id=sheet.fluor)
            index = by_fluor[(well.index, sheet.fluor)] = builder.reaction(well, sample, sheet.fluor)
        for row in range(len(sheet.rows)):
            x, value = sheet.number(row, 0), sheet.number(row, column)
            if x is None:
                raise FormatError(sheet.source, sheet.place(row, 0), "a number", "an empty cell")
            if value is None:
                continue
            if sheet.kind == "amplification":
                builder.amplification_point(index, x, value, place=sheet.place(row, 0))
            else:
                builder.melt_point(index, x, value)


def _dataset(sheets: Iterable[_Sheet], source: str, name: str) -> Dataset:
    sheets = [s for s in sheets if s.kind in {"cq", "amplification", "melt"}]
    if not sheets:
        raise FormatError(source, "", "CFX amplification, melt RFU or Cq results (derivative tables are not read)",
                          "only melt derivative tables")
    labels = [c for s in sheets for c in (s.header[1:] if s.kind != "cq" else [])]
    labels += [r[s.header.index("Well")] for s in sheets if s.kind == "cq" for r in s.rows if len(r) > 1]
    builder = RunBuilder(plate_for_block("", [lab for lab in labels if _WELL.match(lab.strip())]), source)
    book = SampleBook()
    by_fluor: dict[tuple[int, str], int] = {}
    for sheet in sorted(sheets, key=lambda s: s.kind != "cq"):
        if sheet.kind == "cq":
            _declare_cq(sheet, builder, book, by_fluor)
        else:
            _add_curves(sheet, builder, book, by_fluor)
    run = builder.build(name or "run", instrument="Bio-Rad CFX", cq_method=CqMethod.OTHER)
    return book.dataset((run,), format="biorad-cfx")


def _xlsx_sheets(path: Path) -> list[_Sheet]:
    workbook = read_workbook(path)
    sheets = []
    description = workbook.get("description") or workbook.get("0")
    fluors = set()
    if description and description[0]:
        header = [h.strip() for h in description[0]]
        if header and header[0] == "":
            header, description = header[1:], [r[1:] for r in description]
        if "Cq" not in header:
            header.append("Cq")
        rows = [r for r in description[1:] if any(c.strip() for c in r)]
        fluors = {r[header.index("Fluor")] for r in rows if "Fluor" in header and len(r) > header.index("Fluor")}
        sheets.append(_Sheet(str(path), "cq", "", header, rows, ".", list(range(2, len(rows) + 2)), "description"))
    for name, rows in workbook.items():
        if not rows or name in {"description", "0"}:
            continue
        header = [h.strip() for h in rows[0]]
        kind = _kind_of(header)
        if kind in {"amplification", "melt"}:
            fluor = next(iter(fluors)) if len(fluors) == 1 else name
            body = [r for r in rows[1:] if any(c.strip() for c in r)]
            sheets.append(_Sheet(str(path), kind, fluor, header, body, ".", list(range(2, len(body) + 2)), name))
    if not sheets:
        raise FormatError(str(path), "", "CFX tables (a sheet starting with 'Cycle' or a 'Well, Fluor' sheet)",
                          quote(", ".join(workbook)))
    return sheets


def _starts_zip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(2) == b"PK"


def read_cfx(path: Path) -> Dataset:
    """Read a CFX CSV table (with its same-run siblings), a folder of them, or a CFX-table workbook."""
    source = str(path)
    if path.is_file() and _starts_zip(path):
        return _dataset(_xlsx_sheets(path), source, path.stem)
    files = _family(path)
    if not files:
        raise FormatError(source, "", "CFX CSV exports ('... Quantification Amplification Results_<FLUOR>.csv')",
                          "none in this folder")
    match = _FAMILY.match(files[0].name)
    name = match.group(1).strip(" -") if match else path.stem
    return _dataset([_csv_sheet(f) for f in files], source, name)
