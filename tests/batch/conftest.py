"""Batch inputs: the demo's three runs (qPCR cartridge, dPCR plate, melt plate), simulated plates, a bad file."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from chipdx import io
from chipdx.cli._demo import DEMO_ASSAY, demo_datasets
from chipdx.sim.qpcr import default_design, simulate_qpcr

ASSAY = DEMO_ASSAY


def simulated_plate(path: Path, seed: int, plate_size: int = 96) -> Path:
    """A simulated qPCR plate written to ``path`` (its format from the ending)."""
    rng = np.random.default_rng(seed)
    dataset, _ = simulate_qpcr(default_design(rng=rng, plate_size=plate_size), rng=rng)
    io.write(dataset, path)
    return path


def cell(value: object) -> str:
    """A value as the single-run commands print it in CSV (``%.6g`` numbers, empty for no value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


@pytest.fixture(scope="session")
def batch_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of run files in three formats, a file no reader knows, a broken run file and a sub-folder."""
    folder = tmp_path_factory.mktemp("runs")
    cartridge, dpcr, melt = demo_datasets()
    io.write(cartridge.dataset, folder / "cartridge.rdml")
    io.write(dpcr, folder / "dpcr.rdml")
    io.write(melt, folder / "melt.rdml")
    (folder / "more").mkdir()
    simulated_plate(folder / "more" / "plate7.rdml", 7)
    io.write(io.read(folder / "more" / "plate7.rdml"), folder / "more" / "plate7_quantstudio.txt",
             format="quantstudio-txt")
    (folder / "broken.rdml").write_bytes(b"PK\x03\x04 this zip ends here")
    (folder / "notes.csv").write_text("what,when\nplates from the 2024 study,May\n")
    return folder
