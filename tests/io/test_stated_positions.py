"""Each reaction is placed at the position the file states, not by counting its well number along the plate.

QuantStudio exports give ``Well`` (a number) and ``Well Position`` (``B1``) in ``[Results]`` but only the number
in ``[Amplification Data]``; a file that numbers only the wells in use (1-8 for A1-A4, B1-B4) must keep its
curves at B1-B4, not at phantom A5-A8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipdx import io
from chipdx.errors import FormatError
from chipdx.model import PlateFormat

PLATE = PlateFormat(8, 12)
N_CYCLES = 5


def export(positions: list[str], numbers: list[int]) -> str:
    """A QuantStudio text export: [Results] states number and position, [Amplification Data] only the number."""
    lines = ["* Block Type = 96-Well Block (0.2mL)", "", "[Results]",
             "Well\tWell Position\tSample Name\tTarget Name\tTask\tReporter\tCT"]
    lines += [f"{n}\t{p}\tS{n}\tGAPDH\tUNKNOWN\tSYBR\t{20 + n / 10:.2f}"
              for n, p in zip(numbers, positions, strict=True)]
    lines += ["", "[Amplification Data]", "Well\tCycle\tTarget Name\tRn\tDelta Rn"]
    lines += [f"{n}\t{c}\tGAPDH\t{n * 100 + c}\t0" for n in numbers for c in range(1, N_CYCLES + 1)]
    return "\n".join(lines) + "\n"


def test_wells_numbered_1_to_8_at_a1_a4_b1_b4(tmp_path: Path) -> None:
    positions = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"]
    path = tmp_path / "eight.txt"
    path.write_text(export(positions, list(range(1, 9))))
    run = io.read(path).runs[0]
    assert [r.well.label for r in run.reactions] == positions
    assert [r.sample_id for r in run.reactions] == [f"S{n}" for n in range(1, 9)]
    np.testing.assert_array_equal(run.fluorescence[:, 0], [n * 100 + 1 for n in range(1, 9)])


def test_one_number_stated_at_two_positions_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.txt"
    path.write_text(export(["A1", "B1"], [1, 1]))
    with pytest.raises(FormatError, match=r"line 6, column 'Well Position'.*well 1 at A1 as stated before.*'B1'"):
        io.read(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_curve_lands_at_its_stated_position(tmp_path: Path, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 24), label="wells")
    indices = data.draw(st.lists(st.integers(1, PLATE.size), min_size=n, max_size=n, unique=True), label="at")
    numbers = data.draw(st.permutations(range(1, n + 1)), label="numbers")
    positions = [PLATE.well(i).label for i in indices]
    path = tmp_path / "run.txt"
    path.write_text(export(positions, list(numbers)))
    run = io.read(path).runs[0]
    placed = {r.well.label: row for row, r in enumerate(run.reactions)}
    assert sorted(placed) == sorted(positions)
    for number, position in zip(numbers, positions, strict=True):
        row = placed[position]
        assert run.reactions[row].sample_id == f"S{number}"
        assert run.reactions[row].reported.cq == pytest.approx(20 + number / 10)
        np.testing.assert_array_equal(run.fluorescence[row], [number * 100 + c for c in range(1, N_CYCLES + 1)])
