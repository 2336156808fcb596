"""Look-ups by text in the official reference files, each hit citing its file and that file's date.

The files are read where the user keeps them (by default ``../shared/data/regulatory``, never copied
into the project): the FDA product-classification file (``foiclass``, pipe-delimited), EMDN category W,
HS 2022 (with the curated IVD notes where present) and the MFDS IVD item list. A query matches a row
when every query word occurs in the row's text (prefix match); hits are ranked by how early and how
often the words occur. Parsed files are kept in memory for repeated queries.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chipdx.errors import FormatError

__all__ = ["SOURCES", "Hit", "Source", "lookup"]


@dataclass(frozen=True)
class Source:
    """One reference file: name, date of the copy, delimiter, and the columns of a hit."""

    file: str
    date: str
    delimiter: str
    code: str
    text: tuple[str, ...]
    extra: tuple[str, ...]


SOURCES: dict[str, Source] = {
    "fda": Source("fda_foiclass_2019-07.txt", "2019-07-04 (foiclass snapshot)", "|", "PRODUCTCODE",
                  ("DEVICENAME", "DEFINITION"), ("DEVICECLASS", "REGULATIONNUMBER", "SUBMISSION_TYPE_ID",
                                                 "REVIEW_PANEL")),
    "emdn": Source("emdn_v2_W_ivd.csv", "EMDN V2 (category W)", ",", "code", ("term",), ("level", "terminal")),
    "hs": Source("hs2022_harmonized_system.csv", "HS 2022", ",", "hscode", ("description",), ("level",)),
    "mfds": Source("kr_mfds_ivd_items_classes.csv", "2025-04-07 (MFDS item notice as amended)", ",", "item_code",
                   ("item_name_ko", "english_name_and_definition_raw"), ("mfds_class", "group_name")),
}
NOTES = "hs2022_ivd_relevant.csv"


@dataclass(frozen=True)
class Hit:
    """One matching row: code, its text, extra fields, and where it comes from."""

    code: str
    text: str
    extra: dict[str, str]
    file: str
    date: str


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@cache
def _rows(folder: Path, kind: str) -> tuple[tuple[str, str, dict[str, str], str], ...]:
    source = SOURCES[kind]
    path = folder / source.file
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream, delimiter=source.delimiter))
    except OSError as exc:
        raise FormatError(str(path), "", "a readable reference file", exc.strerror or type(exc).__name__) from None
    missing = [c for c in (source.code, *source.text, *source.extra) if rows and c not in rows[0]]
    if missing:
        raise FormatError(str(path), "header", f"the columns {', '.join(missing)}", ", ".join(rows[0]))
    notes: dict[str, str] = {}
    if kind == "hs" and (folder / NOTES).exists():
        with (folder / NOTES).open(encoding="utf-8", newline="") as stream:
            notes = {r["hscode"]: r["platform_note"] for r in csv.DictReader(stream)}
    out = []
    for row in rows:
        text = " ".join((row[c] or "") for c in source.text).strip()
        extra = {c: row[c] or "" for c in source.extra}
        if row[source.code] in notes:
            extra["ivd_note"] = notes[row[source.code]]
        out.append((row[source.code], text, extra, " " + " ".join(_words(f"{row[source.code]} {text}"))))
    return tuple(out)


def lookup(kind: str, query: str, folder: Path, limit: int = 10) -> list[Hit]:
    """The best *limit* rows of reference file *kind* (fda, emdn, hs, mfds) for *query*."""
    source = SOURCES[kind]
    terms = [" " + t for t in _words(query)]  # a word start: the haystack is " word word ..."
    scored = []
    for code, text, extra, haystack in _rows(folder.resolve(), kind):
        if all(t in haystack for t in terms):
            first = min(haystack.find(t) for t in terms)
            scored.append((-sum(haystack.count(t) for t in terms), first, code, text, extra))
    scored.sort(key=lambda s: (s[0], s[1], s[2]))
    return [Hit(code, text, extra, source.file, source.date) for _, _, code, text, extra in scored[:limit]]
