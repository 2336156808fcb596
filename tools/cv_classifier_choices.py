"""Cross-fitted grouped CV of a classifier recipe on the train pool (how curve-gbm-1.2.0 was chosen).

Reads ``../shared/data/ai/qpcr_amplification_pcredux/train_pool/`` (all curves, including the
ambiguous/tie ones, which are only scored) and simulator curves (``--extra CURVES LABELS``, as
``tools/train_classifier.py``); never the holdout. Eight grouped folds (data set; htPCR by plate;
simulator sets by data set): the trees of each fold never see the held-out groups, and for each fold the
isotonic calibration, the conformal band and the OOD gate are fitted on the *other* folds only, then the
full call (band + OOD gate + artefact flags) is scored. Prints one row per alpha, figures on the
human-rated train-pool curves:

    python tools/cv_classifier_choices.py --extra build/simcurves/curves_long.csv.gz \
        build/simcurves/labels.csv --dataset-power 0 --band-on raw --alpha 0.005 0.0055 0.006
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold

from chipdx.interpret.artefacts import artefact_flags
from chipdx.interpret.classifier import OOD_SHRINKAGE, CurveClassifier, _assemble
from chipdx.interpret.features import curve_features
from chipdx.io.tables import read_curve_table

REPO = Path(__file__).resolve().parents[1]
POOL = REPO.parent / "shared" / "data" / "ai" / "qpcr_amplification_pcredux" / "train_pool"


def load(curves: Path, labels: Path) -> dict[str, np.ndarray]:
    """Curves, majority labels and rater agreement (simulator curves: agreement 1)."""
    table = read_curve_table(curves)
    with labels.open(newline="") as stream:
        rows = {(r["dataset"], r["curve_id"]): r for r in csv.DictReader(stream)}
    info = [rows.get(k) for k in zip(table.datasets, table.curve_ids, strict=True)]
    keep = np.array([r is not None for r in info])
    rated = [r for r in info if r is not None]
    votes = [max(int(r.get("votes_pos") or 1), int(r.get("votes_neg") or 0), int(r.get("votes_amb") or 0))
             / int(r.get("n_raters") or 1) for r in rated]
    return {"F": table.fluorescence[keep], "dataset": np.array(table.datasets)[keep],
            "curve_id": np.array(table.curve_ids)[keep], "majority": np.array([r["majority"] for r in rated]),
            "agreement": np.array(votes), "real": np.full(len(rated), "n_raters" in rated[0])}


def combine(sets: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    width = max(s["F"].shape[1] for s in sets)
    out = {k: np.concatenate([s[k] for s in sets]) for k in sets[0] if k != "F"}
    out["F"] = np.vstack([np.pad(s["F"], ((0, 0), (0, width - s["F"].shape[1])), constant_values=np.nan)
                          for s in sets])
    return out


def ood(train: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Mahalanobis distance function fitted on ``train`` (as :class:`CurveClassifier`)."""
    centre, scale = np.nanmedian(train, axis=0), np.maximum(np.nanstd(train, axis=0), 1e-6)

    def distance(f: np.ndarray) -> np.ndarray:
        z = np.clip((f - centre) / scale, -10, 10)
        return np.sqrt(np.maximum(np.sum((z @ precision) * z, axis=1), 0.0))

    z = np.clip((train - centre) / scale, -10, 10)
    precision = np.linalg.pinv(np.cov(z, rowvar=False) + OOD_SHRINKAGE * np.eye(train.shape[1]))
    return distance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", nargs=2, action="append", default=[], metavar=("CURVES", "LABELS"))
    parser.add_argument("--dataset-power", type=float, default=0.0)
    parser.add_argument("--extra-weight", type=float, default=1.0)
    parser.add_argument("--band-on", choices=["calibrated", "raw"], default="raw")
    parser.add_argument("--alpha", type=float, nargs="+", default=[0.0055])
    parser.add_argument("--ood-quantile", type=float, default=0.999)
    args = parser.parse_args(argv)
    d = combine([load(POOL / "curves_long.csv.gz", POOL / "labels.csv"),
                 *(load(Path(c), Path(lab)) for c, lab in args.extra)])
    x = curve_features(d["F"])
    ok = ~np.isnan(x).any(axis=1)
    clear = np.isin(d["majority"], ["positive", "negative"]) & ok
    hard = np.isin(d["majority"], ["ambiguous", "tie"]) & ok & d["real"]
    y = (d["majority"] == "positive").astype(int)
    group = np.array([f"{s}/{c.split('.')[0]}" if s == "htPCR" else s
                      for s, c in zip(d["dataset"], d["curve_id"], strict=True)])
    # as tools/train_classifier.py: data-set sizes count the positive/negative curves only
    names, counts = np.unique(d["dataset"][clear], return_counts=True)
    size = counts[np.searchsorted(names, d["dataset"]).clip(0, len(names) - 1)]
    w = np.where(d["real"], 1.0, args.extra_weight) / size ** args.dataset_power
    w = w / w[clear].mean()  # the scale matters: hessians meet the L2 penalty
    fold = np.zeros(len(y), int)
    for k, (_, test) in enumerate(GroupKFold(n_splits=8).split(x, y, group)):
        fold[test] = k
    raw = np.full(len(y), np.nan)
    params = CurveClassifier().get_params()
    for k in range(8):
        train = clear & (fold != k)
        model = HistGradientBoostingClassifier(
            max_iter=params["max_iter"], learning_rate=params["learning_rate"],
            max_leaf_nodes=params["max_leaf_nodes"], min_samples_leaf=params["min_samples_leaf"],
            l2_regularization=params["l2_regularization"], random_state=params["random_state"])
        model.fit(x[train], y[train], sample_weight=w[train])
        test = ok & (fold == k)
        raw[test] = model.predict_proba(x[test])[:, 1]
    flags = artefact_flags(x)
    print("| alpha | accuracy | sensitivity | specificity | coverage | released accuracy | amb/tie to review "
          "| htPCR agr. >= 0.75 | no-htPCR accuracy | ECE |\n|---|---|---|---|---|---|---|---|---|---|")
    for alpha in args.alpha:
        p, review = cross_fit(raw, y, clear, fold, flags, x, w, alpha=alpha, band_on=args.band_on,
                              ood_quantile=args.ood_quantile)
        print(row(alpha, p, review, y, clear & d["real"], hard, d["dataset"], d["agreement"]))
    return 0


def cross_fit(raw: np.ndarray, y: np.ndarray, clear: np.ndarray, fold: np.ndarray, flags: np.ndarray,
              x: np.ndarray, w: np.ndarray, *, alpha: float, band_on: str,
              ood_quantile: float) -> tuple[np.ndarray, np.ndarray]:
    """Calibration, band and OOD gate of each fold fitted on the other folds; full call per curve."""
    p, review = np.full(len(y), np.nan), np.zeros(len(y), bool)
    for k in range(8):
        other, test = clear & (fold != k), ~np.isnan(raw) & (fold == k)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(raw[other], y[other],
                                                                              sample_weight=w[other])
        p[test] = iso.predict(raw[test])
        score_other = raw[other] if band_on == "raw" else iso.predict(raw[other])
        q_pos = np.quantile(1 - score_other[y[other] == 1], 1 - alpha, method="higher")
        q_neg = np.quantile(score_other[y[other] == 0], 1 - alpha, method="higher")
        distance = ood(x[other])
        threshold = float(np.quantile(distance(x[other]), ood_quantile))
        calls = _assemble(p[test], flags[test], distance(x[test]),
                          band=(min(q_neg, 1 - q_pos), max(q_neg, 1 - q_pos)), ood_threshold=threshold,
                          score=raw[test] if band_on == "raw" else None)
        review[test] = np.array(calls.call) == "review"
    return p, review


def row(alpha: float, p: np.ndarray, review: np.ndarray, y: np.ndarray, clear: np.ndarray, hard: np.ndarray,
        dataset: np.ndarray, agreement: np.ndarray) -> str:
    pred = (p >= 0.5).astype(int)
    released = clear & ~review
    ht75 = clear & (dataset == "htPCR") & (agreement >= 0.75)
    other = clear & (dataset != "htPCR")
    bins = np.minimum((p[clear] * 10).astype(int), 9)
    ece = sum(np.mean(bins == b) * abs(p[clear][bins == b].mean() - y[clear][bins == b].mean())
              for b in range(10) if np.any(bins == b))
    figures = [np.mean(pred[clear] == y[clear]), np.mean(pred[clear & (y == 1)]),
               np.mean(1 - pred[clear & (y == 0)]), np.mean(~review[clear]), np.mean(pred[released] == y[released]),
               np.mean(review[hard]), np.mean(pred[ht75] == y[ht75]), np.mean(pred[other] == y[other])]
    return f"| {alpha} | " + " | ".join(f"{100 * v:.2f} %" for v in figures) + f" | {ece:.4f} |"


if __name__ == "__main__":
    sys.exit(main())
