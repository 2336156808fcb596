"""Melt curves: Tm, multiple products, primer dimers, flat curves."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.analysis.qpcr.melt import analyze_melt
from tests.conftest import shared


def _melt(*peaks: tuple[float, float], n: int = 151) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(65.0, 95.0, n)
    f = 0.2 * (95 - t) / 30
    for tm, height in peaks:
        f = f + height / (1 + np.exp((t - tm) / 0.5))
    return t, f


def test_tm_and_flags() -> None:
    curves = [_melt((84.0, 1.0)), _melt((84.0, 1.0), (88.5, 0.6)), _melt((84.0, 1.0), (74.0, 0.4)),
              (np.linspace(65, 95, 151), np.full(151, 3.0))]
    t = np.vstack([c[0] for c in curves])
    f = np.vstack([c[1] for c in curves])
    result = analyze_melt(t, f)
    assert result["tm"].iloc[0] == pytest.approx(84.0, abs=0.15)
    assert result["flags"].iloc[0] == ""
    assert "QC-MELT-MULTIPLE-PRODUCTS" in result["flags"].iloc[1]
    assert "QC-MELT-PRIMER-DIMER" in result["flags"].iloc[2]
    assert result["flags"].iloc[3] == "QC-MELT-NO-PEAK" and np.isnan(result["tm"].iloc[3])


def test_padding_and_gaps() -> None:
    t, f = _melt((82.0, 1.0))
    t = np.r_[t, np.full(10, np.nan)][None, :]
    f = np.r_[f, np.full(10, np.nan)][None, :]
    assert analyze_melt(t, f)["tm"].iloc[0] == pytest.approx(82.0, abs=0.15)


def test_public_melt_tm_near_rdmlpython() -> None:
    from chipdx import io

    data = io.read(shared("qpcr", "rdmlpython_plates", "test_mca_1_raw_data.rdml"))
    run = next(r for r in data.runs if r.melt is not None)
    assert run.melt is not None
    tm = analyze_melt(run.melt.temperature_c, run.melt.fluorescence)["tm"]
    assert abs(float(np.nanmedian(tm)) - 85.7) < 0.5  # rdmlpython's mean peak temperature: 85.74 °C


def test_tm_window_flags_only_rows_outside_their_window() -> None:
    from chipdx.analysis.qpcr.melt import tm_windows

    curves = [_melt((84.0, 1.0)), _melt((80.0, 1.0)), _melt((80.0, 1.0)), (np.linspace(65, 95, 151), np.full(151, 3.0))]
    t = np.vstack([c[0] for c in curves])
    f = np.vstack([c[1] for c in curves])
    window = tm_windows(["A", "A", "B", "A"], {"A": (83.0, 85.0)})
    flags = analyze_melt(t, f, tm_window=window)["flags"].tolist()
    assert flags[0] == ""  # inside its window
    assert flags[1] == "QC-MELT-TM-OUT-OF-RANGE"  # 80 °C, outside 83-85
    assert flags[2] == ""  # target B has no window
    assert flags[3] == "QC-MELT-NO-PEAK"  # no Tm: nothing to compare
    assert analyze_melt(t, f)["flags"].tolist()[:3] == ["", "", ""]


def test_noise_without_a_product_has_no_peak_but_a_weak_product_does() -> None:
    rng = np.random.default_rng(7)
    t = np.tile(np.linspace(65.0, 95.0, 151), (3, 1))
    background = 0.2 * (95 - t) / 30
    product = 1 / (1 + np.exp((t - 84.0) / 0.5))
    noise = rng.normal(0.0, 0.002, t.shape)
    f = background + noise + np.array([[0.0], [0.05], [1.0]]) * product  # none, weak, strong product
    result = analyze_melt(t, f)
    assert result["flags"].iloc[0] == "QC-MELT-NO-PEAK" and np.isnan(result["tm"].iloc[0])
    assert result["tm"].iloc[1:].to_numpy() == pytest.approx([84.0, 84.0], abs=0.3)
