"""Shared fixtures: where the public data lives, and dataset comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chipdx.model import Dataset
from tests.postgres import db_url, postgres_server  # noqa: F401  (fixtures: a real PostgreSQL and sqlite/pg URLs)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared(*parts: str) -> Path:
    """A path under ``../shared/data``; the test is skipped with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public data not available: ../shared/data/{'/'.join(parts)} (clone shared/ beside the repo)")
    return path


def shared_rdml_files() -> list[Path]:
    """Every .rdml file under ../shared/data (empty when the folder is absent)."""
    return sorted(SHARED_DATA.rglob("*.rdml")) if SHARED_DATA.exists() else []


def _same_array(a: np.ndarray | None, b: np.ndarray | None, what: str) -> None:
    if a is None or b is None:
        assert a is None and b is None, f"{what}: one side is missing"
        return
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    np.testing.assert_array_equal(a, b, err_msg=what)


def assert_same_data(a: Dataset, b: Dataset) -> None:
    """Every value of two datasets is equal (provenance aside)."""
    assert a.samples == b.samples
    assert a.targets == b.targets
    assert a.dyes == b.dyes
    assert len(a.runs) == len(b.runs)
    for run_a, run_b in zip(a.runs, b.runs, strict=True):
        where = f"run {run_a.id}"
        for field in ("id", "experiment_id", "plate", "reactions", "description", "instrument", "software",
                      "background_method", "cq_method", "run_date"):
            assert getattr(run_a, field) == getattr(run_b, field), f"{where}: {field} differs"
        for kind in ("amplification", "melt"):
            curves_a, curves_b = getattr(run_a, kind), getattr(run_b, kind)
            assert (curves_a is None) == (curves_b is None), f"{where}: {kind} present on one side only"
            if curves_a is not None:
                for name in curves_a.__slots__:
                    _same_array(getattr(curves_a, name), getattr(curves_b, name), f"{where}: {kind}.{name}")
        assert len(run_a.partitions) == len(run_b.partitions)
        for p, q in zip(run_a.partitions, run_b.partitions, strict=True):
            assert (p.well, p.sample_id, p.volume_nl, p.targets) == (q.well, q.sample_id, q.volume_nl, q.targets)
            assert p.counts == q.counts
            _same_array(p.amplitudes, q.amplitudes, f"{where}: amplitudes")
            _same_array(p.calls, q.calls, f"{where}: calls")
