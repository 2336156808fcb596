"""The curve classifier: exported trees equal scikit-learn, determinism, the locked artifact."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier

from chipdx.errors import ValidationError
from chipdx.interpret import DEFAULT_MODEL, LOCKED_MODELS, CurveClassifier, load_model
from chipdx.interpret._trees import TreeEnsemble
from chipdx.interpret.features import curve_features
from chipdx.interpret.model_store import model_bytes
from chipdx.io.tables import read_curve_table
from tests.conftest import shared

X = np.arange(1, 41, dtype=float)


def curves(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic sigmoids (label 1) and flat or drifting baselines (label 0), in 4 groups."""
    y = rng.integers(0, 2, n)
    mid = rng.uniform(15, 35, n)[:, None]
    rise = 1000 / (1 + np.exp(-(X - mid) / rng.uniform(1, 2.5, n)[:, None]))
    drift = rng.uniform(-2, 2, n)[:, None] * X
    f = 100 + np.where(y[:, None] == 1, rise, drift) + rng.normal(0, 3, (n, X.size))
    return f, y, np.arange(n) % 4


def small() -> CurveClassifier:
    return CurveClassifier(max_iter=10, n_splits=3, alpha=0.05)


def test_exported_trees_predict_like_sklearn() -> None:
    rng = np.random.default_rng(1)
    f = rng.normal(size=(300, 5))
    f[rng.random(f.shape) < 0.05] = np.nan
    y = (np.nan_to_num(f[:, 0]) + f[:, 1] > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(f, y)
    raw = TreeEnsemble.from_sklearn(model).decision_function(f)
    np.testing.assert_allclose(1 / (1 + np.exp(-raw)), model.predict_proba(f)[:, 1], atol=1e-12)


def test_training_is_deterministic_to_the_byte() -> None:
    f, y, g = curves(240, np.random.default_rng(0))
    first = model_bytes(small().fit(f, y, groups=g), model_id="t", extra={})
    second = model_bytes(small().fit(f, y, groups=g), model_id="t", extra={})
    assert first == second


def test_fitted_estimator_follows_the_sklearn_contract() -> None:
    f, y, g = curves(240, np.random.default_rng(2))
    clf = small().fit(f, y, groups=g)
    proba = clf.predict_proba(f)
    assert proba.shape == (240, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert clf.score(f, y) > 0.9
    assert clone(clf).get_params() == clf.get_params()
    low, high = clf.review_band()
    assert 0.0 <= low <= high <= 1.0


def test_band_on_raw_scores_releases_by_the_uncalibrated_score() -> None:
    f, y, g = curves(240, np.random.default_rng(5))
    clf = CurveClassifier(max_iter=10, n_splits=3, alpha=0.05, band_on="raw").fit(f, y, groups=g)
    low, high = clf.review_band()
    feats = curve_features(f)
    raw = 1 / (1 + np.exp(-clf.ensemble_.decision_function(feats)))
    calls = clf.classify_features(feats)
    ood = calls.ood_distance > clf.ood_threshold_
    plain = ~ood & np.array([not set(r) & {"AI-ARTEFACT"} for r in calls.reasons])
    released = ~calls.needs_review
    assert np.array_equal(released[plain], ((raw < low) | (raw > high))[plain])
    assert np.allclose(calls.p_amplified, clf.predict_proba(f)[:, 1])  # p_amplified stays calibrated
    assert set(np.unique(clf.oof_score_)) != set(np.unique(clf.oof_p_amplified_))


@pytest.mark.parametrize("model_id", sorted(LOCKED_MODELS))
def test_every_locked_model_still_loads(model_id: str) -> None:
    model = load_model(model_id)
    assert model.model_id == model_id
    # models up to 1.1.0 were trained before band_on existed: their band stays on p_amplified
    assert model.classifier.band_on == model.metadata["params"].get("band_on", "calibrated")


def test_shipped_model_is_locked_and_loads() -> None:
    model = load_model()
    assert model.model_id == DEFAULT_MODEL and model.sha256 == LOCKED_MODELS[DEFAULT_MODEL]
    assert model.metadata["training_files"] and all("holdout" not in k for k in model.metadata["training_files"])


def test_shipped_model_calls_clear_curves_and_abstains_on_short_ones() -> None:
    clf = load_model().classifier
    rise = 100 + 900 / (1 + np.exp(-(X - 20) / 1.5)) + np.random.default_rng(3).normal(0, 3, 40)
    short = np.r_[rise[:5], np.full(35, np.nan)]
    calls = clf.classify(np.vstack([rise, short]))
    assert calls.call == ("amplified", "review")
    assert calls.reasons[1] == ("AI-NO-FEATURES",) and "QC-TOO-SHORT" in calls.flags[1]
    assert calls.p_amplified[0] > 0.9


def test_shipped_model_on_unanimous_training_curves() -> None:
    pool = shared("ai", "qpcr_amplification_pcredux", "train_pool")
    table = read_curve_table(pool / "curves_long.csv.gz")
    with (pool / "labels.csv").open(newline="") as stream:
        labels = {(r["dataset"], r["curve_id"]): r for r in csv.DictReader(stream)}
    assert table.fluorescence.shape[0] == len(labels) == 10862  # every labelled curve is read
    rows = [labels[k] for k in zip(table.datasets, table.curve_ids, strict=True)]
    keep = np.array([r["unanimous"] == "True" and r["majority"] in ("positive", "negative") for r in rows])
    truth = np.array([r["majority"] == "positive" for r in rows])[keep]
    calls = load_model().classifier.classify(table.fluorescence[keep])
    released = ~calls.needs_review
    amplified = np.array([c == "amplified" for c in calls.call])
    assert released.mean() > 0.9 and (amplified[released] == truth[released]).mean() > 0.99


def test_curves_unlike_the_training_data_go_to_review() -> None:
    # a sawtooth (a reading pattern repeating every 5 cycles) occurs nowhere in training: the OOD gate holds it
    clf = load_model().classifier
    calls = clf.classify(100 + 10 * (X % 5)[None, :])
    assert calls.call == ("review",) and "AI-OOD" in calls.reasons[0] and "QC-OOD" in calls.flags[0]
    assert calls.ood_distance[0] > clf.ood_threshold_


def test_pure_noise_is_never_released_as_amplified() -> None:
    # white noise without trend: held by the OOD gate up to 1.1.0, released as not amplified by 1.2.0
    for model_id in LOCKED_MODELS:
        calls = load_model(model_id).classifier.classify(100 + np.random.default_rng(4).normal(0, 3, (1, 40)))
        assert calls.call[0] in ("review", "not_amplified") and calls.p_amplified[0] < 0.05


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    source = Path(__file__).resolve().parents[2] / "src" / "chipdx" / "interpret" / "models"
    for ending in ("npz", "json"):
        shutil.copy(source / f"{DEFAULT_MODEL}.{ending}", tmp_path)
    return tmp_path


def test_tampered_arrays_are_refused(model_copy: Path) -> None:
    path = model_copy / f"{DEFAULT_MODEL}.npz"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValidationError, match="SHA-256"):
        load_model(folder=model_copy)


def test_changed_metadata_is_refused(model_copy: Path) -> None:
    path = model_copy / f"{DEFAULT_MODEL}.json"
    path.write_text(path.read_text().replace('"q_pos"', '"q_pos" ', 1))
    with pytest.raises(ValidationError, match="not the locked one"):
        load_model(folder=model_copy)
    assert load_model(folder=model_copy, locked=False).model_id == DEFAULT_MODEL


def test_training_tool_refuses_the_holdout(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, str(repo / "tools" / "train_classifier.py"), "--pool",
                             "../shared/data/ai/qpcr_amplification_pcredux/holdout", "--no-lock", "--out",
                             str(tmp_path)], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 2 and "holdout is for evaluation only" in result.stderr


def test_shipped_model_releases_simulated_cartridge_curves() -> None:
    # flat NTC / negative channels of the simulator are released as not amplified (issue 6)
    from chipdx.sim import random_specimens, simulate_cartridge

    rng = np.random.default_rng(7)
    result = simulate_cartridge(random_specimens(3, rng=rng), rng=rng)
    assert result.dataset is not None and result.dataset.runs[0].amplification is not None
    calls = np.array(load_model().classifier.classify(result.dataset.runs[0].amplification.fluorescence).call)
    n0 = np.array([t.n0 for t in result.truth])
    assert (n0 == 0).sum() >= 8 and (n0 >= 4).sum() >= 8
    assert not np.any(calls[n0 == 0] == "amplified") and np.mean(calls[n0 == 0] == "not_amplified") >= 0.9
    assert not np.any(calls[n0 >= 4] == "not_amplified") and np.mean(calls[n0 >= 4] == "amplified") >= 0.9
