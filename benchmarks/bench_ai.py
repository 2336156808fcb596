"""AI curve classifier on the hidden holdout (evaluation only), and the decision-table golden suite.

Reads ``../shared/data/ai/qpcr_amplification_pcredux/holdout/`` (never used for training, tuning,
calibration or thresholds) and evaluates the *locked, shipped* model as ``chipdx classify`` uses it.
Prints per-data-set figures and the summary table: figure | measured | goal | peer.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from chipdx.interpret import curve_features, load_model
from chipdx.io.tables import read_curve_table

REPO = Path(__file__).resolve().parents[1]
HOLDOUT = REPO.parent / "shared" / "data" / "ai" / "qpcr_amplification_pcredux" / "holdout"


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    index = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum((index == b).mean() * abs(p[index == b].mean() - y[index == b].mean())
                     for b in range(bins) if (index == b).any()))


def load() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    table = read_curve_table(HOLDOUT / "curves_long.csv.gz")
    with (HOLDOUT / "labels.csv").open(newline="") as stream:
        rows = {(r["dataset"], r["curve_id"]): r for r in csv.DictReader(stream)}
    info = [rows[key] for key in zip(table.datasets, table.curve_ids, strict=True)]
    votes = np.array([[int(r["votes_pos"]), int(r["votes_neg"]), int(r["votes_amb"])] for r in info])
    labels = {
        "dataset": np.array(table.datasets),
        "curve_id": np.array(table.curve_ids),
        "majority": np.array([r["majority"] for r in info]),
        "agreement": votes.max(axis=1) / np.array([int(r["n_raters"]) for r in info]),
        "unanimous": np.array([r["unanimous"] == "True" for r in info]),
    }
    return table.fluorescence, labels


def pct(x: float) -> str:
    return "–" if np.isnan(x) else f"{100 * x:.1f} %"


def throughput(fluorescence: np.ndarray) -> float:
    """Curves per second on one core (BLAS/OpenMP threads = 1): features + model + calls, best of 3, ~35k curves."""
    model = load_model().classifier
    batch = np.vstack([fluorescence] * 10)
    best = np.inf
    with threadpool_limits(limits=1):  # throughput is per core
        for _ in range(3):
            start = time.perf_counter()
            model.classify(batch)
            best = min(best, time.perf_counter() - start)
    return batch.shape[0] / best


SIM_ONLY = REPO / "build" / "sim-only"


def sim_only_row(features: np.ndarray, y: np.ndarray, clear: np.ndarray) -> str:
    """Holdout accuracy/coverage of the simulator-only ablation, if it was trained into build/sim-only.

    Train it with ``python tools/make_sim_training_curves.py --out build/simcurves`` then
    ``python tools/train_classifier.py --only-extra --extra build/simcurves/curves_long.csv.gz
    build/simcurves/labels.csv --model-id sim-only --out build/sim-only --no-lock``.
    """
    if not (SIM_ONLY / "sim-only.json").exists():
        return "not run (`make sim-only-ablation` trains it into build/sim-only)"
    calls = load_model("sim-only", folder=SIM_ONLY, locked=False).classifier.classify_features(features)
    pred = calls.p_amplified >= 0.5
    rel = clear & ~calls.needs_review
    return (f"accuracy {pct(np.mean(pred[clear] == y[clear]))}, sensitivity {pct(np.mean(pred[clear & y]))}, "
            f"specificity {pct(np.mean(~pred[clear & ~y]))}, coverage {pct(np.mean(rel[clear]))}, "
            f"released accuracy {pct(np.mean(pred[rel] == y[rel])) if rel.any() else '– (none released)'}")


def main() -> int:
    if not HOLDOUT.exists():
        print(f"skipped: {HOLDOUT} not available")
        return 0
    fluorescence, lab = load()
    loaded = load_model()
    features = curve_features(fluorescence)
    calls = loaded.classifier.classify_features(features)
    p = calls.p_amplified
    review = calls.needs_review
    clear = np.isin(lab["majority"], ["positive", "negative"])
    y = lab["majority"] == "positive"
    hard = np.isin(lab["majority"], ["ambiguous", "tie"])
    pred = p >= 0.5
    print(f"model {loaded.model_id} sha256 {loaded.sha256}; review band {loaded.classifier.review_band()}")
    print("\nper data set (majority positive/negative curves):\n")
    print("| data set | n | accuracy | sensitivity | specificity | coverage | auto-released accuracy "
          "| amb/tie to review |")
    print("|---|---|---|---|---|---|---|---|")
    for name in [*sorted(set(lab["dataset"])), "ALL"]:
        s = clear & ((lab["dataset"] == name) | (name == "ALL"))
        rel = s & ~review
        h = hard & ((lab["dataset"] == name) | (name == "ALL"))
        print(f"| {name} | {s.sum()} | {pct(np.mean(pred[s] == y[s]))} | {pct(np.mean(pred[s & y]))} | "
              f"{pct(np.mean(~pred[s & ~y])) if (s & ~y).any() else '–'} | {pct(np.mean(~review[s]))} | "
              f"{pct(np.mean(pred[rel] == y[rel])) if rel.any() else '–'} | "
              f"{pct(np.mean(review[h])) if h.any() else '–'} |")
    rel = clear & ~review
    ht = clear & (lab["dataset"] == "htPCR")
    ht75 = ht & (lab["agreement"] >= 0.75)
    cross = clear & (lab["dataset"] != "htPCR")
    ntc = np.array(["ntc" in c.lower() for c in lab["curve_id"]])
    neg = clear & ~y
    speed = throughput(fluorescence)
    golden = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(REPO / "tests" / "interpret" / "test_rules.py")], capture_output=True, text=True,
                            check=False)
    last = golden.stdout.strip().splitlines()[-1] if golden.stdout.strip() else "no output"
    rows = [
        ("accuracy, pos/neg majority, all holdout", pct(np.mean(pred[clear] == y[clear])), ">= 98.5 %", "95.3 %"),
        ("sensitivity, all holdout", pct(np.mean(pred[clear & y])), ">= 99.5 %", "97.4 %"),
        ("specificity, all holdout", pct(np.mean(~pred[neg])), "–", "91.7 %"),
        ("accuracy, cross-instrument sets (no htPCR)", pct(np.mean(pred[cross] == y[cross])), ">= 98.5 %", "93.6 %"),
        ("accuracy, htPCR plates, agreement >= 0.75", pct(np.mean(pred[ht75] == y[ht75])), ">= 99.7 %", "99.1 %"),
        ("accuracy, htPCR plates, all pos/neg", pct(np.mean(pred[ht] == y[ht])), "–", "97.3 %"),
        ("accuracy, unanimous curves", pct(np.mean(pred[clear & lab["unanimous"]] == y[clear & lab["unanimous"]])),
         "–", "–"),
        ("auto-released accuracy (call != review)", pct(np.mean(pred[rel] == y[rel])), ">= 99.8 %", "98.4 %"),
        ("coverage (released / all pos/neg)", pct(np.mean(~review[clear])), ">= 90 %", "90.2 %"),
        ("ambiguous/tie curves routed to review", pct(np.mean(review[hard])), ">= 80 %", "24 %"),
        ("NTC curves released as amplified", f"{int(np.sum(ntc & ~review & pred))} of {int(ntc.sum())}", "0", "–"),
        ("negative curves released as amplified", f"{int(np.sum(neg & ~review & pred))} of {int(neg.sum())}", "–",
         "–"),
        ("calibration error (ECE, pos/neg)", f"{ece(p[clear], y[clear].astype(float)):.3f}", "<= 0.02", "–"),
        ("lc96_bACTXY accuracy", pct(np.mean(pred[clear & (lab['dataset'] == 'lc96_bACTXY')]
                                         == y[clear & (lab['dataset'] == 'lc96_bACTXY')])), "report", "57.8 %"),
        ("kbqPCR accuracy", pct(np.mean(pred[clear & (lab['dataset'] == 'kbqPCR')]
                                    == y[clear & (lab['dataset'] == 'kbqPCR')])), "report", "79.7 %"),
        ("model trained on simulator curves only", sim_only_row(features, y, clear), "report", "–"),
        ("throughput, features + model + calls", f"{speed:,.0f} curves/s", ">= 10,000 /s/core", "AutoMolec ~10-26k/s"),
        ("decision-table golden cases (tests/interpret/test_rules.py)", last, "100 %", "–"),
    ]
    print("\n| figure | measured | goal | peer |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
