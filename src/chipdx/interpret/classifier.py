"""The curve classifier: boosted trees, calibration, conformal review band, OOD gate.

:class:`CurveClassifier` is a scikit-learn estimator whose input ``X`` is a
fluorescence matrix ``(curves x cycles)`` (``NaN``-padded) and whose target is
1 = amplified, 0 = not amplified. :meth:`CurveClassifier.fit`

1. computes :func:`~chipdx.interpret.features.curve_features`;
2. fits gradient-boosted trees (``HistGradientBoostingClassifier``; Ke et al.
   2017) in grouped cross-validation (groups = data sets, so every prediction is
   made by a model that never saw the curve's instrument or plate);
3. calibrates the out-of-fold scores with isotonic regression (Zadrozny & Elkan
   2002) → ``p_amplified``;
4. sets a Mondrian (class-conditional) split-conformal review band on the
   out-of-fold scores (Vovk et al. 2005; Angelopoulos & Bates 2021): a curve is
   released only when its conformal prediction set at level ``alpha`` holds
   exactly one class. ``band_on="calibrated"`` (models up to 1.1.0) puts the band
   on the calibrated probability; ``band_on="raw"`` puts it on the uncalibrated
   tree score, which has no ties, so ``alpha`` moves coverage smoothly (isotonic
   calibration is a step function: a band edge on it releases or holds whole
   steps of curves at once);
5. fits an out-of-distribution gate: Mahalanobis distance (covariance with a
   ridge of :data:`OOD_SHRINKAGE`) of median-centred, SD-scaled features clipped
   to ±10, threshold at the ``ood_quantile`` of the training distances;
6. refits the trees on all curves and exports them to plain arrays
   (:class:`~chipdx.interpret._trees.TreeEnsemble`), so prediction needs numpy only.

:meth:`CurveClassifier.classify` returns :class:`CurveCalls`: ``p_amplified``,
``call`` (``amplified | not_amplified | review``), ``curve_class``
(``amplified | not_amplified | artefact``), flags and reason codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold

from chipdx.codes import Source, codes_of
from chipdx.errors import InvalidParameterError, NotFittedError
from chipdx.interpret._trees import TreeEnsemble
from chipdx.interpret.artefacts import BLOCKING_FLAGS, FLAG_CODES, artefact_flags
from chipdx.interpret.features import curve_features

__all__ = ["REASON_CODES", "Call", "CurveCalls", "CurveClassifier"]

Call = Literal["amplified", "not_amplified", "review"]
BandScale = Literal["calibrated", "raw"]
BAND_SCALES: tuple[BandScale, ...] = ("calibrated", "raw")

REASON_CODES: dict[str, str] = {code: text for code, text in codes_of(Source.CLASSIFIER).items()
                               if code.startswith("AI-")}
"""Reason codes of :class:`CurveCalls` (stable, listed in ``docs/interpretation.md``)."""


@dataclass(frozen=True, slots=True, eq=False)
class CurveCalls:
    """Per-curve output of :meth:`CurveClassifier.classify` (arrays are aligned).

    ``p_amplified`` is ``NaN`` for curves without features. ``flags`` and
    ``reasons`` hold one tuple of codes per curve.
    """

    p_amplified: NDArray[np.float64]
    call: tuple[Call, ...]
    curve_class: tuple[str, ...]
    flags: tuple[tuple[str, ...], ...]
    reasons: tuple[tuple[str, ...], ...]
    ood_distance: NDArray[np.float64]

    @property
    def needs_review(self) -> NDArray[np.bool_]:
        """True where the call is ``review``."""
        return np.array([c == "review" for c in self.call], dtype=bool)


OOD_SHRINKAGE = 0.1
"""Ridge added to the covariance of the scaled features (stabilises near-collinear features)."""


def _robust_scale(features: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and standard deviation per feature (an IQR is ~0 for features that are mostly 0)."""
    return np.nanmedian(features, axis=0), np.maximum(np.nanstd(features, axis=0), 1e-6)


class CurveClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Amplified / not amplified curve classifier with calibrated, abstaining output.

    Parameters
    ----------
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to ``HistGradientBoostingClassifier``.
    alpha
        Conformal miscoverage level per class; smaller widens the review band.
    ood_quantile
        Quantile of training Mahalanobis distances above which a curve is out of distribution.
    n_splits
        Grouped cross-validation folds for calibration and the conformal band.
    band_on
        Score the conformal band is set on: ``"calibrated"`` (``p_amplified``) or
        ``"raw"`` (the trees' uncalibrated probability; finer steps).
    random_state
        Seed of the boosting (kept fixed: same data, same model bytes).
    """

    def __init__(self, *, max_iter: int = 300, learning_rate: float = 0.05, max_leaf_nodes: int = 15,
                 min_samples_leaf: int = 20, l2_regularization: float = 1.0, alpha: float = 0.0075,
                 ood_quantile: float = 0.995, n_splits: int = 8, band_on: BandScale = "calibrated",
                 random_state: int = 0) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.alpha = alpha
        self.ood_quantile = ood_quantile
        self.n_splits = n_splits
        self.band_on = band_on
        self.random_state = random_state

    def _boosting(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            random_state=self.random_state)

    def fit(self, X: ArrayLike, y: ArrayLike, *, groups: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None) -> CurveClassifier:
        """Fit on curves ``X`` (curves x cycles) with labels ``y`` (1 amplified, 0 not).

        ``groups`` names the data set (or plate) of each curve for grouped
        cross-validation; without it every curve is its own group.
        """
        return self.fit_features(curve_features(X), y, groups=groups, sample_weight=sample_weight)

    def fit_features(self, features: ArrayLike, y: ArrayLike, *, groups: ArrayLike | None = None,
                     sample_weight: ArrayLike | None = None) -> CurveClassifier:
        """Like :meth:`fit`, from a precomputed :func:`curve_features` matrix."""
        self.validate_params()
        f = np.asarray(features, dtype=np.float64)
        labels = np.asarray(y).astype(int)
        keep = ~np.isnan(f).any(axis=1)
        f, labels = f[keep], labels[keep]
        w = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)[keep]
        g = np.arange(len(labels)) if groups is None else np.asarray(groups)[keep]
        self.classes_ = np.array([0, 1])
        oof = np.zeros(len(labels))
        for train, test in GroupKFold(n_splits=self.n_splits).split(f, labels, g):
            model = self._boosting().fit(f[train], labels[train], sample_weight=w[train])
            oof[test] = model.predict_proba(f[test])[:, 1]
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(oof, labels, sample_weight=w)
        self.calibration_x_ = np.asarray(iso.X_thresholds_, dtype=np.float64)
        self.calibration_y_ = np.asarray(iso.y_thresholds_, dtype=np.float64)
        p = self._calibrate(oof)
        self.oof_p_amplified_ = p
        self.oof_score_ = oof if self.band_on == "raw" else p
        score = self.oof_score_
        self.q_pos_ = float(np.quantile(1.0 - score[labels == 1], 1.0 - self.alpha, method="higher"))
        self.q_neg_ = float(np.quantile(score[labels == 0], 1.0 - self.alpha, method="higher"))
        self.ood_center_, self.ood_scale_ = _robust_scale(f)
        scaled = self._scaled(f)
        self.ood_precision_ = np.linalg.pinv(np.cov(scaled, rowvar=False) + OOD_SHRINKAGE * np.eye(f.shape[1]))
        self.ood_threshold_ = float(np.quantile(self._distance(f), self.ood_quantile))
        self.ensemble_ = TreeEnsemble.from_sklearn(self._boosting().fit(f, labels, sample_weight=w))
        self.n_features_in_ = f.shape[1]
        return self

    def validate_params(self) -> None:
        """Raise :class:`~chipdx.errors.InvalidParameterError` for a parameter outside its range.

        Run by :meth:`fit` (as scikit-learn does) and by the model store when a model is loaded.

        >>> try:
        ...     CurveClassifier(band_on="nonsense").validate_params()  # type: ignore[arg-type]
        ... except InvalidParameterError as err:
        ...     print(err)
        CurveClassifier: parameter band_on: expected one of 'calibrated', 'raw', found 'nonsense'
        """
        if self.band_on not in BAND_SCALES:
            self._invalid("band_on", "one of " + ", ".join(map(repr, BAND_SCALES)), self.band_on)
        for name in ("max_iter", "max_leaf_nodes", "min_samples_leaf"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self._invalid(name, "an integer >= 1", value)
        if not (isinstance(self.n_splits, int) and not isinstance(self.n_splits, bool) and self.n_splits >= 2):
            self._invalid("n_splits", "an integer >= 2", self.n_splits)
        for name, low, high in (("alpha", 0.0, 1.0), ("ood_quantile", 0.0, 1.0), ("learning_rate", 0.0, np.inf)):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not low < value < high:
                self._invalid(name, f"a number in ({low:g}, {high:g})", value)
        if not isinstance(self.l2_regularization, int | float) or not self.l2_regularization >= 0:
            self._invalid("l2_regularization", "a number >= 0", self.l2_regularization)

    def _invalid(self, name: str, expected: str, found: object) -> None:
        raise InvalidParameterError(type(self).__name__, name, expected, repr(found))

    def _check_fitted(self) -> None:
        if not hasattr(self, "ensemble_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit() or load a model "
                                 "with chipdx.interpret.model_store before using it")

    def _calibrate(self, raw_p: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.interp(raw_p, self.calibration_x_, self.calibration_y_))

    def _scaled(self, f: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.clip((f - self.ood_center_) / self.ood_scale_, -10.0, 10.0))

    def _distance(self, f: NDArray[np.float64]) -> NDArray[np.float64]:
        z = self._scaled(f)
        return np.asarray(np.sqrt(np.maximum(np.sum((z @ self.ood_precision_) * z, axis=1), 0.0)))

    def p_amplified_from_features(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated probability of amplification; ``NaN`` where features are missing."""
        return self._scores(features)[0]

    def _scores(self, features: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Calibrated ``p_amplified`` and the uncalibrated tree probability (``NaN`` without features)."""
        self._check_fitted()
        f = np.asarray(features, dtype=np.float64)
        p, raw = np.full(f.shape[0], np.nan), np.full(f.shape[0], np.nan)
        ok = ~np.isnan(f).any(axis=1)
        raw[ok] = 1.0 / (1.0 + np.exp(-self.ensemble_.decision_function(f[ok])))
        p[ok] = self._calibrate(raw[ok])
        return p, raw

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Columns: P(not amplified), P(amplified); ``NaN`` rows for curves too short to judge."""
        p = self.p_amplified_from_features(curve_features(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """1 where ``p_amplified >= 0.5``, else 0 (no abstention; see :meth:`classify`)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def review_band(self) -> tuple[float, float]:
        """``(low, high)``: released as not amplified below ``low``, amplified above ``high``.

        The limits are on the score named by ``band_on`` (calibrated or raw).
        """
        self._check_fitted()
        return min(self.q_neg_, 1.0 - self.q_pos_), max(self.q_neg_, 1.0 - self.q_pos_)

    def classify(self, X: ArrayLike) -> CurveCalls:
        """Calls with abstention: conformal band, OOD gate and artefact flags route to ``review``."""
        return self.classify_features(curve_features(X))

    def classify_features(self, features: NDArray[np.float64]) -> CurveCalls:
        """Like :meth:`classify`, from a precomputed feature matrix."""
        f = np.asarray(features, dtype=np.float64)
        p, raw = self._scores(f)
        flags = artefact_flags(f)
        ok = ~np.isnan(p)
        distance = np.full(len(p), np.nan)
        distance[ok] = self._distance(f[ok])
        score = raw if self.band_on == "raw" else p
        return _assemble(p, flags, distance, band=self.review_band(), ood_threshold=self.ood_threshold_,
                         score=score)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _assemble(p: NDArray[np.float64], flags: NDArray[np.bool_], distance: NDArray[np.float64], *,
              band: tuple[float, float], ood_threshold: float,
              score: NDArray[np.float64] | None = None) -> CurveCalls:
    """Turn probabilities, flags and distances into calls with reasons.

    ``score`` (default ``p``) is what the review band applies to. Decisions are
    vectorised masks; each curve's outcome is then one small integer code, and the
    tuples of strings are built once per distinct code.
    """
    low, high = band
    s = p if score is None else score
    with np.errstate(invalid="ignore"):
        amp = s > high
        neg = s < low
        ood = distance > ood_threshold
    missing = np.isnan(p)
    drift = flags[:, FLAG_CODES.index("QC-DRIFT")]
    blocking = flags[:, [FLAG_CODES.index(c) for c in sorted(BLOCKING_FLAGS)]].any(axis=1)
    artefact = blocking | (drift & (p >= 0.5))
    release = (amp | neg) & ~ood & ~artefact & ~missing
    n_flags = len(FLAG_CODES)
    bits = flags.astype(np.int64) @ (1 << np.arange(n_flags, dtype=np.int64))
    state = np.where(missing, 0, np.where(amp, 1, np.where(neg, 2, 3)))
    code = (((bits * 2 + ood) * 2 + (artefact & ~missing)) * 4 + state) * 2 + release
    cache: dict[int, tuple[Call, str, tuple[str, ...], tuple[str, ...]]] = {}
    for value in np.unique(code).tolist():
        cache[value] = _outcome(value, n_flags)
    outcomes = [cache[value] for value in code.tolist()]
    return CurveCalls(p, tuple(o[0] for o in outcomes),
                      tuple(o[1] if o[1] != "?" else ("amplified" if q >= 0.5 else "not_amplified")
                            for o, q in zip(outcomes, p.tolist(), strict=True)),
                      tuple(o[2] for o in outcomes), tuple(o[3] for o in outcomes), distance)


def _outcome(code: int, n_flags: int) -> tuple[Call, str, tuple[str, ...], tuple[str, ...]]:
    """Decode one outcome code: call, class ('?' = by p), flag codes, reason codes."""
    release, code = code & 1, code >> 1
    state, code = code & 3, code >> 2
    artefact, code = code & 1, code >> 1
    ood, bits = code & 1, code >> 1
    flags = tuple(FLAG_CODES[i] for i in range(n_flags) if bits >> i & 1) + (("QC-OOD",) if ood else ())
    first = ("AI-NO-FEATURES", "AI-AMPLIFIED", "AI-NOT-AMPLIFIED", "AI-BAND")[state]
    reasons = (first,) + (("AI-OOD",) if ood else ()) + (("AI-ARTEFACT",) if artefact else ())
    call: Call = ("amplified" if state == 1 else "not_amplified") if release else "review"
    kind = "artefact" if artefact or state == 0 else "?"
    return call, kind, flags, reasons
