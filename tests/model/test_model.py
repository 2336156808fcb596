"""The data model keeps its invariants."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.model import (
    AmplificationCurves,
    Dataset,
    Dye,
    MeltCurves,
    PartitionCall,
    PlateFormat,
    Quantity,
    Reaction,
    Run,
    Sample,
    SampleType,
    Target,
    WellPartitions,
)

PLATE = PlateFormat(8, 12)


def test_plate_numbers_wells_row_first_from_one() -> None:
    assert [PLATE.well(i).label for i in (1, 12, 13, 96)] == ["A1", "A12", "B1", "H12"]
    assert PLATE.parse("b01") == PLATE.well(13)
    assert PlateFormat(16, 24).parse("P24").index == 384


@pytest.mark.parametrize("label", ["Z1", "A13", "A0", "1A", ""])
def test_plate_refuses_labels_off_the_plate(label: str) -> None:
    with pytest.raises(ValueError, match=r"plate|label"):
        PLATE.parse(label)


def test_curve_arrays_are_read_only() -> None:
    fluorescence = np.ones((2, 3))
    curves = AmplificationCurves(np.arange(1, 4), fluorescence)
    with pytest.raises(ValueError, match=r"read-only"):
        curves.fluorescence[0, 0] = 5
    fluorescence[0, 0] = 7  # the caller's own array stays theirs
    assert curves.fluorescence.flags.writeable is False


def test_curves_check_shapes_and_cycle_order() -> None:
    with pytest.raises(ValueError, match="columns"):
        AmplificationCurves(np.arange(1, 4), np.ones((2, 4)))
    with pytest.raises(ValueError, match="increasing"):
        AmplificationCurves(np.array([1.0, 3.0, 2.0]), np.ones((1, 3)))
    with pytest.raises(ValueError, match="shape"):
        MeltCurves(np.ones((2, 3)), np.ones((2, 4)))


def test_run_matrix_rows_follow_reactions() -> None:
    reactions = (Reaction(PLATE.well(1), "S", "T"),)
    with pytest.raises(ValueError, match="rows"):
        Run("r", PLATE, reactions, amplification=AmplificationCurves(np.arange(1, 4), np.ones((2, 3))))
    with pytest.raises(ValueError, match="twice"):
        Run("r", PLATE, reactions * 2)


def test_dataset_refuses_undeclared_references() -> None:
    run = Run("r", PLATE, (Reaction(PLATE.well(1), "S", "T"),))
    with pytest.raises(ValueError, match="undeclared sample"):
        Dataset((run,), targets=(Target("T", "FAM"),), dyes=(Dye("FAM"),))
    with pytest.raises(ValueError, match="undeclared dye"):
        Dataset((run,), samples=(Sample("S"),), targets=(Target("T", "FAM"),))
    ok = Dataset((run,), (Sample("S"),), (Target("T", "FAM"),), (Dye("FAM"),))
    assert ok.n_reactions == 1
    assert ok.sample("S").type is SampleType.UNKNOWN


def test_partitions_validity_and_calls() -> None:
    calls = np.array([[0, 1], [3, 1], [1, 0]], dtype=np.int8)
    well = WellPartitions(PLATE.well(1), "S", 0.85, targets=("A", "B"),
                          amplitudes=np.ones((3, 2)), calls=calls)
    assert well.valid.tolist() == [True, False, True]
    assert PartitionCall.from_code("e") is PartitionCall.EXCLUDED
    with pytest.raises(ValueError, match="volume"):
        WellPartitions(PLATE.well(1), "S", 0.0)
    with pytest.raises(ValueError, match="amplitude columns"):
        WellPartitions(PLATE.well(1), "S", 0.85, targets=("A",), amplitudes=np.ones((3, 2)))


def test_quantity_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        Quantity(float("nan"))
