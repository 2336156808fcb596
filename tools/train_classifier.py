"""Train the locked curve classifier (``make train-classifier``) and write its artifact and model card.

Training data: ``../shared/data/ai/qpcr_amplification_pcredux/train_pool/`` (curves with a
positive or negative rater majority), cross-validated grouped by data set (htPCR: by plate).
The ``holdout/`` folder is never read here.

Hook for simulator curves: ``--extra CURVES.csv[.gz] LABELS.csv`` (repeatable) adds curves in the
same long layout (``dataset, curve_id, cycle, fluo``) with a labels file holding at least
``dataset, curve_id, majority`` (``positive``/``negative``); each extra data set is its own CV group.
``--only-extra`` trains on the extra sets alone (the simulator-only ablation). A ``manifest.json``
beside an extra curves file (written by ``tools/make_sim_training_curves.py``: generator version,
seeds, counts) is copied into the model metadata and card.

Writes ``src/chipdx/interpret/models/<id>.{npz,json,md}`` and records the new metadata
SHA-256 in ``LOCKED_MODELS`` of ``src/chipdx/interpret/model_store.py``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
import sklearn

from chipdx._version import __version__
from chipdx.interpret.classifier import CurveClassifier
from chipdx.interpret.features import curve_features
from chipdx.interpret.model_store import DEFAULT_MODEL, model_bytes
from chipdx.io.tables import read_curve_table

REPO = Path(__file__).resolve().parents[1]
POOL = REPO.parent / "shared" / "data" / "ai" / "qpcr_amplification_pcredux" / "train_pool"
MODELS = REPO / "src" / "chipdx" / "interpret" / "models"
STORE = REPO / "src" / "chipdx" / "interpret" / "model_store.py"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_set(curves: Path, labels: Path, *, split_runs: bool = False) -> dict[str, np.ndarray]:
    """Curves with a positive/negative majority, their labels, data sets and CV groups.

    ``split_runs``: simulator curves (ids ``rNNN.well.target``) are grouped by run instead of by data
    set (for the simulator-only ablation, which has too few data sets for 8 folds).
    """
    table = read_curve_table(curves)
    with labels.open(newline="") as stream:
        rating = {(r["dataset"], r["curve_id"]): r["majority"] for r in csv.DictReader(stream)}
    majority = np.array([rating.get(key, "") for key in zip(table.datasets, table.curve_ids, strict=True)])
    keep = np.isin(majority, ["positive", "negative"])
    datasets = np.array(table.datasets)[keep]
    ids = np.array(table.curve_ids)[keep]
    split = {"htPCR", *(set(datasets) if split_runs else ())}
    groups = np.array([f"{d}/{c.split('.')[0]}" if d in split else d for d, c in zip(datasets, ids, strict=True)])
    return {"fluorescence": table.fluorescence[keep], "y": (majority[keep] == "positive").astype(int),
            "dataset": datasets, "group": groups}


def _pad(arrays: list[np.ndarray]) -> np.ndarray:
    width = max(a.shape[1] for a in arrays)
    return np.vstack([np.pad(a, ((0, 0), (0, width - a.shape[1])), constant_values=np.nan) for a in arrays])


def combine(sets: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    out = {key: np.concatenate([s[key] for s in sets]) for key in ("y", "dataset", "group")}
    out["fluorescence"] = _pad([s["fluorescence"] for s in sets])
    return out


def weights(datasets: np.ndarray, *, extra_weight: float = 1.0, extra: frozenset[str] = frozenset(),
            power: float = 0.5) -> np.ndarray:
    """1/size**power of the curve's data set: large sets (htPCR) do not drown small instruments.

    Curves of the ``extra`` (simulator) data sets are further multiplied by ``extra_weight``.
    """
    _, inverse, counts = np.unique(datasets, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse] ** power
    w = np.where(np.isin(datasets, list(extra)), extra_weight * w, w)
    return np.asarray(w / w.mean())


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error with equal-width bins."""
    index = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        s = index == b
        if s.any():
            total += s.mean() * abs(p[s].mean() - y[s].mean())
    return float(total)


def cv_metrics(clf: CurveClassifier, y: np.ndarray, datasets: np.ndarray) -> dict[str, float]:
    p = clf.oof_p_amplified_
    low, high = clf.review_band()
    call = p >= 0.5
    released = (clf.oof_score_ < low) | (clf.oof_score_ > high)
    nonht = datasets != "htPCR"
    pool = ~np.char.startswith(datasets.astype(str), "sim_")  # the human-rated train_pool curves
    return {
        "cv_accuracy": float(np.mean(call == y)),
        "cv_sensitivity": float(np.mean(call[y == 1])),
        "cv_specificity": float(np.mean(~call[y == 0])),
        "cv_coverage": float(np.mean(released)),
        "cv_released_accuracy": float(np.mean(call[released] == y[released])),
        "cv_accuracy_without_htPCR": float(np.mean(call[nonht] == y[nonht])),
        "cv_ece": ece(p, y),
        **({} if pool.all() else {
            "cv_accuracy_train_pool": float(np.mean(call[pool] == y[pool])),
            "cv_sensitivity_train_pool": float(np.mean(call[pool & (y == 1)])),
            "cv_specificity_train_pool": float(np.mean(~call[pool & (y == 0)])),
            "cv_coverage_train_pool": float(np.mean(released[pool])),
            "cv_released_accuracy_train_pool": float(np.mean(call[pool & released] == y[pool & released])),
            "cv_accuracy_simulator": float(np.mean(call[~pool] == y[~pool])),
            "cv_coverage_simulator": float(np.mean(released[~pool])),
            "cv_released_accuracy_simulator": float(np.mean(call[~pool & released] == y[~pool & released]))}),
        "n_curves": len(y),
        "n_positive": int(y.sum()),
    }


def _extra_text(meta: dict[str, object]) -> str:
    manifests = meta.get("extra_manifests") or {}
    assert isinstance(manifests, dict)
    if not meta["extra_sets"]:
        return "none (hook: `--extra CURVES LABELS`)."
    lines = ["each simulator data set is its own cross-validation group; sample weight as above times "
             f"{meta.get('extra_weight', 1.0)}.", ""]
    for path, m in manifests.items():
        lines.append(f"* `{path}`: generator `{m['generator']}` (chipdx {m['chipdx_version']}), "
                     f"`tools/make_sim_training_curves.py`, seeds {m['seeds']}, cycles {m['cycles']}, "
                     f"positive when n0 >= 4 and log10 copies after the last cycle >= "
                     f"{m['positive_log10_copies']} (ambiguous ones left out); counts {m['counts']}.")
    return "\n".join(lines)


def model_card(model_id: str, meta: dict[str, object], sources: list[tuple[str, str]]) -> str:
    metrics = meta["cv_metrics"]
    assert isinstance(metrics, dict)
    rows = "\n".join(f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in metrics.items())
    files = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in sources)
    band = meta["review_band"]
    assert isinstance(band, list)
    return f"""# Model card: {model_id}

**What it is.** Gradient-boosted trees (scikit-learn {sklearn.__version__} `HistGradientBoostingClassifier`,
exported to plain arrays) on {meta['n_features']} interpretable curve features (`chipdx.interpret.features`),
isotonic calibration on grouped out-of-fold scores, Mondrian split-conformal review band on the
{meta['params'].get('band_on', 'calibrated')} score (alpha = {meta['params']['alpha']}: released as not
amplified when the score < {band[0]:.4f}, as amplified when > {band[1]:.4f}), Mahalanobis
out-of-distribution gate (threshold {meta['ood_threshold']:.2f}, quantile {meta['params']['ood_quantile']}
of the training distances).
Trained by `make train-classifier` (`tools/train_classifier.py`), chipdx {__version__}.

**Intended use.** Second reader of single real-time PCR amplification curves: is there amplification?
It routes unsure, out-of-distribution and artefact curves to human review. It does not decide a patient
result: the assay decision table (`chipdx.interpret.rules`) does, with the Cq cut-offs of the assay.

**Training data.** Human-rated curves (PCRedux ratings; majority positive/negative only) of
`../shared/data/ai/qpcr_amplification_pcredux/train_pool/` — never the `holdout/` folder — plus the
simulator curves listed below (labels from the simulator's ground truth):

| file | SHA-256 |
|---|---|
{files}

Groups for cross-validation: data set; htPCR by plate. Sample weight 1/size**{meta.get('dataset_power', 0.5)} of
the curve's data set.
Simulator curves: {_extra_text(meta)}

**Cross-validated metrics (grouped out-of-fold; `_train_pool` / `_simulator` rows split them).**

| metric | value |
|---|---|
{rows}

Holdout figures: `benchmarks/bench_ai.py` and `docs/benchmarks.md`.

**Limits.** Labels are human majority votes with low agreement on htPCR (Fleiss kappa 0.22): accuracy
there is bounded by the raters. The model sees curve shape only: context-dependent calls (allele-specific
assays where weak late curves are rated negative, NTC expectations) belong to the decision table.
Multiplex instruments with strong crosstalk and curves shorter than 10 readings are out of scope (the
latter are always sent to review). Locked: any retraining is a new model id and a new hash.
"""


def manifests(extra: list[list[str]]) -> dict[str, object]:
    """Generator manifests (``manifest.json`` beside each extra curves file), by curves path."""
    out = {}
    for curves, _ in extra:
        path = Path(curves).parent / "manifest.json"
        if path.is_file():
            out[curves] = json.loads(path.read_text())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, default=POOL)
    parser.add_argument("--extra", nargs=2, action="append", default=[], metavar=("CURVES", "LABELS"))
    parser.add_argument("--only-extra", action="store_true", help="ablation: train on the extra sets only")
    parser.add_argument("--extra-weight", type=float, default=1.0,
                        help="multiplier of the extra (simulator) curves' sample weights")
    parser.add_argument("--alpha", type=float, default=CurveClassifier().alpha,
                        help="conformal miscoverage per class (review band width; chosen on grouped CV)")
    parser.add_argument("--ood-quantile", type=float, default=CurveClassifier().ood_quantile,
                        help="quantile of training distances above which a curve is out of distribution")
    parser.add_argument("--band-on", choices=["calibrated", "raw"], default="raw",
                        help="score the conformal band is set on (raw: finer steps; models <= 1.1.0: calibrated)")
    parser.add_argument("--dataset-power", type=float, default=0.5,
                        help="sample weight 1/size**POWER of each curve's data set (0.5 up to 1.1.0)")
    parser.add_argument("--model-id", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=MODELS)
    parser.add_argument("--no-lock", action="store_true", help="do not update LOCKED_MODELS")
    parser.add_argument("--card-notes", type=Path, help="markdown appended to the model card (how choices were made)")
    args = parser.parse_args(argv)
    if "holdout" in str(args.pool):
        parser.error("the holdout is for evaluation only")
    pairs = [] if args.only_extra else [(args.pool / "curves_long.csv.gz", args.pool / "labels.csv")]
    pairs += [(Path(c), Path(lab)) for c, lab in args.extra]
    sets = [load_set(c, lab, split_runs=args.only_extra) for c, lab in pairs]
    extra_sets = frozenset(d for s in sets[len(pairs) - len(args.extra):] for d in np.unique(s["dataset"]))
    data = combine(sets)
    clf = CurveClassifier(alpha=args.alpha, ood_quantile=args.ood_quantile, band_on=args.band_on)
    w = weights(data["dataset"], extra_weight=args.extra_weight, extra=extra_sets, power=args.dataset_power)
    clf.fit_features(curve_features(data["fluorescence"]), data["y"], groups=data["group"], sample_weight=w)
    sources = [(str(p.relative_to(REPO.parent)) if p.is_relative_to(REPO.parent) else str(p), sha256(p))
               for pair in pairs for p in pair]
    extra = {"cv_metrics": cv_metrics(clf, data["y"], data["dataset"]), "training_files": dict(sources),
             "extra_sets": [c for c, _ in args.extra], "extra_manifests": manifests(args.extra),
             "extra_weight": args.extra_weight, "dataset_power": args.dataset_power, "n_features": clf.n_features_in_,
             "sklearn_version": sklearn.__version__, "chipdx_version": __version__}
    npz, meta = model_bytes(clf, model_id=args.model_id, extra=extra)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.model_id}.npz").write_bytes(npz)
    (args.out / f"{args.model_id}.json").write_bytes(meta)
    notes = "\n" + args.card_notes.read_text() if args.card_notes else ""
    (args.out / f"{args.model_id}.md").write_text(model_card(args.model_id, json.loads(meta), sources) + notes)
    digest = hashlib.sha256(meta).hexdigest()
    if not args.no_lock:
        text = STORE.read_text()
        text, n = re.subn(rf'("{re.escape(args.model_id)}": )"[^"]*"', rf'\1"{digest}"', text)
        if n != 1:
            text = text.replace("LOCKED_MODELS: dict[str, str] = {\n",
                                f'LOCKED_MODELS: dict[str, str] = {{\n    "{args.model_id}": "{digest}",\n')
        STORE.write_text(text)
    for key, value in extra["cv_metrics"].items():
        print(f"{key:28s} {value}")
    print(f"model {args.model_id} sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
