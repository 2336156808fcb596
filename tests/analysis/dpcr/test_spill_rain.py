"""Crosstalk clouds (spill estimated from the droplets) and rain counted from the negative-cloud edge."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.analysis import dpcr
from chipdx.analysis.dpcr._spill import estimate_spill
from chipdx.model import Dataset, Dye, PlateFormat, Run, Sample, SampleType, Target, WellPartitions
from tests.conftest import shared

PLATE = PlateFormat(8, 12)
NEGATIVE, POSITIVE, NOISE = 1200.0, 8000.0, 90.0


def _dataset(amplitudes: list[np.ndarray], *, ntc_wells: int = 0) -> Dataset:
    channels = ("FAM", "HEX")[: amplitudes[0].shape[1]]
    wells = tuple(WellPartitions(PLATE.well(i + 1), "ntc" if i < ntc_wells else "s", 0.85, targets=channels,
                                 amplitudes=a.astype(np.float32)) for i, a in enumerate(amplitudes))
    return Dataset((Run("r", PLATE, partitions=wells),), samples=(Sample("s"), Sample("ntc", SampleType.NTC)),
                   targets=tuple(Target(c, c) for c in channels), dyes=tuple(Dye(c) for c in channels))


def spill_plate(spill: float, *, seed: int, wells: int = 12, n: int = 15_000) -> tuple[Dataset, np.ndarray]:
    """FAM/HEX wells; HEX spills ``spill`` of its rise into FAM. Returns data and true FAM+ counts."""
    rng = np.random.default_rng(seed)
    out, truth = [], []
    for index in range(wells):
        lam = np.array([0.02 + 0.1 * (index % 4), 1.5 - 0.1 * index])  # FAM low, HEX high: a big crosstalk cloud
        lit = rng.random((n, 2)) < -np.expm1(-lam)
        late = rng.random((n, 2)) < 0.04  # rain: it widens the positive cloud and pulls the threshold down
        level = np.where(late, rng.uniform(0.2, 1.0, (n, 2)), rng.normal(1.0, 0.05, (n, 2)))
        rise = lit * (POSITIVE - NEGATIVE) * level
        values = NEGATIVE + rise + rng.normal(0.0, NOISE, (n, 2))
        values[:, 0] += spill * rise[:, 1]
        out.append(values)
        truth.append(int(lit[:, 0].sum()))
    return _dataset(out), np.array(truth)


def test_spill_slope_is_estimated_from_the_clusters() -> None:
    dataset, _ = spill_plate(0.14, seed=1)
    found = estimate_spill(dpcr.plate_matrix(dataset, dataset.runs[0]))
    assert [(s.source, s.into) for s in found] == [("HEX", "FAM")]
    assert found[0].slope == pytest.approx(0.14, abs=0.005)


def test_strong_spill_cloud_is_not_counted_positive() -> None:
    dataset, truth = spill_plate(0.14, seed=2)
    plain = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(spill="off"))
    auto = dpcr.analyze(dataset)
    fam_plain = plain[plain.target == "FAM"].n_positive.to_numpy()
    fam_auto = auto[auto.target == "FAM"].n_positive.to_numpy()
    assert np.all(fam_plain - truth > 50)  # without compensation the crosstalk cloud is half counted
    np.testing.assert_allclose(fam_auto, truth, atol=2)
    assert auto[auto.target == "FAM"]["flags"].str.contains("QC-DPCR-SPILL-ESTIMATED").all()
    assert not plain["flags"].str.contains("QC-DPCR-SPILL-ESTIMATED").any()
    # HEX is not compensated: its counts are those of the plain threshold pass (rain allocation needs
    # the FAM calls, which are wrong without compensation, so the reference uses the threshold calls)
    reference = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(spill="off", rain="threshold"))
    hex_auto, hex_plain = auto[auto.target == "HEX"].n_positive, reference[reference.target == "HEX"].n_positive
    np.testing.assert_allclose(hex_auto.to_numpy(), hex_plain.to_numpy(), atol=2)


def test_known_crosstalk_takes_precedence_over_the_estimate() -> None:
    dataset, truth = spill_plate(0.14, seed=3, wells=4)
    given = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(crosstalk=(("HEX", "FAM", 0.14),)))
    np.testing.assert_allclose(given[given.target == "FAM"].n_positive.to_numpy(), truth, atol=2)


def test_weak_spill_leaves_results_unchanged() -> None:
    dataset, _ = spill_plate(0.06, seed=4)  # the cloud is lifted ~4.5 SD, still far below the FAM threshold
    assert estimate_spill(dpcr.plate_matrix(dataset, dataset.runs[0]))  # found ...
    auto = dpcr.analyze(dataset)
    plain = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(spill="off"))
    assert auto[["n_positive", "threshold"]].equals(plain[["n_positive", "threshold"]])  # ... but not needed


def rain_plate(*, seed: int, rain: float = 0.05, wells: int = 12, n: int = 20_000,
               ntc_wells: int = 0) -> tuple[Dataset, np.ndarray]:
    """One-channel wells where ``rain`` of the positives end anywhere between negative + 6 SD and the positive level."""
    rng = np.random.default_rng(seed)
    out, truth = [], []
    for index in range(wells):
        lam = 0.0 if index < ntc_wells else 0.2 + 0.15 * index
        lit = rng.random(n) < -np.expm1(-lam)
        level = np.where(rng.random(n) < rain, rng.uniform(6 * NOISE / (POSITIVE - NEGATIVE), 1.0, n), 1.0)
        values = NEGATIVE + lit * level * (POSITIVE - NEGATIVE) + rng.normal(0.0, NOISE, n)
        out.append(values[:, None])
        truth.append(int(lit.sum()))
    return _dataset(out, ntc_wells=ntc_wells), np.array(truth)


def test_rain_positive_counts_rain_above_the_negative_cloud() -> None:
    dataset, truth = rain_plate(seed=5)
    default = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(rain="threshold")).n_positive.to_numpy()
    edge = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(rain="positive"))
    assert np.all(truth - default > 5)  # the mixture threshold leaves the lowest rain negative
    np.testing.assert_allclose(edge.n_positive.to_numpy(), truth, atol=3)
    assert set(edge.method) == {"edge"}
    fit = dpcr.fit_threshold(dataset.runs[0].partitions[0].amplitudes[:, 0], rain_edge=True)  # type: ignore[index]
    assert NEGATIVE + 4 * NOISE * 0.95 <= fit.threshold < NEGATIVE + 6 * NOISE


def test_rain_positive_keeps_the_ntc_floor() -> None:
    dataset, _ = rain_plate(seed=6, ntc_wells=3)
    edge = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(rain="positive"))
    assert edge[edge["sample"] == "ntc"].n_positive.sum() <= 2
    assert (edge.threshold >= edge.threshold.iloc[0]).all()


def test_rain_default_is_the_mixture_threshold() -> None:
    dataset, _ = rain_plate(seed=7, wells=4)
    values = np.concatenate([w.amplitudes[:, 0] for w in dataset.runs[0].partitions])  # type: ignore[index]
    plain, edge = dpcr.fit_threshold(values), dpcr.fit_threshold(values, rain_edge=True)
    assert plain.method in ("mixture", "valley") and edge.method == "edge"
    assert edge.threshold < plain.threshold


def test_simulated_plate_without_crosstalk_calibration_matches_the_truth() -> None:
    from chipdx.sim.dpcr import default_dpcr_design, simulate_dpcr

    dataset, truth = simulate_dpcr(default_dpcr_design(), rng=np.random.default_rng(1))
    result = dpcr.analyze(dataset).set_index(["well", "target"])
    inside = 0
    for true in truth:
        row = result.loc[(true.well, true.target)]
        width = row.ci_high - row.ci_low
        inside += row.ci_low - 2 * width <= true.copies_per_ul <= row.ci_high + 2 * width
    assert inside >= 0.97 * len(truth)  # spill="off": 259/384 over four seeds


def test_spill_estimate_is_empty_without_bright_partitions_or_a_second_channel() -> None:
    rng = np.random.default_rng(8)
    dark = _dataset([rng.normal(NEGATIVE, NOISE, (5_000, 2)) for _ in range(3)])
    assert estimate_spill(dpcr.plate_matrix(dark, dark.runs[0])) == ()
    single = _dataset([rng.normal(NEGATIVE, NOISE, (5_000, 1)) + 6000 * (rng.random((5_000, 1)) < 0.3)])
    assert estimate_spill(dpcr.plate_matrix(single, single.runs[0])) == ()
    result = dpcr.analyze(dark)
    assert not result["flags"].str.contains("QC-DPCR-SPILL-ESTIMATED").any()


def test_spill_with_nan_partitions_still_recovers_the_truth() -> None:
    dataset, truth = spill_plate(0.14, seed=9, wells=6)
    wells = []
    for well in dataset.runs[0].partitions:
        assert well.amplitudes is not None
        values = well.amplitudes.copy()
        values[::97, 1] = np.nan  # invalid partitions: left out of n_total and of the estimate
        wells.append(WellPartitions(well.well, well.sample_id, 0.85, targets=well.targets, amplitudes=values))
    broken = Dataset((Run("r", PLATE, partitions=tuple(wells)),), samples=dataset.samples, targets=dataset.targets,
                     dyes=dataset.dyes)
    found = estimate_spill(dpcr.plate_matrix(broken, broken.runs[0]))
    assert [(s.source, s.into) for s in found] == [("HEX", "FAM")]
    result = dpcr.analyze(broken)
    fam = result[result.target == "FAM"]
    assert (fam.n_positive.to_numpy() <= truth + 2).all()
    assert (fam.n_positive.to_numpy() >= truth * 0.98 - 2).all()  # ~1 % of partitions invalid


@pytest.mark.parametrize("name", ["twoddpcr_kras", "ddpcr_attali_small"])
def test_real_crosstalk_clouds_clear_of_the_threshold_change_nothing(name: str) -> None:
    from chipdx import io

    dataset = io.read(shared("dpcr", name))
    assert estimate_spill(dpcr.plate_matrix(dataset, dataset.runs[0]))  # a crosstalk cloud exists ...
    auto, plain = dpcr.analyze(dataset), dpcr.analyze(dataset, settings=dpcr.DpcrSettings(spill="off"))
    assert auto.equals(plain)  # ... but the thresholds already clear it
