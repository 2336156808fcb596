"""``lookup refresh``: ingest a newer official FDA or EMDN file from a local path, check its layout, record
its date, and index it for the look-ups (which then cite that file and date).

* **FDA** product classification file ``foiclass.txt`` (fda.gov "Download Product Code Classification
  Files", replaced weekly): pipe-delimited, header ``REVIEW_PANEL|MEDICALSPECIALTY|PRODUCTCODE|DEVICENAME|
  DEVICECLASS|UNCLASSIFIED_REASON|GMPEXEMPTFLAG|THIRDPARTYFLAG|REVIEWCODE|REGULATIONNUMBER|
  SUBMISSION_TYPE_ID|DEFINITION|...``; published in Latin-1 (UTF-8 accepted). Every row needs a
  three-letter product code and a device class 1, 2, 3, U, N or F.
* **EMDN** as the European Commission publishes it (CSV, TSV or XLSX; an ``EMDN V2`` title line may come
  first): columns ``CATEGORY, CATEGORY DESCRIPTION, CODE, TERM, LEVEL, TERMINAL LEVEL YES/NO`` (names
  matched without case or spaces; chipdx's ``code,term,level,terminal`` extract is accepted too). The
  category W rows (IVDs) are indexed.

The date is ``--date`` when given, else the file's modification date (UTC).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

from chipdx.errors import FormatError, InvalidParameterError, UnsafeInputError, quote
from chipdx.market.lookup_index import Entry, IndexInfo, build_index, index_dir
from chipdx.market.xlsx import read_first_sheet

__all__ = ["MAX_BYTES", "REFRESHABLE", "entry", "read_emdn", "read_foiclass", "refresh", "words"]

MAX_BYTES = 100 << 20
REFRESHABLE = ("fda", "emdn")
FDA_COLUMNS = ("PRODUCTCODE", "DEVICENAME", "DEVICECLASS", "REGULATIONNUMBER", "SUBMISSION_TYPE_ID",
               "REVIEW_PANEL", "DEFINITION")
FDA_CLASSES = frozenset({"1", "2", "3", "U", "N", "F"})
EMDN_COLUMNS = {"code": "code", "term": "term", "level": "level", "terminallevelyes/no": "terminal",
                "terminal": "terminal", "category": "category"}


def words(text: str) -> list[str]:
    """The lower-case words of *text* (the look-up's tokens)."""
    return re.findall(r"\w+", text.lower())


def entry(code: str, text: str, extra: dict[str, str]) -> Entry:
    """One index row: code, text, extra fields and the " word word ..." string queries match against."""
    return code, text, extra, " " + " ".join(words(f"{code} {text}"))


def _bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnsafeInputError(str(path), "", f"a reference file of at most {MAX_BYTES >> 20} MiB",
                                   f"{size} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), "", "a readable file", exc.strerror or type(exc).__name__) from None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # foiclass.txt as FDA publishes it


def read_foiclass(path: Path) -> list[Entry]:
    """The rows of an FDA ``foiclass.txt``; a wrong layout or row is refused on one line."""
    file = str(path)
    lines = _text(_bytes(path)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = [h.strip() for h in lines[0].split("|")] if lines else []
    missing = [c for c in FDA_COLUMNS if c not in header]
    if missing:
        raise FormatError(file, "line 1", "the foiclass.txt header (pipe-delimited, with " + ", ".join(FDA_COLUMNS)
                          + ")", quote("|".join(header[:6])))
    index = {name: i for i, name in enumerate(header)}
    entries = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < len(header):
            raise FormatError(file, f"line {number}", f"{len(header)} '|'-separated fields", f"{len(fields)}")
        code, klass = fields[index["PRODUCTCODE"]].strip(), fields[index["DEVICECLASS"]].strip()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise FormatError(file, f"line {number}, column PRODUCTCODE", "a three-letter product code", quote(code))
        if klass not in FDA_CLASSES:
            raise FormatError(file, f"line {number}, column DEVICECLASS", "1, 2, 3, U, N or F", quote(klass))
        text = f"{fields[index['DEVICENAME']].strip()} {fields[index['DEFINITION']].strip()}".strip()
        extra = {c: fields[index[c]].strip() for c in ("DEVICECLASS", "REGULATIONNUMBER", "SUBMISSION_TYPE_ID",
                                                       "REVIEW_PANEL")}
        entries.append(entry(code, text, extra))
    if not entries:
        raise FormatError(file, "line 2", "at least one product code row", "none")
    return entries


def _table(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        return read_first_sheet(path)
    text = _text(_bytes(path))
    first = next((line for line in text.splitlines() if "term" in line.lower()), text[:200])
    delimiter = max("\t,;", key=first.count)
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_emdn(path: Path) -> list[Entry]:
    """The category W (IVD) rows of an EMDN file as the Commission publishes it (CSV, TSV or XLSX)."""
    file = str(path)
    rows = _table(path)
    start, columns = 0, {}
    for number, row in enumerate(rows[:10], start=1):
        names = [re.sub(r"\s+", "", cell).lower() for cell in row]
        columns = {EMDN_COLUMNS[n]: i for i, n in reversed(list(enumerate(names))) if n in EMDN_COLUMNS}
        if {"code", "term", "level", "terminal"} <= set(columns):
            start = number
            break
    if not start:
        raise FormatError(file, "header", "EMDN columns CODE, TERM, LEVEL and TERMINAL LEVEL YES/NO in the first "
                          "10 lines", quote(",".join(rows[0][:6]) if rows and rows[0] else "nothing"))
    entries = []
    for line, row in enumerate(rows[start:], start=start + 1):
        if not any(row):
            continue
        if len(row) <= max(columns.values()):
            raise FormatError(file, f"line {line}", f"at least {max(columns.values()) + 1} columns", f"{len(row)}")
        code, level = row[columns["code"]], row[columns["level"]]
        if not re.fullmatch(r"[A-Z](\d{2})*", code):
            raise FormatError(file, f"line {line}, column CODE", "an EMDN code (a letter, then pairs of digits)",
                              quote(code))
        if not level.isdigit():
            raise FormatError(file, f"line {line}, column LEVEL", "a level number", quote(level))
        if code.startswith("W"):
            entries.append(entry(code, row[columns["term"]], {"level": level, "terminal": row[columns["terminal"]]}))
    if not entries:
        raise FormatError(file, "", "category W (IVD) rows", "none")
    return entries


def refresh(kind: str, path: Path, date: dt.date | None = None, folder: Path | None = None) -> IndexInfo:
    """Check *path* as the newer official file of *kind* (fda, emdn) and index it in *folder*."""
    if kind not in REFRESHABLE:
        raise InvalidParameterError("lookup refresh", "kind", " or ".join(REFRESHABLE), kind)
    entries = read_foiclass(path) if kind == "fda" else read_emdn(path)
    data = _bytes(path)
    when = date.isoformat() if date is not None else \
        dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat() + " (file date)"
    target = index_dir(folder) / f"{kind}.sqlite"
    return build_index(target, kind, entries, path.name, when, hashlib.sha256(data).hexdigest())
