"""Reviewer settings through the pipeline: excluded wells, manual threshold and baseline per target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chipdx import io, pipeline
from chipdx.analysis.qpcr.manual import threshold_cq
from chipdx.errors import ValidationError
from chipdx.model import Dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    from chipdx.cli._demo import DEMO_SEED, demo_datasets

    cartridge = demo_datasets(DEMO_SEED)[0]
    path = Path(tmp_path_factory.mktemp("cartridge")) / "cartridge.rdml"
    io.write(cartridge.dataset, path)
    return pipeline.read_inputs([path])


def test_no_settings_is_the_plain_analysis(dataset: Dataset) -> None:
    plain = pipeline.analyze_dataset(dataset)
    same = pipeline.analyze_with_settings(dataset, pipeline.ManualSettings())
    assert not pipeline.ManualSettings()
    assert plain.reactions[["well", "target", "cq", "flags"]].equals(same.reactions[["well", "target", "cq", "flags"]])


def test_excluded_well_takes_part_in_nothing(dataset: Dataset) -> None:
    settings = pipeline.ManualSettings(excluded_wells=frozenset({"A1"}))
    analysis = pipeline.interpret_dataset(pipeline.analyze_with_settings(dataset, settings),
                                          pipeline.load_assay("resp-4plex-demo"))
    assert "A1" not in set(analysis.reactions["well"])
    assert "S1" not in {r.sample for r in analysis.results}
    assert {r.sample for r in analysis.results} >= {"S2", "NTC", "PC"}


def test_manual_threshold_recomputes_the_targets_cq(dataset: Dataset) -> None:
    plain = pipeline.analyze_dataset(dataset)
    target = "RNaseP"
    level = 400.0
    manual = pipeline.analyze_with_settings(dataset, pipeline.ManualSettings(thresholds={target: level}))
    rows = manual.reactions["target"] == target
    q = manual.qpcr[0]
    expected = threshold_cq(q.corrected[np.asarray(q.table["target"] == target)], q.run.cycles, level)
    np.testing.assert_allclose(manual.reactions.loc[rows, "cq"].to_numpy(dtype=float), expected)
    assert all("QC-MANUAL-THRESHOLD" in f for f in manual.reactions.loc[rows, "flags"])
    other = ~rows
    assert manual.reactions.loc[other, "cq"].equals(plain.reactions.loc[other, "cq"])
    assert not manual.reactions.loc[rows, "cq"].equals(plain.reactions.loc[rows, "cq"])


def test_manual_baseline_marks_and_changes_the_curves(dataset: Dataset) -> None:
    plain = pipeline.analyze_dataset(dataset)
    manual = pipeline.analyze_with_settings(dataset, pipeline.ManualSettings(baselines={"RNaseP": (3, 8)}))
    rows = np.asarray(manual.qpcr[0].table["target"] == "RNaseP")
    assert all("QC-MANUAL-BASELINE" in f for f in manual.qpcr[0].table.loc[rows, "flags"])
    assert not np.allclose(manual.qpcr[0].corrected[rows], plain.qpcr[0].corrected[rows])


@pytest.mark.parametrize(("settings", "message"), [
    (pipeline.ManualSettings(thresholds={"nope": 10.0}), "target 'nope': no qPCR reaction"),
    (pipeline.ManualSettings(thresholds={"RNaseP": -1.0}), "threshold must be a positive number"),
    (pipeline.ManualSettings(thresholds={"RNaseP": float("nan")}), "threshold must be a positive number"),
    (pipeline.ManualSettings(baselines={"RNaseP": (8, 3)}), "baseline cycles must satisfy"),
])
def test_bad_settings_are_refused_with_one_line(dataset: Dataset, settings: pipeline.ManualSettings,
                                                message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        pipeline.analyze_with_settings(dataset, settings)
    assert "\n" not in str(caught.value)


def test_excluding_a_well_of_a_run_with_melt_curves_keeps_matrices_aligned() -> None:
    from chipdx.cli._demo import DEMO_SEED, demo_datasets

    melt = demo_datasets(DEMO_SEED)[2]
    run = next(r for r in melt.runs if r.melt is not None)
    well = run.reactions[0].well.label
    kept = pipeline.exclude_wells(melt, frozenset({well}))
    left = next(r for r in kept.runs if r.id == run.id)
    assert left.melt is not None and left.melt.temperature_c.shape[0] == len(left.reactions) < len(run.reactions)
    assert well not in {r.well.label for r in left.reactions}
