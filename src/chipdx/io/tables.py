"""Plain CSV tables that feed interpretation: long curve tables and Cq tables.

* **Long curve table** (optionally gzipped): columns ``dataset, curve_id, cycle, fluo``,
  one row per reading — the layout of ``../shared/data/ai/*/curves_long.csv.gz``.
  Read into a :class:`CurveTable` whose ``fluorescence`` matrix has one row per
  curve and one column per cycle (``NaN`` where a curve has no reading).
* **Cq table**: columns ``sample, sample_type, target, cq`` (``sample_type`` one of
  ``unkn, ntc, pos, ext``; an empty ``cq`` or ``Undetermined``/``NaN`` means no Cq).
  Optional columns: ``well``, ``curve_call`` (``amplified | not_amplified | review``,
  from ``chipdx classify``), ``p_amplified``, ``tm_c`` (melt peak), and for digital PCR ``copies_per_ul`` and
  ``n_partitions`` (then ``cq`` may be left out). Read into :class:`CqRow` records;
  other columns are ignored.

Tables are read as labs write them (sniffed, nothing to declare): ``,``, ``;`` or tab
separated; cells quoted or not (R's ``write.csv``, whose unnamed first column of row
names is ignored); a decimal comma in ``;`` or tab separated files (``write.csv2``, Excel
on a German or French PC); headers in any case with spaces for underscores (``Sample
Type``), ``Sample Name``/``Target Name``/``Ct`` for ``sample``/``target``/``cq``; Excel's
UTF-8 byte-order mark or a Windows code page; CRLF line ends; ``sample_type`` also as
``Unknown``, ``NTC``, ``Positive Control``, ``Negative Control``, ``Extraction Control``.

Both readers check everything before returning and raise one
:class:`~chipdx.errors.FormatError` naming the file, the line, what was expected
and what was found.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from chipdx.errors import FormatError, quote
from chipdx.io._safety import read_file_bounded
from chipdx.io._text import decode_text, guess_dialect, gunzip_bounded, gunzip_head, split_lines, split_rows

__all__ = [
    "CQ_COLUMNS",
    "CURVE_COLUMNS",
    "SAMPLE_TYPES",
    "CqRow",
    "CurveTable",
    "read_cq_table",
    "read_curve_table",
    "table_columns",
]

CURVE_COLUMNS = ("dataset", "curve_id", "cycle", "fluo")
CQ_COLUMNS = ("sample", "sample_type", "target", "cq")
SAMPLE_TYPES = ("unkn", "ntc", "pos", "ext")
CURVE_CALLS = ("amplified", "not_amplified", "review")
_NO_CQ = {"", "undetermined", "nan", "na", "n/a", "none", "-"}
_NUMERIC = frozenset({"cycle", "fluo", "cq", "p_amplified", "copies_per_ul", "n_partitions", "tm_c"})
_COLUMN_ALIASES = {"sample_name": "sample", "target_name": "target", "ct": "cq", "c_t": "cq", "cp": "cq",
                   "tm": "tm_c", "copies/µl": "copies_per_ul", "copies/ul": "copies_per_ul"}
_TYPE_ALIASES = {"unknown": "unkn", "sample": "unkn", "specimen": "unkn", "negative_control": "ntc",
                 "no_template_control": "ntc", "positive_control": "pos", "extraction_control": "ext"}
MAX_CYCLES = 200
_HEAD_BYTES = 65536


@dataclass(frozen=True, slots=True, eq=False)
class CurveTable:
    """Curves of a long table as a matrix: row ``i`` is ``(datasets[i], curve_ids[i])``."""

    datasets: tuple[str, ...]
    curve_ids: tuple[str, ...]
    cycles: NDArray[np.float64]
    fluorescence: NDArray[np.float64]

    def __post_init__(self) -> None:
        n = len(self.curve_ids)
        if len(self.datasets) != n or self.fluorescence.shape != (n, self.cycles.size):
            raise ValueError("datasets, curve_ids, cycles and fluorescence disagree in size")


@dataclass(frozen=True, slots=True)
class CqRow:
    """One row of a Cq table; ``cq`` is ``None`` when no Cq was found."""

    sample: str
    sample_type: str
    target: str
    cq: float | None
    well: str | None = None
    curve_call: str | None = None
    p_amplified: float | None = None
    copies_per_ul: float | None = None
    n_partitions: int | None = None
    tm_c: float | None = None

    def __post_init__(self) -> None:
        if self.sample_type not in SAMPLE_TYPES:
            raise ValueError(f"sample_type must be one of {', '.join(SAMPLE_TYPES)}, not {self.sample_type!r}")


def _text(path: Path) -> str:
    source = str(path)
    data = gunzip_bounded(read_file_bounded(path), source=source)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, source=source)
    if b"\x00" in data:
        raise FormatError(source, "", "a CSV text file", "binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return decode_text(data, source=source)  # a Windows code page (Excel's "CSV" on a Western PC)


def _column_name(cell: str) -> str:
    """A header cell as a column name: any case, quotes, spaces or hyphens (``"Sample Type"`` → ``sample_type``)."""
    name = "_".join(cell.strip().strip('"').strip().lower().replace("-", " ").split())
    return _COLUMN_ALIASES.get(name, name)


def _header_line(text: str) -> str:
    return next((line for line in split_lines(text) if line.strip()), "")


def table_columns(path: str | Path) -> tuple[str, ...]:
    """The column names of a delimited table's header, normalised as the readers use them.

    Quoted or not, ``,`` / ``;`` / tab separated, any case, with or without Excel's byte-order
    mark, plain or gzipped; only the first 64 KiB are read. A folder or a file that is not text
    has no columns (``()``); a missing file raises :class:`~chipdx.errors.FormatError`.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "cq.csv")
    ...     _ = path.write_bytes(b'\\xef\\xbb\\xbf"Sample";"Sample Type";"Target";"Ct"\\r\\n')
    ...     table_columns(path)
    ('sample', 'sample_type', 'target', 'cq')
    """
    path = Path(path)
    if path.is_dir():
        return ()
    try:
        with path.open("rb") as stream:
            head = gunzip_head(stream.read(_HEAD_BYTES))
    except OSError:
        read_file_bounded(path)  # raises the one-line error (no such file, permission denied)
        raise
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ()
    header = _header_line(decode_text(head))
    try:
        rows = split_rows(header, guess_dialect(header)[0], source=str(path)) if header else []
    except FormatError:
        return ()
    return tuple(_column_name(c) for c in rows[0]) if rows else ()


def _rows(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()
          ) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows as {column: cell}. ``;`` or tab separated files may write a decimal comma (``25,5``):
    numeric cells come back with a decimal point."""
    text = _text(path)
    header = _header_line(text)
    if not header:
        raise FormatError(str(path), "line 1", "a header row " + ",".join(columns), "an empty file")
    delimiter, _ = guess_dialect(header)
    rows = split_rows(text, delimiter, source=str(path))
    first = next(i for i, row in enumerate(rows) if any(cell.strip() for cell in row))
    names = [_column_name(h) for h in rows[first]]
    missing = [c for c in columns if c not in names]
    if missing:
        raise FormatError(str(path), f"line {first + 1}", f"columns {', '.join(columns)}",
                          f"no column {missing[0]!r} (columns: {', '.join(n for n in names if n) or 'none'})")
    wanted = columns + tuple(c for c in optional if c in names)
    where = [names.index(c) for c in wanted]
    for line, row in enumerate(rows[first + 1:], start=first + 2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise FormatError(str(path), f"line {line}", f"{len(names)} fields", f"{len(row)} fields")
        cells = {c: row[i].strip() for c, i in zip(wanted, where, strict=True)}
        if delimiter != ",":
            cells = {c: v.replace(",", ".") if c in _NUMERIC else v for c, v in cells.items()}
        yield line, cells


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FormatError(str(path), f"line {line}, column {column}", "a number", quote(text)) from None
    if not math.isfinite(value):
        raise FormatError(str(path), f"line {line}, column {column}", "a finite number", quote(text))
    return value


def read_curve_table(path: str | Path) -> CurveTable:
    """Read a long curve table (``dataset, curve_id, cycle, fluo``), plain or gzipped.

    Cycles must be whole numbers from 1 to 200; each (curve, cycle) pair at most once.
    """
    path = Path(path)
    keys: dict[tuple[str, str], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for line, row in _rows(path, CURVE_COLUMNS):
        cycle = _number(path, line, "cycle", row["cycle"])
        if cycle != int(cycle) or not 1 <= cycle <= MAX_CYCLES:
            raise FormatError(str(path), f"line {line}, column cycle", f"a whole cycle 1-{MAX_CYCLES}",
                              quote(row["cycle"]))
        key = (row["dataset"], row["curve_id"])
        if not key[1]:
            raise FormatError(str(path), f"line {line}, column curve_id", "a curve name", "an empty cell")
        rows.append(keys.setdefault(key, len(keys)))
        cols.append(int(cycle) - 1)
        values.append(_number(path, line, "fluo", row["fluo"]))
    if not keys:
        raise FormatError(str(path), "line 2", "at least one reading", "no data rows")
    n_cycles = max(cols) + 1
    fluorescence = np.full((len(keys), n_cycles), np.nan)
    r, c = np.asarray(rows), np.asarray(cols)
    flat = r * n_cycles + c
    unique, counts = np.unique(flat, return_counts=True)
    if np.any(counts > 1):
        dup = int(unique[np.argmax(counts > 1)])
        name = list(keys)[dup // n_cycles]
        raise FormatError(str(path), f"curve {name[0]}/{name[1]}", "one reading per cycle",
                          f"cycle {dup % n_cycles + 1} twice")
    fluorescence[r, c] = values
    names = list(keys)
    return CurveTable(tuple(k[0] for k in names), tuple(k[1] for k in names),
                      np.arange(1.0, n_cycles + 1.0), fluorescence)


def _optional_number(path: Path, line: int, column: str, text: str | None) -> float | None:
    if text is None or text.lower() in _NO_CQ:
        return None
    return _number(path, line, column, text)


def read_cq_table(path: str | Path) -> tuple[CqRow, ...]:
    """Read a Cq table (``sample, sample_type, target, cq`` plus the optional columns)."""
    path = Path(path)
    out: list[CqRow] = []
    names = table_columns(path)
    digital = "copies_per_ul" in names and "cq" not in names
    columns = CQ_COLUMNS[:3] if digital else CQ_COLUMNS
    optional = ("well", "curve_call", "p_amplified", "copies_per_ul", "n_partitions", "tm_c")
    for line, row in _rows(path, columns, optional):
        kind = _column_name(row["sample_type"])
        kind = _TYPE_ALIASES.get(kind, kind)
        if kind not in SAMPLE_TYPES:
            raise FormatError(str(path), f"line {line}, column sample_type", f"one of {', '.join(SAMPLE_TYPES)}",
                              quote(row["sample_type"]))
        for column in ("sample", "target"):
            if not row[column]:
                raise FormatError(str(path), f"line {line}, column {column}", "a name", "an empty cell")
        cq = _optional_number(path, line, "cq", row.get("cq"))
        if cq is not None and not 0.0 <= cq <= MAX_CYCLES:
            raise FormatError(str(path), f"line {line}, column cq", f"a Cq between 0 and {MAX_CYCLES}", quote(cq))
        call = row.get("curve_call") or None
        if call is not None and call not in CURVE_CALLS:
            raise FormatError(str(path), f"line {line}, column curve_call", "one of " + ", ".join(CURVE_CALLS),
                              quote(call))
        partitions = _optional_number(path, line, "n_partitions", row.get("n_partitions"))
        out.append(CqRow(row["sample"], kind, row["target"], cq, well=row.get("well") or None, curve_call=call,
                         p_amplified=_optional_number(path, line, "p_amplified", row.get("p_amplified")),
                         copies_per_ul=_optional_number(path, line, "copies_per_ul", row.get("copies_per_ul")),
                         n_partitions=None if partitions is None else int(partitions),
                         tm_c=_optional_number(path, line, "tm_c", row.get("tm_c"))))
    if not out:
        raise FormatError(str(path), "line 2", "at least one Cq row", "no data rows")
    return tuple(out)
