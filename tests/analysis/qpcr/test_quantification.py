"""Standard curves, absolute quantities, relative quantification and geNorm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chipdx.analysis.qpcr.relative import genorm_stability, relative_quantities
from chipdx.analysis.qpcr.standard_curve import efficiency_mismatch, fit_standard_curve, quantify


def test_standard_curve_recovers_slope_and_quantities() -> None:
    q = np.repeat(10.0 ** np.arange(1, 6), 3)
    cq = 38.0 - 3.5 * np.log10(q)
    curve = fit_standard_curve(cq, q)
    assert curve.slope == pytest.approx(-3.5)
    assert curve.efficiency == pytest.approx(10 ** (1 / 3.5))
    assert curve.r_squared == pytest.approx(1.0)
    np.testing.assert_allclose(quantify(cq, curve), q, rtol=1e-9)
    assert curve.lod is None  # every replicate detected: no probit possible
    assert efficiency_mismatch(curve, 1.85) and not efficiency_mismatch(curve, curve.efficiency)


def test_probit_lod_between_levels() -> None:
    q = np.repeat([1.0, 3.0, 10.0, 30.0, 100.0], 8)
    detected = np.array([2, 4, 7, 8, 8])
    cq = np.where(np.concatenate([np.arange(8) < d for d in detected]), 38.0 - 3.3 * np.log10(q), np.nan)
    curve = fit_standard_curve(cq, q)
    assert curve.lod is not None and 3.0 < curve.lod < 100.0
    assert curve.linear_range == pytest.approx((30.0, 100.0))


def test_standard_curve_needs_two_levels() -> None:
    with pytest.raises(ValueError, match="two or more"):
        fit_standard_curve(np.array([20.0, 20.1]), np.array([100.0, 100.0]))


def _table() -> pd.DataFrame:
    rows = []
    for sample, shift in (("ctrl", 0.0), ("treated", -2.0)):
        for target, base in (("GOI", 25.0), ("REF1", 20.0), ("REF2", 22.0)):
            for k in range(3):
                cq = base + (shift if target == "GOI" else 0.0) + 0.05 * (k - 1)
                rows.append({"sample": sample, "target": target, "cq": cq, "amplified": True})
    return pd.DataFrame(rows)


def test_delta_delta_cq_and_pfaffl() -> None:
    table = _table()
    ddcq = relative_quantities(table, references=["REF1", "REF2"], calibrator="ctrl")
    treated = ddcq[ddcq["sample"] == "treated"].iloc[0]
    assert treated["ratio"] == pytest.approx(4.0)
    assert treated["ci_low"] < 4.0 < treated["ci_high"]
    pfaffl = relative_quantities(table, references=["REF1"], calibrator="ctrl", efficiencies={"GOI": 1.9})
    assert pfaffl[pfaffl["sample"] == "treated"]["ratio"].iloc[0] == pytest.approx(1.9**2)


def test_relative_needs_a_reference() -> None:
    with pytest.raises(ValueError, match="reference"):
        relative_quantities(_table(), references=[])


def test_genorm_prefers_the_stable_gene() -> None:
    rows = []
    for i, sample in enumerate("abcdef"):
        for target, cq in (("R1", 20 + i), ("R2", 22 + i), ("R3", 24 + i + (1.5 if i % 2 else -1.5))):
            rows.append({"sample": sample, "target": target, "cq": cq, "amplified": True})
    m = genorm_stability(pd.DataFrame(rows), references=["R1", "R2", "R3"])
    assert m["R3"] > m["R1"] and m["R3"] > m["R2"]


def test_copies_from_n0_recovers_known_inputs_per_group() -> None:
    from chipdx.analysis.qpcr.copies import copies_from_n0

    copies = np.array([10.0, 100.0, 1000.0, 50.0, 10.0, 100.0, 7.0])
    per_copy = np.array([1e-6, 1e-6, 1e-6, 1e-6, 3e-5, 3e-5, 3e-5])  # a second target, other optics
    groups = np.array([0, 0, 0, 0, 1, 1, 1])
    standard = np.array([True, True, True, False, True, False, False])
    out = copies_from_n0(copies * per_copy, np.where(standard, copies, np.nan), standard=standard, groups=groups)
    assert np.allclose(out, copies)
    none = copies_from_n0(copies * per_copy, copies, standard=np.zeros(7, bool), groups=groups)
    assert np.isnan(none).all()
