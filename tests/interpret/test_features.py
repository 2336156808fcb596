"""Curve features and artefact flags: shape, NaN tolerance, scale invariance, flags that fire."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.interpret.artefacts import FLAG_CODES, artefact_flags
from chipdx.interpret.features import FEATURE_NAMES, MIN_CYCLES, curve_features, fill_missing

X = np.arange(1, 41, dtype=float)


def sigmoid(mid: float = 22.0, amplitude: float = 900.0, base: float = 100.0) -> np.ndarray:
    return base + amplitude / (1 + np.exp(-(X - mid) / 1.5))


def noisy(curve: np.ndarray, seed: int = 0, sd: float = 2.0) -> np.ndarray:
    return curve + np.random.default_rng(seed).normal(0, sd, curve.size)


def flags_of(curve: np.ndarray) -> list[str]:
    row = artefact_flags(curve_features(curve[None, :]))[0]
    return [code for code, on in zip(FLAG_CODES, row, strict=True) if on]


def test_one_finite_row_per_curve() -> None:
    table = curve_features(np.vstack([noisy(sigmoid()), noisy(np.full(40, 100.0))]))
    assert table.shape == (2, len(FEATURE_NAMES)) and np.isfinite(table).all()


def test_features_do_not_depend_on_the_fluorescence_scale() -> None:
    curve = noisy(sigmoid())
    np.testing.assert_allclose(curve_features(curve * 1000.0), curve_features(curve), rtol=1e-6, atol=1e-9)


def test_trailing_padding_equals_the_shorter_curve() -> None:
    curve = noisy(sigmoid())
    padded = np.r_[curve, np.full(20, np.nan)]
    np.testing.assert_array_equal(curve_features(padded), curve_features(curve))


def test_interior_gap_is_filled_from_neighbours() -> None:
    curve = noisy(sigmoid())
    holed = curve.copy()
    holed[[5, 30]] = np.nan
    assert np.isfinite(curve_features(holed)).all()
    np.testing.assert_array_equal(fill_missing(holed[None, :])[0, [5, 30]], curve[[4, 29]])


def test_too_few_readings_give_nan_and_the_short_flag() -> None:
    short = np.r_[np.arange(MIN_CYCLES - 1, dtype=float), np.full(30, np.nan)]
    assert np.isnan(curve_features(short)).all()
    assert flags_of(short) == ["QC-TOO-SHORT"]
    assert flags_of(np.full(40, np.nan)) == ["QC-TOO-SHORT"]


def test_amplified_curve_has_higher_snr_and_an_earlier_cpd2_than_a_late_one() -> None:
    table = curve_features(np.vstack([noisy(sigmoid(18)), noisy(sigmoid(32))]))
    cpd2 = table[:, FEATURE_NAMES.index("cpd2")]
    assert cpd2[0] < cpd2[1] and abs(cpd2[0] - 16) < 3


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: noisy(sigmoid()), []),
        (lambda: noisy(np.r_[np.full(20, 100.0), np.full(20, 400.0)]), ["QC-STEP"]),
        (lambda: noisy(np.where(X == 15, 900.0, 100.0)), ["QC-SPIKE"]),
        (lambda: noisy(100.0 + 10.0 * X), ["QC-DRIFT"]),
        (lambda: noisy(sigmoid(15) - np.clip(X - 25, 0, None) * 30.0), ["QC-HOOK"]),
        (lambda: noisy(sigmoid(38)), ["QC-LATE-RISE"]),
    ],
    ids=["clean", "step", "spike", "drift", "hook", "late-rise"],
)
def test_artefact_flags(make, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert flags_of(make()) == expected


def test_features_are_vectorised_over_mixed_lengths() -> None:
    a, b = noisy(sigmoid()), noisy(sigmoid(20))[:30]
    both = np.vstack([a, np.r_[b, np.full(10, np.nan)]])
    np.testing.assert_array_equal(curve_features(both), np.vstack([curve_features(a), curve_features(b)]))
