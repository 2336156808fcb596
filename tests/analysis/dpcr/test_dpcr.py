"""dPCR analysis: simulated Poisson wells are recovered; thresholds, QC flags, CIs, merging, limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipdx.analysis import dpcr
from chipdx.model import Dataset, Dye, PlateFormat, Run, Sample, SampleType, Target, WellPartitions

PLATE = PlateFormat(8, 12)


def simulate(lambdas: list[list[float]], *, seed: int, n: int = 15_000, sep: float = 4000.0,
             ntc_wells: int = 0) -> tuple[Dataset, np.ndarray]:
    """Wells with Poisson loading, two channels, Gaussian clouds; returns the data and true positive counts."""
    rng = np.random.default_rng(seed)
    wells, truth = [], []
    for index, lam in enumerate(lambdas):
        positive = rng.random((n, 2)) < 1 - np.exp(-np.asarray(lam))
        amplitudes = rng.normal([1000, 800], [80, 60], (n, 2)) + positive * rng.normal(sep, 150, (n, 2))
        sample = "ntc" if index < ntc_wells else "s"
        wells.append(WellPartitions(PLATE.well(index + 1), sample, 0.85, targets=("A", "B"),
                                    amplitudes=amplitudes.astype(np.float32)))
        truth.append(positive.sum(axis=0))
    dataset = Dataset((Run("sim", PLATE, partitions=tuple(wells)),),
                      samples=(Sample("s"), Sample("ntc", SampleType.NTC)),
                      targets=(Target("A", "Ch1"), Target("B", "Ch2")), dyes=(Dye("Ch1"), Dye("Ch2")))
    return dataset, np.array(truth)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(lam=st.floats(0.002, 3.0), seed=st.integers(0, 2**16))
def test_simulated_wells_are_recovered(lam: float, seed: int) -> None:
    dataset, truth = simulate([[lam, lam / 2], [0.3, 0.3], [0.0, 0.0]], seed=seed)
    result = dpcr.analyze(dataset)
    counts = result.pivot(index="well", columns="target", values="n_positive").loc[["A1", "A2", "A3"]]
    np.testing.assert_array_equal(counts[["A", "B"]].to_numpy(), truth)
    first = result[(result.well == "A1") & (result.target == "A")].iloc[0]
    wide = dpcr.poisson_estimate([first.n_positive], [first.n_total], 0.85, confidence=0.9999)
    assert wide.lambda_low[0] <= lam <= wide.lambda_high[0]


def test_result_has_the_spec_columns_and_one_row_per_well_target() -> None:
    dataset, _ = simulate([[0.1, 0.2]] * 4, seed=1)
    result = dpcr.analyze(dataset)
    assert tuple(result.columns[: len(dpcr.RESULT_COLUMNS)]) == dpcr.RESULT_COLUMNS
    assert len(result) == 8 and set(result.channel) == {"Ch1", "Ch2"}


def test_manual_threshold_and_volume_override() -> None:
    dataset, _ = simulate([[0.1, 0.2]], seed=2)
    result = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(thresholds=(("A", 3000.0),), partition_volume_nl=1.0))
    row = result[result.target == "A"].iloc[0]
    assert row.threshold == 3000.0 and "QC-DPCR-MANUAL-THRESHOLD" in row["flags"]
    assert row.copies_per_ul == pytest.approx(row["lambda"] / 1e-3)


def test_qc_flags_empty_saturated_and_few() -> None:
    dataset, _ = simulate([[0.1, 0.1], [7.0, 0.1]], seed=3)
    small = WellPartitions(PLATE.well(3), "s", 0.85, targets=("A", "B"),
                           amplitudes=np.array([[1000, 800]] * 500, dtype=np.float32))
    nan = WellPartitions(PLATE.well(4), "s", 0.85, targets=("A", "B"),
                         amplitudes=np.full((100, 2), np.nan, dtype=np.float32))
    run = Run("sim", PLATE, partitions=(*dataset.runs[0].partitions, small, nan))
    result = dpcr.analyze(Dataset((run,), samples=dataset.samples, targets=dataset.targets, dyes=dataset.dyes))
    flags = result.set_index(["well", "target"])["flags"]
    assert "QC-DPCR-SATURATED" in flags[("A2", "A")]
    assert "QC-DPCR-FEW-PARTITIONS" in flags[("A3", "A")]
    assert flags[("A4", "A")].startswith("QC-DPCR-EMPTY-WELL")
    assert np.isnan(result.set_index(["well", "target"]).loc[("A4", "A"), "lambda"])


def test_one_cloud_assay_is_flagged_not_guessed() -> None:
    dataset, _ = simulate([[0.0, 0.0]] * 3, seed=4)
    result = dpcr.analyze(dataset)
    assert (result.n_positive == 0).all() and result["flags"].str.contains("QC-DPCR-ONE-CLOUD").all()


def test_ntc_wells_raise_the_threshold_only_when_needed() -> None:
    dataset, _ = simulate([[0.0, 0.0], [0.5, 0.5], [0.01, 0.01]], seed=5, ntc_wells=1)
    layout = [dpcr.LayoutRow(f"A{i}", t, c, sample_type=SampleType.NTC if i == 1 else SampleType.UNKNOWN)
              for i in (1, 2, 3) for t, c in (("A", "Ch1"), ("B", "Ch2"))]
    result = dpcr.analyze(dataset, layout=layout)
    assert result[result.well == "A1"].n_positive.sum() == 0


def test_interval_methods_agree_for_large_counts_and_coverage_is_nominal() -> None:
    rng = np.random.default_rng(7)
    lam = np.exp(rng.uniform(np.log(0.01), np.log(3), 4000))
    k = rng.binomial(20_000, 1 - np.exp(-lam))
    est = dpcr.poisson_estimate(k, np.full_like(k, 20_000), 0.85)
    coverage = np.mean((est.lambda_low <= lam) & (lam <= est.lambda_high))
    assert 0.93 <= coverage <= 0.97
    wald = dpcr.poisson_estimate([6093], [12604], 0.85, method="quantasoft")
    assert wald.ci_low[0] == pytest.approx(757, abs=1) or wald.ci_low[0] < wald.copies_per_ul[0]
    zero = dpcr.poisson_estimate([0], [15000], 0.85, method="quantasoft")
    assert zero.ci_high[0] == pytest.approx(3.0 / (15000 * 0.85e-3), rel=1e-3)


def test_volume_cv_widens_the_interval() -> None:
    plain = dpcr.poisson_estimate([500], [15000], 0.85)
    wide = dpcr.poisson_estimate([500], [15000], 0.85, volume_cv=0.05)
    assert wide.ci_low[0] < plain.ci_low[0] and wide.ci_high[0] > plain.ci_high[0]


def test_merge_ratio_and_limits() -> None:
    dataset, _ = simulate([[0.2, 0.1]] * 3, seed=8)
    result = dpcr.analyze(dataset)
    merged = dpcr.merge_replicates(result)
    row = merged[merged.target == "A"].iloc[0]
    assert row.n_wells == 3 and row.ci_low < row.copies_per_ul < row.ci_high
    assert row.total_ci_low <= row.copies_per_ul <= row.total_ci_high
    fa = dpcr.fractional_abundance(result, target="B", reference="A")
    assert ((fa.fa_low < fa.fractional_abundance) & (fa.fractional_abundance < fa.fa_high)).all()
    assert (abs(fa.ratio - 0.5) < 0.1).all()
    lob = dpcr.limit_of_blank([0.0, 0.0, 0.07, 0.0])
    assert dpcr.limit_of_detection(lob, [[1.0, 1.1, 0.9]]) > lob


def test_count_only_wells_are_quantified() -> None:
    from chipdx.model import PartitionCounts

    well = WellPartitions(PLATE.well(1), "s", 0.85, counts=(PartitionCounts("A", 535, 12069),))
    dataset = Dataset((Run("r", PLATE, partitions=(well,)),), samples=(Sample("s"),),
                      targets=(Target("A", "Ch1"),), dyes=(Dye("Ch1"),))
    result = dpcr.analyze(dataset)
    assert result.copies_per_ul.iloc[0] == pytest.approx(-np.log(1 - 535 / 12604) / 0.85e-3)
    assert isinstance(result, pd.DataFrame)


def test_bad_input_flags_nan_all_positive_and_missing_channel() -> None:
    dataset, _ = simulate([[0.2, 0.2], [0.3, 0.3]], seed=9)
    first = dataset.runs[0].partitions[0]
    assert first.amplitudes is not None
    holes = first.amplitudes.copy()
    holes[:2000, 1] = np.nan  # 13 % NaN in one channel
    saturated = np.full((5000, 2), 5000.0, dtype=np.float32)
    wells = (WellPartitions(first.well, "s", 0.85, targets=("A", "B"), amplitudes=holes),
             dataset.runs[0].partitions[1],
             WellPartitions(PLATE.well(3), "s", 0.85, targets=("A", "B"), amplitudes=saturated),
             WellPartitions(PLATE.well(4), "s", 0.85, targets=("A",), amplitudes=holes[2000:, :1]))
    data = Dataset((Run("r", PLATE, partitions=wells),), samples=dataset.samples, targets=dataset.targets,
                   dyes=dataset.dyes)
    layout = [dpcr.LayoutRow(f"A{i}", t, c) for i in (1, 2, 3, 4) for t, c in (("A", "Ch1"), ("B", "Ch2"))]
    result = dpcr.analyze(data, layout=layout).set_index(["well", "target"])
    assert result.loc[("A1", "A"), "n_total"] == 13_000 and result.loc[("A1", "A"), "n_invalid"] == 2000
    assert "QC-DPCR-INVALID-PARTITIONS" in result.loc[("A1", "A"), "flags"]
    assert np.isinf(result.loc[("A3", "A"), "lambda"]) and "QC-DPCR-SATURATED" in result.loc[("A3", "A"), "flags"]
    assert "QC-DPCR-CHANNEL-MISSING" in result.loc[("A4", "B"), "flags"]
    assert result.loc[("A4", "B"), "n_total"] == 0


def test_crosstalk_compensation_subtracts_spill() -> None:
    dataset, truth = simulate([[0.3, 0.3]] * 2, seed=10)
    matrix = dpcr.plate_matrix(dataset, dataset.runs[0])
    compensated = dpcr.compensate(matrix, [("Ch2", "Ch1", 0.1)])
    np.testing.assert_allclose(compensated.values[:, 0], matrix.values[:, 0] - np.float32(0.1) * matrix.values[:, 1],
                               rtol=1e-6)
    result = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(crosstalk=(("Ch2", "Ch1", 0.1),)))
    assert result[result.target == "A"].n_positive.tolist() == truth[:, 0].tolist()


def test_amplitude_multiplex_three_targets_in_two_channels() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    lam = np.array([0.3, 0.2, 0.25])
    offsets = np.array([[4000.0, 0.0], [0.0, 3000.0], [1800.0, 1500.0]])  # T1 Ch1, T2 Ch2, T3 both
    wells, truth = [], []
    for index in range(3):
        positive = rng.random((n, 3)) < 1 - np.exp(-lam * (index + 1) / 2)
        amplitudes = rng.normal([1000, 900], [60, 50], (n, 2)) + positive.astype(float) @ offsets
        wells.append(WellPartitions(PLATE.well(index + 1), "s", 0.85, targets=("A", "B"),
                                    amplitudes=amplitudes.astype(np.float32)))
        truth.append(positive.sum(axis=0))
    data = Dataset((Run("m", PLATE, partitions=tuple(wells)),), samples=(Sample("s"),),
                   targets=(Target("A", "Ch1"), Target("B", "Ch2")), dyes=(Dye("Ch1"), Dye("Ch2")))
    layout = [dpcr.LayoutRow(f"A{i}", t, c, reference=i == 3) for i in (1, 2, 3)
              for t, c in (("T1", "Ch1"), ("T2", "Ch2"), ("T3", "Ch1+Ch2"))]
    result = dpcr.analyze(data, layout=layout)
    counts = result.pivot(index="well", columns="target", values="n_positive").loc[["A1", "A2", "A3"]]
    found = counts[["T1", "T2", "T3"]].to_numpy()
    assert np.all(np.abs(found - np.array(truth)) <= 0.01 * np.array(truth) + 5)
    assert (result.method == "multiplex").all()


def test_quadrant_counts_match_simulated_truth() -> None:
    dataset, truth = simulate([[0.3, 0.5], [0.1, 0.05]], seed=12)
    result = dpcr.analyze(dataset)
    quadrants = dpcr.quadrant_counts(dataset, result, first="A", second="B")
    assert quadrants.well.tolist() == ["A1", "A2"]
    totals = quadrants[["pp", "pn", "np", "nn"]].sum(axis=1)
    assert (totals == 15_000).all()
    assert (quadrants.pp + quadrants.pn).tolist() == truth[:, 0].tolist()


def test_results_carry_their_settings() -> None:
    dataset, _ = simulate([[0.1, 0.1]], seed=13)
    result = dpcr.analyze(dataset, settings=dpcr.DpcrSettings(ci_method="exact"))
    assert result.attrs["settings"]["ci_method"] == "exact" and (result.ci_method == "exact").all()


def test_layout_applies_to_count_only_wells() -> None:
    from chipdx.model import PartitionCounts

    well = WellPartitions(PLATE.well(1), "s", 0.85, counts=(PartitionCounts("A", 535, 12069),))
    dataset = Dataset((Run("r", PLATE, partitions=(well,)),), samples=(Sample("s"),),
                      targets=(Target("A", "Ch1"),), dyes=(Dye("Ch1"),))
    layout = [dpcr.LayoutRow("A01", "KRAS", "Ch1", sample="patient", dilution=10.0)]
    row = dpcr.analyze(dataset, layout=layout).iloc[0]
    assert (row.well, row["sample"], row.target) == ("A1", "patient", "KRAS")
    assert row.copies_per_specimen == pytest.approx(10 * row.copies_per_ul)


@pytest.mark.parametrize("lam", [1.5, 3.0, 4.5])
def test_mostly_positive_plates_find_the_small_negative_cloud(lam: float) -> None:
    dataset, truth = simulate([[lam, lam]] * 3, seed=14)
    result = dpcr.analyze(dataset)
    counts = result.pivot(index="well", columns="target", values="n_positive").loc[["A1", "A2", "A3"]]
    np.testing.assert_array_equal(counts[["A", "B"]].to_numpy(), truth)
    assert not result["flags"].str.contains("QC-DPCR-ONE-CLOUD").any()
