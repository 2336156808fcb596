"""The QuantStudio text writer: what it writes reads back as the same run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from chipdx import io
from chipdx.cli import main
from chipdx.errors import UnsupportedError
from chipdx.model import Dataset, PlateFormat
from tests.conftest import SHARED_DATA, TEST_DATA, shared


def quantstudio_sources() -> list[Path]:
    made_here = [TEST_DATA / "quantstudio_txt" / "golden_quirks_384.txt"]
    folder = SHARED_DATA / "formats" / "quantstudio_txt"
    return made_here + (sorted(folder.glob("*.txt")) if folder.exists() else [])


def same_run(a: Dataset, b: Dataset) -> None:
    run_a, run_b = a.runs[0], b.runs[0]
    assert run_a.plate == run_b.plate
    key_a = [(r.well, r.sample_id, r.target_id) for r in run_a.reactions]
    key_b = {(r.well, r.sample_id, r.target_id): i for i, r in enumerate(run_b.reactions)}
    order = [key_b[k] for k in key_a]
    for i, j in enumerate(order):
        ra, rb = run_a.reactions[i].reported, run_b.reactions[j].reported
        assert (ra.cq, ra.melt_temperature_c) == (rb.cq, rb.melt_temperature_c)
        assert (ra.excluded is None) == (rb.excluded is None)
        sample_a, sample_b = a.sample(run_a.reactions[i].sample_id), b.sample(run_b.reactions[j].sample_id)
        target = run_a.reactions[i].target_id
        assert sample_a.type_for(target) == sample_b.type_for(target)
        assert sample_a.quantity == sample_b.quantity
    np.testing.assert_array_equal(run_a.fluorescence, run_b.fluorescence[order])
    assert (run_a.melt is None) == (run_b.melt is None)
    if run_a.melt is not None and run_b.melt is not None:
        for i, j in enumerate(order):
            for x, y in zip(run_a.melt.points(i), run_b.melt.points(j), strict=True):
                np.testing.assert_array_equal(x, y)
    assert {t.id: t.dye_id for t in a.targets} == {t.id: t.dye_id for t in b.targets}
    assert (run_a.id, run_a.instrument, run_a.run_date) == (run_b.id, run_b.instrument, run_b.run_date)


@pytest.mark.parametrize("path", quantstudio_sources(), ids=lambda p: p.name)
def test_write_then_read_gives_the_same_run(path: Path, tmp_path: Path) -> None:
    original = io.read(path)
    out = tmp_path / "copy.txt"
    io.write(original, out)
    again = io.read(out)
    assert again.provenance is not None and again.provenance.format == "quantstudio-txt"
    same_run(original, again)


def test_convert_rdml_to_quantstudio_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = shared("qpcr", "ruijter2013_technical", "rdml", "ds_94_4_v1.3.rdml")
    out = tmp_path / "ds_94_4.txt"
    assert main(["convert", str(source), str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    original, again = io.read(source), io.read(out)
    assert again.runs[0].plate.size == 384
    assert again.n_reactions == original.n_reactions
    np.testing.assert_array_equal(np.sort(again.runs[0].fluorescence, axis=0),
                                  np.sort(original.runs[0].fluorescence, axis=0))
    assert out.read_text(encoding="utf-8").startswith("* Block Type = 384-Well Block\n")


def test_several_runs_are_refused(tmp_path: Path) -> None:
    data = io.read(TEST_DATA / "quantstudio_txt" / "golden_quirks_384.txt")
    second = dataclasses.replace(data.runs[0], id="second")
    with pytest.raises(UnsupportedError, match="one plate"):
        io.write(dataclasses.replace(data, runs=(data.runs[0], second)), tmp_path / "two.txt")
    assert not (tmp_path / "two.txt").exists()


def test_plates_larger_than_384_are_refused(tmp_path: Path) -> None:
    data = io.read(TEST_DATA / "quantstudio_txt" / "golden_quirks_384.txt")
    big = dataclasses.replace(data.runs[0], plate=PlateFormat(32, 48))
    with pytest.raises(UnsupportedError, match="96 or 384"):
        io.write(dataclasses.replace(data, runs=(big,)), tmp_path / "big.txt")
