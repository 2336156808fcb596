"""The batch output tables: fixed column schemas, records to Arrow, Parquet parts partitioned by run.

Every part is named by the input's SHA-256 and written atomically under
``<table>/run=<run id>/``, so a task that is retried (a worker died) or a resumed batch
overwrites its own parts instead of adding rows, and a reader never sees half a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from chipdx import io
from chipdx.io.records import flat_value

__all__ = ["SCHEMAS", "TABLES", "part_path", "read_table", "to_arrow", "write_parts"]

_TEXT, _FLOAT, _INT, _BOOL = pa.string(), pa.float64(), pa.int64(), pa.bool_()

#: Columns of every table but ``run``, which is the partition key (SPEC §7 columns first, then extras).
SCHEMAS: dict[str, pa.Schema] = {
    "reactions": pa.schema([
        ("well", _TEXT), ("sample", _TEXT), ("sample_type", _TEXT), ("quantity", _FLOAT), ("target", _TEXT),
        ("dye", _TEXT), ("cq", _FLOAT), ("efficiency", _FLOAT), ("n0", _FLOAT), ("amplified", _BOOL),
        ("flags", _TEXT), ("instrument_cq", _FLOAT), ("p_amplified", _FLOAT), ("curve_call", _TEXT),
        ("curve_flags", _TEXT), ("tm_c", _FLOAT), ("file_sha256", _TEXT)]),
    "dpcr": pa.schema([
        ("well", _TEXT), ("sample", _TEXT), ("target", _TEXT), ("channel", _TEXT), ("n_total", _INT),
        ("n_positive", _INT), ("n_negative", _INT), ("n_rain", _INT), ("lambda", _FLOAT), ("copies_per_ul", _FLOAT),
        ("ci_low", _FLOAT), ("ci_high", _FLOAT), ("threshold", _FLOAT), ("flags", _TEXT), ("sample_type", _TEXT),
        ("file_sha256", _TEXT)]),
    "samples": pa.schema([
        ("sample", _TEXT), ("sample_type", _TEXT), ("result", _TEXT), ("action", _TEXT), ("reason_codes", _TEXT),
        ("rule_ids", _TEXT), ("needs_review", _BOOL), ("review_reason", _TEXT), ("ruleset_id", _TEXT),
        ("ruleset_sha256", _TEXT), ("model_id", _TEXT), ("model_sha256", _TEXT), ("software_version", _TEXT),
        ("file_sha256", _TEXT)]),
}
TABLES = tuple(SCHEMAS)


def _attributes(kind: type) -> dict[str, str]:
    """Column name -> attribute of a record class (``lambda`` -> ``lambda_``), as :func:`record_fields` names them."""
    return {f.name.rstrip("_"): f.name for f in dataclasses.fields(kind)}


def _column(records: Sequence[Any], attribute: str | None) -> list[Any]:
    if attribute is None:
        return [None] * len(records)
    values = [getattr(record, attribute) for record in records]
    return [flat_value(v) if isinstance(v, tuple) else v for v in values]


def to_arrow(table: str, records: Sequence[Any], sha256: str) -> pa.Table:
    """Records of one input as an Arrow table of ``table``'s schema, column by column.

    The cells are :func:`~chipdx.io.records.record_fields`' (tuples ``;``-joined); fields the
    schema does not name (provenance, child records) are dropped, ``file_sha256`` is ``sha256``.
    """
    schema = SCHEMAS[table]
    names = _attributes(type(records[0])) if records else {}
    columns = {f.name: [sha256] * len(records) if f.name == "file_sha256" else _column(records, names.get(f.name))
               for f in schema}
    return pa.table({f.name: pa.array(columns[f.name], type=f.type) for f in schema}, schema=schema)


def part_path(out: Path, table: str, run: str, sha256: str) -> Path:
    """Where one input's rows of one run go: ``<out>/<table>/run=<run, URI-encoded>/<sha256>.parquet``."""
    return out / table / f"run={quote(run, safe='')}" / f"{sha256}.parquet"


def write_parts(out: Path, table: str, records: Sequence[Any], sha256: str, *, run: str | None = None) -> list[Path]:
    """Write ``records`` of one input as Parquet parts, one per run (``run`` given: all under that run)."""
    groups: dict[str, list[Any]] = {}
    for record in records:
        groups.setdefault(run if run is not None else str(record.run), []).append(record)
    written = []
    for run_id, members in groups.items():
        path = part_path(out, table, run_id, sha256)
        with io.atomic_output(path) as stream:
            pq.write_table(to_arrow(table, members, sha256), stream, compression="zstd")
        written.append(path)
    return written


def read_table(out: Path, table: str) -> Any:
    """One output table of a batch folder as a pandas DataFrame (``run`` as text; empty when no part exists)."""
    import pyarrow.dataset as ds

    folder = out / table
    schema = SCHEMAS[table].append(pa.field("run", _TEXT))
    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return schema.empty_table().to_pandas()
    partitioning = ds.partitioning(pa.schema([("run", _TEXT)]), flavor="hive")
    return ds.dataset(folder, format="parquet", partitioning=partitioning, schema=schema).to_table().to_pandas()
