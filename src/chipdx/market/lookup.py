"""Look-ups by text in the official reference files, each hit citing its file and that file's date.

The files are read where the user keeps them (by default ``../shared/data/regulatory``, never copied
into the project): the FDA product-classification file (``foiclass``, pipe-delimited), EMDN category W,
HS 2022 (with the curated IVD notes where present) and the MFDS IVD item list. A query matches a row
when every query word starts a word of the row's code or text (prefix match); hits are ranked by how
often and how early the words occur, then by code.

Each file is parsed once and kept as an SQLite FTS5 index in the user data directory, keyed by the
SHA-256 of the file (:mod:`chipdx.market.lookup_index`), so later queries — in this process or the
next — read only the matching rows. A newer FDA or EMDN file ingested with ``lookup refresh``
(:mod:`chipdx.market.refresh`) takes the place of the stored copy, and its hits cite that file and its
recorded date. Where the data directory cannot be written the parsed file stays in memory instead.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.market.lookup_index import Entry, build_index, candidates, index_dir, read_info
from chipdx.market.refresh import REFRESHABLE, entry, words

__all__ = ["SOURCES", "Hit", "Source", "lookup", "source_of"]


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


def _read(path: Path, delimiter: str) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            if delimiter == "|":  # foiclass has bare quote characters
                return list(csv.DictReader(stream, delimiter=delimiter, quoting=csv.QUOTE_NONE))
            return list(csv.DictReader(stream, delimiter=delimiter))
    except OSError as exc:
        raise FormatError(str(path), "", "a readable reference file", exc.strerror or type(exc).__name__) from None


@cache
def _rows(folder: Path, kind: str, stamp: str) -> tuple[Entry, ...]:
    """The parsed rows of the stored file (*stamp*: its digest, so a changed file is read again)."""
    source = SOURCES[kind]
    path = folder / source.file
    rows = _read(path, source.delimiter)
    missing = [c for c in (source.code, *source.text, *source.extra) if rows and c not in rows[0]]
    if missing:
        raise FormatError(str(path), "header", f"the columns {', '.join(missing)}", ", ".join(rows[0]))
    notes: dict[str, str] = {}
    if kind == "hs" and (folder / NOTES).exists():
        notes = {r["hscode"]: r["platform_note"] for r in _read(folder / NOTES, ",")}
    out = []
    for row in rows:
        text = " ".join((row[c] or "") for c in source.text).strip()
        extra = {c: row[c] or "" for c in source.extra}
        if row[source.code] in notes:
            extra["ivd_note"] = notes[row[source.code]]
        out.append(entry(row[source.code], text, extra))
    return tuple(out)


@cache
def _digest(path: Path, size: int, mtime_ns: int, notes: tuple[int, int] | None) -> str:
    sha = hashlib.sha256(path.read_bytes())
    if notes is not None:
        sha.update((path.parent / NOTES).read_bytes())
    return sha.hexdigest()


def _stamp(folder: Path, kind: str) -> str:
    path = folder / SOURCES[kind].file
    try:
        status = path.stat()
        notes = folder / NOTES
        extra = (notes.stat().st_size, notes.stat().st_mtime_ns) if kind == "hs" and notes.exists() else None
        return _digest(path, status.st_size, status.st_mtime_ns, extra)
    except OSError as exc:
        raise FormatError(str(path), "", "a readable reference file", exc.strerror or type(exc).__name__) from None


def source_of(kind: str, folder: Path, index_folder: Path | None = None) -> tuple[Path | None, str, str, str]:
    """(index path or None for in-memory, file name, file date, digest) of the file *kind* is searched in."""
    if kind in REFRESHABLE:
        refreshed = read_info(index_dir(index_folder) / f"{kind}.sqlite", kind)
        if refreshed is not None:
            return refreshed.path, refreshed.file, refreshed.date, refreshed.sha256
    source = SOURCES[kind]
    digest = _stamp(folder, kind)
    cached = index_dir(index_folder) / "cache" / f"{kind}-{digest[:16]}.sqlite"
    info = read_info(cached, kind)
    if info is None or info.sha256 != digest:
        try:
            info = build_index(cached, kind, _rows(folder, kind, digest), source.file, source.date, digest)
        except (OSError, sqlite3.Error):
            return None, source.file, source.date, digest
    return info.path, source.file, source.date, digest


def lookup(kind: str, query: str, folder: Path, limit: int = 10, index_folder: Path | None = None) -> list[Hit]:
    """The best *limit* rows of reference file *kind* (fda, emdn, hs, mfds) for *query*."""
    folder = folder.resolve()
    index, file, date, digest = source_of(kind, folder, index_folder)
    terms = [" " + t for t in words(query)]  # a word start: the haystack is " word word ..."
    rows = candidates(index, words(query)) if index is not None else _rows(folder, kind, digest)
    scored = []
    for code, text, extra, haystack in rows:
        if all(t in haystack for t in terms):
            first = min((haystack.find(t) for t in terms), default=0)
            scored.append((-sum(haystack.count(t) for t in terms), first, code, text, extra))
    scored.sort(key=lambda s: (s[0], s[1], s[2]))
    return [Hit(code, text, extra, file, date) for _, _, code, text, extra in scored[:limit]]
