"""Records (dataclass rows, such as the simulator's ground truth) written as a CSV table.

>>> import dataclasses, tempfile, pathlib
>>> @dataclasses.dataclass
... class Row:
...     well: str
...     n0: float
...     note: str | None = None
>>> path = pathlib.Path(tempfile.mkdtemp()) / "truth.csv"
>>> write_records(path, [Row("A1", 0.1)], rename={"n0": "copies"})
>>> path.read_text()
'well,copies,note\\nA1,0.1,\\n'
"""

from __future__ import annotations

import csv
import dataclasses
import io as text_io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chipdx.io._atomic import atomic_output

__all__ = ["records_csv", "write_records"]


def _cell(value: object) -> object:
    """Floats in shortest round-trip form, ``None`` as an empty cell, the rest as the csv module writes them."""
    return repr(value) if isinstance(value, float) else value


def records_csv(rows: Sequence[Any], *, rename: Mapping[str, str] | None = None) -> str:
    """CSV text of dataclass ``rows``: a header from the field names (``rename`` maps some), ``\\n`` line ends."""
    names = [f.name for f in dataclasses.fields(rows[0])] if rows else []
    buffer = text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([(rename or {}).get(n, n) for n in names])
    writer.writerows([_cell(getattr(row, n)) for n in names] for row in rows)
    return buffer.getvalue()


def write_records(path: Path, rows: Sequence[Any], *, rename: Mapping[str, str] | None = None) -> None:
    """Write dataclass ``rows`` to ``path`` as CSV (see :func:`records_csv`), atomically."""
    with atomic_output(path) as stream:
        stream.write(records_csv(rows, rename=rename).encode())
