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
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chipdx.io._atomic import atomic_output

__all__ = ["flat_value", "record_fields", "records_csv", "records_json", "write_records"]


def _cell(value: object) -> object:
    """Floats in shortest round-trip form, ``None`` as an empty cell, the rest as the csv module writes them."""
    return repr(value) if isinstance(value, float) else value


def flat_value(value: tuple[Any, ...]) -> str:
    """A tuple field as one cell: codes ``;``-joined, ``(name, value)`` pairs as ``name=value``."""
    return ";".join("=".join(v) if isinstance(v, tuple) else str(v) for v in value)


def record_fields(record: Any) -> dict[str, Any]:
    """One dataclass record as flat ``name -> scalar`` fields, the shape of a CSV or Parquet row.

    Tuples of codes are ``;``-joined (``(name, value)`` pairs as ``name=value``); a nested record
    (a provenance) becomes prefixed fields (``provenance_model_id``); tuples of child records are
    left out (they are a table of their own); a trailing ``_`` (``lambda_``) is dropped from names.
    """
    flat: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        name = field.name.rstrip("_")
        if dataclasses.is_dataclass(value):
            flat.update({f"{name}_{k}": v for k, v in record_fields(value).items()})
        elif isinstance(value, tuple):
            if value and dataclasses.is_dataclass(value[0]):
                continue
            flat[name] = flat_value(value)
        else:
            flat[name] = value
    return flat


def records_csv(rows: Sequence[Any], *, rename: Mapping[str, str] | None = None) -> str:
    """CSV text of dataclass ``rows``: a header from the field names (``rename`` maps some), ``\\n`` line ends."""
    flat = [record_fields(row) for row in rows]
    names = list(flat[0]) if flat else []
    buffer = text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([(rename or {}).get(n, n) for n in names])
    writer.writerows([_cell(row[n]) for n in names] for row in flat)
    return buffer.getvalue()


def records_json(rows: Sequence[Any]) -> str:
    """JSON text of dataclass ``rows``: a list of objects, nested records and tuples kept as they are."""
    return json.dumps([dataclasses.asdict(row) for row in rows], ensure_ascii=False, allow_nan=False,
                      default=str, indent=1)


def write_records(path: Path, rows: Sequence[Any], *, rename: Mapping[str, str] | None = None) -> None:
    """Write dataclass ``rows`` to ``path`` as CSV (see :func:`records_csv`), atomically."""
    with atomic_output(path) as stream:
        stream.write(records_csv(rows, rename=rename).encode())
