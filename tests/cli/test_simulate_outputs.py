"""``chipdx simulate`` instrument-style outputs: QX amplitude plate and QuantStudio text.

The extra files must read back with ``chipdx.io.read`` as the same run as the RDML, repeat byte
for byte under the same seed, and the QX plate must analyse to the simulator's truth.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from chipdx import io
from chipdx.cli import main
from chipdx.model import Dataset, PartitionCall
from chipdx.sim.optics import CROSSTALK, channel_index


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def dpcr_plates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two ``simulate dpcr`` folders made with the same seed."""
    base = tmp_path_factory.mktemp("dpcr")
    for name in ("a", "b"):
        assert main(["simulate", "dpcr", "--out", str(base / name), "--seed", "11"]) == 0
    return base / "a", base / "b"


def same_reactions(rdml: Dataset, text: Dataset, *, decimals: int) -> None:
    """Same wells, samples and targets; fluorescence equal to the printed precision."""
    run_a, run_b = rdml.runs[0], text.runs[0]
    keys_a = [(r.well.label, r.sample_id, r.target_id) for r in run_a.reactions]
    keys_b = {(r.well.label, r.sample_id, r.target_id): i for i, r in enumerate(run_b.reactions)}
    assert sorted(keys_a) == sorted(keys_b)
    order = [keys_b[k] for k in keys_a]
    assert run_a.amplification is not None and run_b.amplification is not None
    np.testing.assert_array_equal(run_a.amplification.cycles, run_b.amplification.cycles)
    np.testing.assert_allclose(run_b.fluorescence[order], run_a.fluorescence, rtol=0, atol=0.5 * 10.0**-decimals)
    assert {t.id: t.dye_id for t in rdml.targets} == {t.id: t.dye_id for t in text.targets}


def test_qpcr_quantstudio_text_is_the_rdml_run_and_repeats(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["simulate", "qpcr", "--out", str(tmp_path / name / "run.rdml"), "--seed", "7",
                     "--chemistry", "dye", "--cycles", "30"]) == 0
    first, second = folder_bytes(tmp_path / "a"), folder_bytes(tmp_path / "b")
    assert set(first) == {"run.rdml", "run_quantstudio.txt", "truth.csv", "run_log.jsonl"}
    assert first == second
    text = io.read(tmp_path / "a" / "run_quantstudio.txt")
    assert text.provenance is not None and text.provenance.format == "quantstudio-txt"
    rdml = io.read(tmp_path / "a" / "run.rdml")
    same_reactions(rdml, text, decimals=3)  # the simulator rounds fluorescence to 3 decimals
    melt_a, melt_b = rdml.runs[0].melt, text.runs[0].melt
    assert melt_a is not None and melt_b is not None and melt_b.n_reactions == melt_a.n_reactions


def test_qpcr_beyond_one_export_writes_no_text(tmp_path: Path) -> None:
    from chipdx.cli._simulate import QUANTSTUDIO_MAX_WELLS, export_quantstudio
    from chipdx.model import PlateFormat, Run

    big = Dataset((Run("big", PlateFormat(32, 48)),))
    assert PlateFormat(32, 48).size > QUANTSTUDIO_MAX_WELLS
    assert export_quantstudio(big, tmp_path / "big.txt") is None
    assert not (tmp_path / "big.txt").exists()


def test_cartridge_quantstudio_text_is_the_rdml_run_and_repeats(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["simulate", "cartridge", "--out", str(tmp_path / name), "--seed", "2", "--specimens", "2",
                     "--cycles", "25"]) == 0
    first, second = folder_bytes(tmp_path / "a"), folder_bytes(tmp_path / "b")
    assert "cartridge_quantstudio.txt" in first and first == second
    rdml = io.read(tmp_path / "a" / "cartridge.rdml")
    same_reactions(rdml, io.read(tmp_path / "a" / "cartridge_quantstudio.txt"), decimals=3)


def test_dpcr_outputs_repeat_byte_for_byte(dpcr_plates: tuple[Path, Path]) -> None:
    first, second = (folder_bytes(p) for p in dpcr_plates)
    amplitude_files = [n for n in first if n.endswith("_Amplitude.csv")]
    assert len(amplitude_files) == 96 and "sim-dpcr_A01_Amplitude.csv" in amplitude_files
    assert {"dpcr_plate.rdml", "truth.csv", "run_log.jsonl", "sim-dpcr_results.csv"} <= set(first)
    assert first == second


def test_qx_plate_reads_back_as_the_rdml_plate(dpcr_plates: tuple[Path, Path]) -> None:
    folder = dpcr_plates[0]
    qx = io.read(folder)
    assert qx.provenance is not None and qx.provenance.format == "qx-amplitude"
    rdml = io.read(folder / "dpcr_plate.rdml")
    wells_qx = {w.well.label: w for w in qx.runs[0].partitions}
    wells_rdml = {w.well.label: w for w in rdml.runs[0].partitions}
    assert set(wells_qx) == set(wells_rdml)
    for label, original in wells_rdml.items():
        again = wells_qx[label]
        assert (again.sample_id, again.targets) == (original.sample_id, original.targets)
        assert original.amplitudes is not None and original.calls is not None
        assert again.amplitudes is not None and again.calls is not None
        accepted = ~np.any(original.calls == PartitionCall.EXCLUDED, axis=1)  # QX files hold accepted droplets
        np.testing.assert_array_equal(again.amplitudes, original.amplitudes[accepted])
        np.testing.assert_array_equal(again.calls, original.calls[accepted])
        assert math.isclose(again.volume_nl, original.volume_nl)


def test_qx_results_table_counts_match_the_calls(dpcr_plates: tuple[Path, Path]) -> None:
    folder = dpcr_plates[0]
    counts = io.read(folder / "sim-dpcr_results.csv", format="qx-results")
    rdml = {w.well.label: w for w in io.read(folder / "dpcr_plate.rdml").runs[0].partitions}
    for well in counts.runs[0].partitions:
        calls = rdml[well.well.label].calls
        assert calls is not None
        for column, count in enumerate(well.counts):
            assert count.positive == int((calls[:, column] == PartitionCall.POSITIVE).sum())
            assert count.negative == int((calls[:, column] == PartitionCall.NEGATIVE).sum())


def test_dpcr_analyze_on_the_simulated_plate_finds_the_truth(dpcr_plates: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    folder = dpcr_plates[0]
    truth_rows = read_csv(folder / "truth.csv")
    truth = {(r["well"], r["target"]): r for r in truth_rows}
    dyes = list(dict.fromkeys(r["channel"] for r in truth_rows))  # QX column order = the wells' target order
    # subtract the simulator's own dye spill (a known crosstalk matrix, as a user would calibrate it)
    spill = [f"Ch{i + 1}:Ch{j + 1}={float(CROSSTALK[channel_index(a), channel_index(b)])!r}"
             for i, a in enumerate(dyes) for j, b in enumerate(dyes) if i != j]
    options = [item for pair in spill for item in ("--crosstalk", pair)]
    assert main(["dpcr", "analyze", str(folder), "-o", str(tmp_path / "result.csv"), *options]) == 0
    rows = read_csv(tmp_path / "result.csv")
    assert {(r["well"], r["target"]) for r in rows} == set(truth)
    inside = 0
    for row in rows:
        true = truth[(row["well"], row["target"])]
        assert int(row["n_total"]) == int(true["n_valid"])  # the accepted droplets are the valid partitions
        low, high = float(row["ci_low"]), float(row["ci_high"])
        width = high - low
        inside += low - 2 * width <= float(true["copies_per_ul"]) <= high + 2 * width
    assert inside >= 0.9 * len(rows)


def test_cartridge_melt_writes_melt_curves_that_read_back(tmp_path: Path) -> None:
    assert main(["simulate", "cartridge", "--out", str(tmp_path), "--seed", "1", "--specimens", "1",
                 "--cycles", "25", "--melt"]) == 0
    run = io.read(tmp_path / "cartridge.rdml").runs[0]
    assert run.melt is not None and run.melt.fluorescence.shape[0] == len(run.reactions)
    assert b'"event":"melt_read"' in (tmp_path / "run_log.jsonl").read_bytes()
