"""The QuantaSoft results-table writer: counts from calls, names and volume read back."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from chipdx import io
from chipdx.errors import UnsupportedError
from chipdx.model import Dataset, PartitionCall
from tests.conftest import TEST_DATA

QX = TEST_DATA / "qx"


def test_results_table_counts_the_calls_and_names_the_wells(tmp_path: Path) -> None:
    data = io.read(QX)
    io.write(data, tmp_path / "plate.csv", format="qx-results")
    counts = io.read(tmp_path / "plate.csv", format="qx-results")
    by_well = {w.well.label: w for w in counts.runs[0].partitions}
    for well in data.runs[0].partitions:
        if well.calls is None:
            assert well.well.label not in by_well  # a row without counts is not a counted well
            continue
        again = by_well[well.well.label]
        assert again.sample_id == well.sample_id
        for column, count in enumerate(again.counts):
            assert count.target_id == well.targets[column]
            positive = int((well.calls[:, column] == PartitionCall.POSITIVE).sum())
            negative = int((well.calls[:, column] == PartitionCall.NEGATIVE).sum())
            assert (count.positive, count.negative) == (positive, negative)
            if 0 < positive < positive + negative:
                expected = -math.log1p(-positive / (positive + negative)) / well.volume_nl * 1000
                assert count.concentration_copies_per_ul == pytest.approx(expected, rel=1e-12)
    assert any(w.calls is not None for w in data.runs[0].partitions)


def test_results_table_beside_amplitude_files_names_targets(tmp_path: Path) -> None:
    data = io.read(QX)
    run = data.runs[0]
    wells = tuple(dataclasses.replace(w, sample_id=f"S{w.well.label}", targets=tuple(f"T{j}" for j in
                                                                                    range(len(w.targets))))
                  for w in run.partitions)
    renamed = dataclasses.replace(data, runs=(dataclasses.replace(run, partitions=wells),), samples=tuple(
        dataclasses.replace(data.samples[0], id=w.sample_id) for w in wells), targets=tuple(
        dataclasses.replace(t, id=f"T{j}") for j, t in enumerate(data.targets)))
    io.write(renamed, tmp_path, format="qx-amplitude")
    io.write(renamed, tmp_path / "results.csv", format="qx-results")
    again = io.read(tmp_path)
    assert [(w.sample_id, w.targets) for w in again.runs[0].partitions] == [(w.sample_id, w.targets) for w in wells]
    np.testing.assert_array_equal(again.runs[0].partitions[0].amplitudes, data.runs[0].partitions[0].amplitudes)


def test_results_table_refuses_several_runs(tmp_path: Path) -> None:
    data = io.read(QX)
    two = Dataset((data.runs[0], dataclasses.replace(data.runs[0], id="other")), data.samples, data.targets,
                  data.dyes)
    with pytest.raises(UnsupportedError, match="one plate"):
        io.write(two, tmp_path / "x.csv", format="qx-results")
    assert not (tmp_path / "x.csv").exists()
