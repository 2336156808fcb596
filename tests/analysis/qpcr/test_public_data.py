"""The engine on public plates: gaps, background-subtracted and whole-dataset tables."""

from __future__ import annotations

import numpy as np

from chipdx import io
from chipdx.analysis.qpcr import COLUMNS, analyze, analyze_detailed
from tests.conftest import shared


def test_matrix_gaps_reads_and_flags() -> None:
    table = analyze(io.read(shared("qpcr", "rdmlpython_plates", "matrix_gaps.rdml")))
    assert list(table.columns) == list(COLUMNS)
    gapped = table["flags"].str.contains("QC-GAPS-FILLED")
    assert gapped.any()
    assert table.loc[gapped, "amplified"].mean() > 0.5


def test_ds_94_4_standards_and_order() -> None:
    table = analyze_detailed(io.read(shared("qpcr", "ruijter2013_technical", "rdml", "ds_94_4_v1.3.rdml")))
    std = table[table["sample_type"] == "std"]
    assert std["amplified"].mean() > 0.99
    medians = std.groupby("quantity")["cq"].median().sort_index()
    assert np.all(np.diff(medians.to_numpy()) < 0)  # more template, earlier Cq
    spacing = -np.diff(medians.to_numpy()).mean()
    assert 3.2 < spacing < 3.6
    assert table.attrs["method"] and table.attrs["parameters"]["kernel_sigma"] > 0
