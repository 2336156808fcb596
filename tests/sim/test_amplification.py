"""Amplification: the branching process and the plate simulator recover their known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipdx.sim.amplification import amplify
from chipdx.sim.optics import OpticsParams
from chipdx.sim.qpcr import default_design, simulate_qpcr


def threshold_cycle(values: np.ndarray, threshold: float) -> np.ndarray:
    """Fractional cycle (1-based) where each row first crosses ``threshold`` (log-linear interpolation)."""
    out = np.full(values.shape[0], np.nan)
    for i, row in enumerate(values):
        above = np.flatnonzero(row >= threshold)
        if above.size and above[0] > 0:
            k = above[0]
            lo, hi = math.log(row[k - 1]), math.log(row[k])
            out[i] = k + (math.log(threshold) - lo) / (hi - lo)
    return out


@settings(max_examples=25, deadline=None)
@given(efficiency=st.floats(1.75, 2.0), seed=st.integers(0, 2**32 - 1))
def test_ten_fold_series_is_log2_10_over_log2_e_cycles_apart(efficiency: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n0 = np.array([1e6, 1e5, 1e4, 1e3])
    copies = amplify(n0, np.full(4, efficiency), 45, rng=rng)
    cq = threshold_cycle(copies, 1e10)
    expected = math.log(10) / math.log(efficiency)
    np.testing.assert_allclose(np.diff(cq), expected, rtol=0.03)


def test_single_copies_spread_more_than_thousands() -> None:
    rng = np.random.default_rng(7)
    low = threshold_cycle(amplify(np.ones(400), np.full(400, 1.9), 50, rng=rng), 1e9)
    high = threshold_cycle(amplify(np.full(400, 1000.0), np.full(400, 1.9), 50, rng=rng), 1e9)
    assert np.nanstd(low) > 3 * np.nanstd(high)
    assert np.nanstd(low) > 0.3  # Galton–Watson delay spread at one copy


def test_no_template_never_amplifies() -> None:
    copies = amplify(np.zeros(10), np.full(10, 2.0), 40, rng=np.random.default_rng(0))
    assert not copies.any()


@pytest.mark.parametrize("seed", [11, 12])
def test_plate_standard_curve_slope_matches_efficiency(seed: int) -> None:
    rng = np.random.default_rng(seed)
    design = default_design(rng=rng)
    quiet = OpticsParams(spike_probability=0.0, step_probability=0.0)  # artefacts would fool a plain threshold
    dataset, truth = simulate_qpcr(design, rng=rng, optics=quiet)
    fluorescence = dataset.runs[0].fluorescence
    baseline = np.median(fluorescence[:, 2:8], axis=1, keepdims=True)
    cq = threshold_cycle(np.maximum(fluorescence - baseline, 1e-3), 600.0)
    for target in ("TGT1", "TGT2"):
        rows = [i for i, t in enumerate(truth) if t.sample_type == "std" and t.target == target
                and t.n0_expected >= 100]
        x = np.log10([truth[i].n0 for i in rows])
        slope = np.polyfit(x, cq[rows], 1)[0]
        mean_eff = np.mean([truth[i].efficiency for i in rows])
        assert abs(slope - (-1 / math.log10(mean_eff))) < 0.05 * abs(slope)


def test_ntc_and_empty_targets_stay_flat() -> None:
    rng = np.random.default_rng(3)
    dataset, truth = simulate_qpcr(default_design(rng=rng), rng=rng)
    fluorescence = dataset.runs[0].fluorescence
    limit = 0.1 * OpticsParams().amplitude  # baseline drift (SD 0.5 %/cycle of background) stays well below this
    for i, t in enumerate(truth):
        if t.n0 == 0:
            rise = fluorescence[i, -5:].mean() - fluorescence[i, 2:8].mean()
            assert rise < limit, f"{t.well} {t.target} rises by {rise:.0f} without template"
