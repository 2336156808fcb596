"""The pipeline's typed result records hold what the CLI tables hold, and CSV and JSON serialise the same records."""

from __future__ import annotations

import csv
import io as text_io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chipdx import io, pipeline
from chipdx.cli._demo import DEMO_ASSAY, demo_datasets
from chipdx.io.records import record_fields, records_csv, records_json


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cartridge, dpcr, melt = demo_datasets()
    path = tmp_path_factory.mktemp("demo") / "runs.rdml"
    io.write(pipeline.combine(cartridge.dataset, dpcr, melt), path)
    return path


@pytest.fixture(scope="module")
def records(demo_run: Path) -> pipeline.ResultSet:
    analysis = pipeline.analyze_dataset(pipeline.read_inputs([demo_run]))
    analysis = pipeline.interpret_dataset(analysis, pipeline.load_assay(DEMO_ASSAY))
    return pipeline.result_records(analysis, source_sha256="ab" * 32)


def _cli_rows(*args: str) -> list[dict[str, str]]:
    done = subprocess.run([sys.executable, "-m", "chipdx.cli", *args], check=True, capture_output=True, text=True)
    return list(csv.DictReader(text_io.StringIO(done.stdout)))


def _close(mine: float | None, theirs: str) -> bool:
    if mine is None:
        return theirs == ""
    return bool(np.isclose(mine, float(theirs), rtol=1e-5))


def test_reaction_records_match_qpcr_analyze(records: pipeline.ResultSet, demo_run: Path) -> None:
    rows = _cli_rows("qpcr", "analyze", str(demo_run))
    assert len(records.reactions) == len(rows) > 0
    for record, row in zip(records.reactions, rows, strict=True):
        assert (record.run, record.well, record.sample, record.target) == (row["run"], row["well"], row["sample"],
                                                                           row["target"])
        assert record.amplified == (row["amplified"] == "true")
        assert _close(record.cq, row["cq"]) and _close(record.efficiency, row["efficiency"])
        assert ";".join(record.flags) == row["flags"]


def test_dpcr_records_match_dpcr_analyze(records: pipeline.ResultSet, demo_run: Path) -> None:
    rows = _cli_rows("dpcr", "analyze", str(demo_run))
    assert len(records.dpcr) == len(rows) > 0
    for record, row in zip(records.dpcr, rows, strict=True):
        assert (record.well, record.target, record.n_positive) == (row["well"], row["target"], int(row["n_positive"]))
        assert _close(record.copies_per_ul, row["copies_per_ul"])


def test_sample_records_are_the_interpret_results(records: pipeline.ResultSet, demo_run: Path) -> None:
    rows = _cli_rows("interpret", str(demo_run), "--assay", DEMO_ASSAY)
    assert [(r.sample, r.result) for r in records.samples] == [(r["sample"], r["result"]) for r in rows]


def test_every_record_carries_its_provenance(records: pipeline.ResultSet) -> None:
    assay = pipeline.load_assay(DEMO_ASSAY)
    for record in records.reactions:
        assert record.provenance is not None
        assert record.provenance.source_sha256 == "ab" * 32
        assert record.provenance.ruleset_sha256 == assay.sha256
        assert record.provenance.model_sha256 and "second-derivative" in record.provenance.method
        assert dict(record.provenance.parameters)  # the curve parameters used
    assert all(r.provenance is not None and r.provenance.parameters for r in records.dpcr)


def test_csv_and_json_serialise_the_same_records(records: pipeline.ResultSet) -> None:
    table = list(csv.DictReader(text_io.StringIO(records_csv(records.reactions))))
    objects = json.loads(records_json(records.reactions))
    assert len(table) == len(objects) == len(records.reactions)
    for row, obj, record in zip(table, objects, records.reactions, strict=True):
        flat = record_fields(record)
        assert list(row) == list(flat)
        assert row["well"] == obj["well"] == record.well
        assert row["flags"] == ";".join(obj["flags"])
        assert (row["cq"] == "") == (obj["cq"] is None)
        if obj["cq"] is not None:
            assert float(row["cq"]) == obj["cq"] == record.cq
        assert row["provenance_model_sha256"] == obj["provenance"]["model_sha256"]
