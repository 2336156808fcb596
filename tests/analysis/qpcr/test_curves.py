"""Curve analysis: known N0 and efficiency are recovered; odd curves give flags, never exceptions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipdx.analysis.qpcr import QcFlag, analyze_amplicons, analyze_curves, decode
from chipdx.analysis.qpcr.flags import has
from tests.analysis.qpcr._synthetic import logistic_growth

CYCLES = np.arange(1.0, 46.0)


@settings(max_examples=40, deadline=None)
@given(efficiency=st.floats(1.75, 2.0), log10_ratio=st.floats(0.3, 3.0), log10_n0=st.floats(-6.5, -4.0),
       background=st.floats(-50.0, 5000.0))
def test_cq_differences_recover_log_ratios(efficiency: float, log10_ratio: float, log10_n0: float,
                                           background: float) -> None:
    n0 = 10.0 ** np.array([log10_n0, log10_n0 - log10_ratio])
    cycles = np.arange(1.0, 51.0)
    result = analyze_curves(logistic_growth(n0, efficiency, background=background, cycles=50), cycles)
    assert result.amplified.all()
    expected = log10_ratio / np.log10(efficiency)
    assert result.cq[1] - result.cq[0] == pytest.approx(expected, abs=0.1)
    assert result.cq_cy0[1] - result.cq_cy0[0] == pytest.approx(expected, abs=0.1)


@settings(max_examples=25, deadline=None)
@given(efficiency=st.floats(1.8, 2.0), seed=st.integers(0, 2**16))
def test_efficiency_and_n0_ratios_recovered(efficiency: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n0 = np.repeat(10.0 ** -np.arange(6.0, 10.0), 4)
    values = logistic_growth(n0, efficiency, background=1000.0) + rng.normal(0, 0.5, (n0.size, CYCLES.size))
    curves = analyze_curves(values, CYCLES)
    amplicons = analyze_amplicons(curves, np.zeros(n0.size, dtype=np.int64), controls=np.zeros(n0.size, bool))
    assert amplicons.amplicon_efficiency[0] == pytest.approx(efficiency, abs=0.05)
    assert np.nanmedian(curves.window_efficiency) < np.nanmedian(curves.efficiency)  # the correction raises it
    slope = np.polyfit(np.log10(n0), np.log10(amplicons.n0), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)


def test_background_subtracted_and_negative_offsets() -> None:
    n0 = np.array([1e-7, 1e-8])
    for background in (-200.0, 0.0):
        result = analyze_curves(logistic_growth(n0, 1.9, background=background), CYCLES)
        assert result.amplified.all()


@pytest.mark.parametrize(("name", "values", "flag"), [
    ("flat", np.full((1, 45), 100.0), QcFlag.NO_AMPLIFICATION),
    ("zeros", np.zeros((1, 45)), QcFlag.NO_AMPLIFICATION),
    ("falling", np.linspace(1000.0, 100.0, 45)[None, :], QcFlag.NEGATIVE_SIGNAL),
    ("all missing", np.full((1, 45), np.nan), QcFlag.NO_DATA),
    ("very short", np.array([[1.0, 2.0, 4.0]]), QcFlag.SHORT_CURVE),
    ("few readings", np.r_[np.arange(1.0, 6.0), np.full(40, np.nan)][None, :], QcFlag.SHORT_CURVE),
])
def test_odd_curves_are_flagged_not_raised(name: str, values: np.ndarray, flag: QcFlag) -> None:
    result = analyze_curves(values, np.arange(1.0, values.shape[1] + 1))
    assert not result.amplified.any(), name
    assert has(result.flags, flag).all(), (name, decode(result.flags))
    assert np.isnan(result.cq).all()


def test_noise_only_is_not_amplified() -> None:
    rng = np.random.default_rng(1)
    values = 500 + rng.normal(0, 5, (50, 45))
    assert not analyze_curves(values, CYCLES).amplified.any()


def test_gaps_are_filled_and_flagged() -> None:
    values = logistic_growth(np.array([1e-7, 1e-7, 1e-7]), 1.9, background=100.0)
    values[1, [0, 3, 34, 35]] = np.nan  # away from the Cq
    values[2, [20, 21]] = np.nan  # at the steepest part: interpolation bends the curve a little
    result = analyze_curves(values, CYCLES)
    assert result.amplified.all()
    assert has(result.flags, QcFlag.GAPS_FILLED).tolist() == [False, True, True]
    assert result.cq[1] == pytest.approx(result.cq[0], abs=0.05)
    assert result.cq[2] == pytest.approx(result.cq[0], abs=0.5)


def test_spike_step_and_noise_are_flagged() -> None:
    rng = np.random.default_rng(1)
    values = logistic_growth(np.full(5, 1e-9), 1.9, background=100.0) + rng.normal(0, 3, (5, 45))
    values[1, 8] += 3000.0  # one reading off
    values[2, 5:] += 1500.0  # the ground level jumps and stays
    values[3, 40:] -= 2000.0  # the plateau drops
    values[4] += rng.normal(0, 250, 45)
    result = analyze_curves(values, CYCLES)
    assert result.amplified.all()
    assert has(result.flags, QcFlag.SPIKE).tolist() == [False, True, False, False, False]
    assert has(result.flags, QcFlag.STEP).tolist() == [False, False, True, True, False]
    assert has(result.flags, QcFlag.NOISY).tolist() == [False, False, False, False, True]
    assert result.cq[1] == pytest.approx(result.cq[0], abs=0.1)  # the spike does not move the Cq


def test_late_and_no_plateau() -> None:
    values = logistic_growth(np.array([1e-13]), 1.9, background=100.0)
    result = analyze_curves(values, CYCLES)
    assert result.amplified[0]
    assert has(result.flags, QcFlag.LATE)[0]
    assert has(result.flags, QcFlag.NO_PLATEAU)[0]


def test_efficiency_outlier_and_ntc_flags() -> None:
    n0 = np.full(12, 1e-8)
    values = logistic_growth(n0, 1.95, background=100.0)
    values[0] = logistic_growth(n0[:1], 1.55, background=100.0)[0]
    curves = analyze_curves(values, CYCLES)
    controls = np.zeros(12, bool)
    controls[-1] = True
    amplicons = analyze_amplicons(curves, np.zeros(12, dtype=np.int64), controls=controls)
    assert has(amplicons.flags, QcFlag.EFFICIENCY_OUTLIER)[0]
    assert not has(amplicons.flags, QcFlag.EFFICIENCY_OUTLIER)[1:].any()
    assert has(amplicons.flags, QcFlag.NTC_AMPLIFICATION).tolist() == [False] * 11 + [True]


def test_inputs_are_not_modified() -> None:
    values = logistic_growth(np.array([1e-7]), 1.9)
    values[0, 5] = np.nan
    before = values.copy()
    analyze_curves(values, CYCLES)
    np.testing.assert_array_equal(values, before)


@settings(max_examples=60, deadline=None)
@given(n_rows=st.integers(1, 4), n_cols=st.integers(0, 60), seed=st.integers(0, 2**16),
       scale=st.sampled_from([0.0, 1e-12, 1.0, 1e6]), missing=st.floats(0.0, 0.9))
def test_arbitrary_matrices_never_raise(n_rows: int, n_cols: int, seed: int, scale: float, missing: float) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, (n_rows, n_cols)).cumsum(axis=1) * scale
    values[rng.random((n_rows, n_cols)) < missing] = np.nan
    result = analyze_curves(values, np.arange(1.0, n_cols + 1))
    assert result.cq.shape == (n_rows,)
    assert np.all(np.isnan(result.cq) | result.amplified)
    amplicons = analyze_amplicons(result, np.zeros(n_rows, dtype=np.int64), controls=np.zeros(n_rows, bool),
                                  replicates=np.zeros(n_rows, dtype=np.int64))
    assert amplicons.n0.shape == (n_rows,)


def test_bisection_gap_equals_the_difference_of_half_window_slopes() -> None:
    from chipdx.analysis.qpcr._matrix import masked_slope
    from chipdx.analysis.qpcr.baseline import _half_gap, _slope_weights

    rng = np.random.default_rng(3)
    x = np.tile(np.arange(10.0, 16.0), (50, 1))
    values = 100 + np.exp(0.6 * x) * rng.uniform(0.5, 2.0, (50, 1)) + rng.normal(0, 1, x.shape)
    mask = rng.uniform(size=x.shape) > 0.1
    lower, upper = mask & (x < 13), mask & (x >= 13)
    baseline = rng.uniform(50, 99, 50)
    y = np.log10(values - baseline[:, None])
    direct = masked_slope(x, y, lower) - masked_slope(x, y, upper)
    fast = _half_gap(values, baseline, _slope_weights(x, lower) - _slope_weights(x, upper))
    finite = np.isfinite(direct)
    assert np.array_equal(finite, np.isfinite(fast))
    assert np.allclose(fast[finite], direct[finite], rtol=1e-9, atol=1e-12)
