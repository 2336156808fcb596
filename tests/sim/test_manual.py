"""Manual droplet control: dispense, sensed moves with a one-electrode gap, dead electrodes found."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.sim.chip import default_chip
from chipdx.sim.faults import FaultPlan
from chipdx.sim.manual import ManualChip, ManualError


def test_moves_keep_a_gap_to_other_droplets() -> None:
    chip = ManualChip(default_chip(), rng=np.random.default_rng(0))
    chip.dispense("sample", "a")
    chip.move("a", (3, 4))
    chip.dispense("lysis", "b")
    moved = chip.move("b", (3, 6))
    assert moved.arrived and moved.path[-1] == (3, 6)
    assert all(max(abs(x - 3), abs(y - 4)) >= 2 for x, y in moved.path)


def test_a_dead_electrode_stops_the_droplet_and_is_remembered() -> None:
    dead = (3, 0)
    chip = ManualChip(default_chip(), rng=np.random.default_rng(1), faults=FaultPlan(dead_electrodes=frozenset({dead})))
    chip.dispense("sample", "a")
    first = chip.move("a", (5, 0))
    assert not first.arrived and first.dead_found == (dead,) and chip.droplets["a"] == (2, 0)
    second = chip.move("a", (5, 0))
    assert second.arrived and dead not in second.path


def test_bad_requests_raise_one_line_errors() -> None:
    chip = ManualChip(default_chip(), rng=np.random.default_rng(2))
    with pytest.raises(ManualError, match="found 'blood'"):
        chip.dispense("blood", "x")
    chip.dispense("sample", "a")
    with pytest.raises(ManualError, match="expected a new droplet name"):
        chip.dispense("lysis", "a")
    with pytest.raises(ManualError, match="found 'zzz'"):
        chip.move("zzz", (2, 2))
    chip.dispense("lysis", "b")
    with pytest.raises(ManualError, match="expected a free route"):
        chip.move("a", (4, 1))  # next to droplet b on the lysis port (4, 0)
