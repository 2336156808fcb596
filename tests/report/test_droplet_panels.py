"""The report draws dPCR partitions as the engine classified them (after its spill correction)."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.analysis.dpcr import DpcrSettings, analyze
from chipdx.report import build_report
from chipdx.sim import simulate_dpcr
from chipdx.sim.dpcr import default_dpcr_design
from chipdx.sim.optics import CROSSTALK


@pytest.mark.parametrize("calibrated", [False, True])
def test_panel_positives_are_the_engines_counts(calibrated: bool) -> None:
    dataset, _ = simulate_dpcr(default_dpcr_design(), rng=np.random.default_rng(5))
    # the simulator's HEX -> FAM spill given as the instrument's calibration, or estimated from the droplets
    settings = DpcrSettings(crosstalk=(("HEX", "FAM", float(CROSSTALK[1, 0])),)) if calibrated else None
    results = analyze(dataset, settings=settings)
    assert results.attrs["compensation"]["sim-dpcr"]  # the strong spill is removed either way
    report = build_report(dataset, dpcr=results)
    assert report.droplets
    for panel in report.droplets:
        rows = results[results["well"] == panel.well]
        # the panel draws the threshold's calls; the count adds the rain posteriors (a few per mille)
        assert panel.positive.sum(axis=0).tolist() == rows["n_above_threshold"].tolist()
        assert np.all(np.abs(rows["n_positive"] - rows["n_above_threshold"]) <= 0.01 * rows["n_positive"] + 5)
        assert "spill removed" in panel.channels[0]
