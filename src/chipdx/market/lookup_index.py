"""On-disk SQLite FTS5 indexes of the reference files, so that a look-up never parses a file twice.

One index is one SQLite database: ``meta`` (kind, file, date, SHA-256 of the file, row count, schema),
``rows`` (code, text, extra fields as JSON, the normalised word string) and ``fts``, an FTS5 table over
the word string (external content, ``unicode61`` tokenizer). A query asks FTS5 for the rows in which
every query word starts a token (``"word"*``: the look-up's prefix semantics), then the caller ranks
those candidates. Indexes live in the user data directory — ``$XDG_DATA_HOME/chipdx/lookup`` (default
``~/.local/share/chipdx/lookup``) or an explicit ``--index-dir`` — as ``KIND.sqlite`` for a refreshed
file and ``cache/KIND-SHA256.sqlite`` for a file read in place. They are written to a temporary file
and renamed, so a reader never sees half an index.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["SCHEMA", "Entry", "IndexInfo", "build_index", "candidates", "index_dir", "read_info"]

SCHEMA = "1"

#: One row of a reference file: code, text, extra fields, and " word word ..." for matching.
Entry = tuple[str, str, dict[str, str], str]


@dataclass(frozen=True)
class IndexInfo:
    """What an index was built from."""

    kind: str
    file: str
    date: str
    sha256: str
    rows: int
    built: str
    path: Path


def index_dir(explicit: Path | None = None) -> Path:
    """Where indexes are kept: *explicit*, else ``$XDG_DATA_HOME/chipdx/lookup``."""
    if explicit is not None:
        return explicit
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chipdx" / "lookup"


def build_index(target: Path, kind: str, entries: Iterable[Entry], file: str, date: str, sha256: str) -> IndexInfo:
    """Write the index of *entries* to *target* atomically and describe it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    built = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    try:
        with sqlite3.connect(temporary) as db:
            db.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"  # a temporary file, renamed when complete
                "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE rows(id INTEGER PRIMARY KEY, code TEXT NOT NULL, text TEXT NOT NULL, "
                "extra TEXT NOT NULL, words TEXT NOT NULL);"
                "CREATE VIRTUAL TABLE fts USING fts5(words, content='rows', content_rowid='id', "
                "tokenize='unicode61 remove_diacritics 0');")
            count = 0
            for code, text, extra, words in entries:
                db.execute("INSERT INTO rows(code, text, extra, words) VALUES (?, ?, ?, ?)",
                           (code, text, json.dumps(extra, ensure_ascii=False), words))
                count += 1
            db.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
            meta = {"schema": SCHEMA, "kind": kind, "file": file, "date": date, "sha256": sha256,
                    "rows": str(count), "built": built}
            db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.close()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _connection.cache_clear()
    return IndexInfo(kind, file, date, sha256, count, built, target)


@cache
def _connection(path: Path, stamp: tuple[int, int]) -> sqlite3.Connection:
    """A read-only connection, kept for the process (*stamp*: size and mtime, so a rebuilt index reopens)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def _open(path: Path) -> sqlite3.Connection | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return _connection(path, (status.st_size, status.st_mtime_ns))


def read_info(path: Path, kind: str) -> IndexInfo | None:
    """The description of the index at *path*, or None when it is missing, unreadable or another schema."""
    db = _open(path)
    if db is None:
        return None
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return None
    if meta.get("schema") != SCHEMA or meta.get("kind") != kind:
        return None
    return IndexInfo(kind, meta["file"], meta["date"], meta["sha256"], int(meta["rows"]), meta["built"], path)


def candidates(path: Path, terms: list[str]) -> list[Entry]:
    """The rows of the index in which every term starts a token (all rows when there are no terms)."""
    db = _open(path)
    if db is None:
        return []
    phrases = [t.replace("_", " ").strip() for t in terms]  # FTS5 splits tokens on "_"; the caller re-checks
    if any(phrases):
        match = " AND ".join(f'"{p}"*' for p in phrases if p)
        cursor = db.execute("SELECT r.code, r.text, r.extra, r.words FROM fts JOIN rows r ON r.id = fts.rowid "
                            "WHERE fts MATCH ?", (match,))
    else:
        cursor = db.execute("SELECT code, text, extra, words FROM rows")
    return [(code, text, json.loads(extra), words) for code, text, extra, words in cursor]
