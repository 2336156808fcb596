"""Rain allocated by its posterior across wells, and the interval's classification part."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.analysis import dpcr
from tests.analysis.dpcr.test_spill_rain import NEGATIVE, NOISE, POSITIVE, _dataset

LAMBDAS = (0.02, 0.1, 0.3, 0.6, 1.0, 1.5, 2.0, 0.05, 0.2, 0.8, 1.2, 3.0)


def _plate(*, seed: int, rain: float = 0.0, tail: float = 0.0, n: int = 20_000) -> tuple[object, np.ndarray]:
    """One channel; ``rain`` of the positives end low (1-15 SD above the negatives), ``tail`` of the
    negatives sit in an exponential upper tail of the negative cloud (mean 2.5 SD). Returns data and true positives."""
    rng = np.random.default_rng(seed)
    out, truth = [], []
    for lam in LAMBDAS:
        lit = rng.random(n) < -np.expm1(-lam)
        late = lit & (rng.random(n) < rain)
        level = np.where(late, rng.uniform(1.0, 15.0, n) * NOISE / (POSITIVE - NEGATIVE), 1.0)
        values = NEGATIVE + lit * level * (POSITIVE - NEGATIVE) + rng.normal(0.0, NOISE, n)
        tailed = ~lit & (rng.random(n) < tail)
        values[tailed] += rng.exponential(2.5 * NOISE, int(tailed.sum()))
        out.append(values[:, None])
        truth.append(int(lit.sum()))
    return _dataset(out), np.array(truth)


def test_low_rain_that_grows_with_the_positives_is_counted_positive() -> None:
    dataset, truth = _plate(seed=11, rain=0.02)
    threshold = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(rain="threshold")).n_positive.to_numpy()
    posterior = dpcr.analyze(dataset).n_positive.to_numpy()
    missed_by_threshold, missed = (truth - threshold).sum(), (truth - posterior).sum()
    assert missed_by_threshold > 0.005 * truth.sum()  # the threshold leaves low rain negative ...
    assert abs(missed) < 0.4 * missed_by_threshold  # ... the posterior recovers most of it


def test_a_negative_tail_that_grows_with_the_negatives_stays_negative() -> None:
    dataset, truth = _plate(seed=12, tail=0.01)
    result = dpcr.analyze(dataset)
    threshold = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(rain="threshold"))
    assert np.all(np.abs(result.n_positive.to_numpy() - threshold.n_positive.to_numpy()) <= 3)
    assert np.all(np.abs(result.n_positive.to_numpy() - truth) <= 0.002 * truth + 3)


def test_clean_wells_keep_the_poisson_interval() -> None:
    dataset, _ = _plate(seed=13)
    result = dpcr.analyze(dataset)
    poisson = dpcr.poisson_estimate(result.n_positive, result.n_total, 0.85)
    np.testing.assert_allclose(result.ci_low, poisson.ci_low, rtol=1e-9)
    np.testing.assert_allclose(result.ci_high, poisson.ci_high, rtol=2e-3)  # at most a hidden share of 0.2 %


def test_rain_widens_the_interval_upwards_more_than_downwards() -> None:
    dataset, _ = _plate(seed=14, rain=0.03)
    result = dpcr.analyze(dataset)
    poisson = dpcr.poisson_estimate(result.n_positive, result.n_total, 0.85)
    high = result[result.n_positive > 5000]
    up = (high.ci_high - poisson.ci_high[high.index]) / high.copies_per_ul
    down = (poisson.ci_low[high.index] - high.ci_low) / high.copies_per_ul
    assert np.all(up > 0) and np.all(up > down)  # the estimate counts half the bound on hidden positives
    assert np.all(high.copies_per_ul > poisson.copies_per_ul[high.index])


def test_classification_interval_adds_variance_and_a_one_sided_hidden_share() -> None:
    k, n = np.array([500.0, 0.0]), np.array([10_000.0, 10_000.0])
    low, high = dpcr.proportion_interval(k, n)
    same = dpcr.classification_interval(k, n, low, high, 0.0, 0.0)
    np.testing.assert_array_equal(same[0], low)
    np.testing.assert_array_equal(same[1], high)
    wide = dpcr.classification_interval(k, n, low, high, np.array([400.0, 0.0]), 0.0)
    assert wide[0][0] < low[0] and wide[1][0] > high[0] and wide[0][1] == 0.0
    lifted = dpcr.classification_interval(k, n, low, high, 0.0, np.array([20.0, 0.0]))
    assert low[0] < lifted[0][0] < low[0] + 10 / 10_000 < high[0] + 10 / 10_000 < lifted[1][0]  # moved up by 10
    assert lifted[0][1] == low[1] and lifted[1][1] == high[1]
    estimate = dpcr.poisson_estimate(k, n, 0.85, hidden=np.array([20.0, 0.0]))
    assert estimate.lambda_[0] == pytest.approx(-np.log1p(-510 / 10_000))
