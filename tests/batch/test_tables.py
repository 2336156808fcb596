"""Batch tables: records to Arrow column by column give the cells of ``record_fields`` rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from chipdx import io, pipeline
from chipdx.batch._tables import SCHEMAS, to_arrow, write_parts
from chipdx.io.records import record_fields
from tests.batch.conftest import ASSAY


@pytest.fixture(scope="module")
def records(batch_inputs: Path) -> pipeline.ResultSet:
    analysis = pipeline.analyze_dataset(io.read(batch_inputs / "cartridge.rdml"))
    return pipeline.result_records(pipeline.interpret_dataset(analysis, pipeline.load_assay(ASSAY)),
                                   source_sha256="ab" * 32)


def _expected(table: str, rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    flat = [{**record_fields(r), "file_sha256": "ab" * 32} for r in rows]
    return [{f.name: row.get(f.name) for f in SCHEMAS[table]} for row in flat]


@pytest.mark.parametrize("table", ["reactions", "samples"])
def test_columns_equal_record_fields_rows(records: pipeline.ResultSet, table: str) -> None:
    rows = getattr(records, table)
    assert rows and any(";" in str(v) for r in _expected(table, rows) for v in r.values())  # joined tuples seen
    assert to_arrow(table, rows, "ab" * 32).to_pylist() == _expected(table, rows)


def test_dpcr_columns_equal_record_fields_rows(batch_inputs: Path) -> None:
    rows = pipeline.result_records(pipeline.analyze_dataset(io.read(batch_inputs / "dpcr.rdml")),
                                   source_sha256="ab" * 32).dpcr
    assert rows and all(r["lambda"] is not None for r in _expected("dpcr", rows))  # lambda_ -> lambda
    assert to_arrow("dpcr", rows, "ab" * 32).to_pylist() == _expected("dpcr", rows)


def test_parts_split_by_run(records: pipeline.ResultSet, tmp_path: Path) -> None:
    parts = write_parts(tmp_path, "reactions", records.reactions, "ab" * 32)
    runs = {r.run for r in records.reactions}
    assert len(parts) == len(runs)
    assert sum(pq.read_table(p).num_rows for p in parts) == len(records.reactions)
    assert to_arrow("reactions", (), "ab" * 32).num_rows == 0
