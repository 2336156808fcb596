"""Realism of simulated amplification curves: can a classifier tell them from real ones?

Real curves (never any ``holdout/`` folder):

* the amplified (majority "positive", 35-50 cycles) curves of the PCRedux-rated training pool
  ``../shared/data/ai/qpcr_amplification_pcredux/train_pool``;
* the tidy dilution sets of ``../shared/data/qpcr`` that are in neither the pool nor its holdout
  (Sisti 2010 plasmid/inhibitor series, Guescini 2008 IgG series; LightCycler 480, SYBR), keeping
  curves that clearly amplified (range >= 30 x the early read-to-read noise, last read above half
  the range). Sets of ``../shared/data/qpcr`` that are copies of pool or holdout data (vermeulen,
  htPCR, C127EGHP, ...) are not read a second time.

Every real curve goes to a *fit* or a *check* half by a hash of its name. The simulator's
plate-kinetics ranges (``chipdx.sim.qpcr.PLATE_KINETICS``) were chosen by comparing feature
quantiles with the fit half only; the check half measures whether that choice generalises.

Simulated: amplified curves (true ``n0 >= 5``) of ``default_design`` plates (probe chemistry,
40/45/50 cycles); reference: noisy four-parameter logistic curves. Each curve is reduced to seven
shape features after per-curve range normalisation ``(f - p2) / (p98 - p2)`` (p = percentiles),
so absolute fluorescence units, offsets and background subtraction of an instrument carry no
information. Two discriminators, 5-fold cross-validated: a logistic regression on the features and
their squares (numpy, L2) and a gradient-boosted tree ensemble (scikit-learn
``HistGradientBoostingClassifier``, default settings). AUC 0.5 = indistinguishable, 1.0 = trivially
separable. Goal: <= 0.75 for DLOC-Sim, for the stronger discriminator.
"""

from __future__ import annotations

import csv
import gzip
import math
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from chipdx.sim.qpcr import default_design, simulate_qpcr

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
POOL = SHARED / "ai" / "qpcr_amplification_pcredux" / "train_pool"
TIDY = SHARED / "qpcr" / "tidy_dilution_sets"
EXTRA_SETS = ("sisti/sisti.csv.gz", "guescini/IgG_inhibition.csv.gz")

Named = tuple[str, np.ndarray]


def features(curve: np.ndarray) -> np.ndarray | None:
    """Scale-free shape features of one amplification curve (None if flat or too short)."""
    f = np.asarray(curve, dtype=float)
    if f.size < 30 or not np.all(np.isfinite(f)):
        return None
    lo, hi = np.percentile(f, 2), np.percentile(f, 98)
    if hi - lo <= 0:
        return None
    g = (f - lo) / (hi - lo)
    d1 = np.diff(g)
    d2 = np.diff(g, 2)
    top = int(np.argmax(d1))
    if top < 8 or top > f.size - 5:
        return None
    base = g[1:top - 5]
    noise = float(np.std(np.diff(base))) if base.size > 3 else 0.0
    slope = float(np.polyfit(np.arange(base.size), base, 1)[0]) if base.size > 3 else 0.0
    up = int(np.argmax(d2[: top + 1])) if top > 0 else 0
    down = top + int(np.argmin(d2[top:])) if top < d2.size else top
    width = float(np.sum((g > 0.1) & (g < 0.9)))
    tail = float(np.mean(d1[-5:]))
    return np.array([math.log(noise + 1e-4), slope * 100, float(d1.max()), (down - top) - (top - up), width,
                     tail * 100, float(g[-1] - g[top + 3]) if top + 3 < g.size else 0.0])


def pool_curves() -> list[Named]:
    """Amplified training-pool curves with 35-50 cycles, sorted by name."""
    positive = set()
    with (POOL / "labels.csv").open(newline="") as stream:
        for row in csv.DictReader(stream):
            if row["majority"] == "positive" and 35 <= int(row["n_cycles"]) <= 50:
                positive.add((row["dataset"], row["curve_id"]))
    curves: dict[tuple[str, str], list[float]] = defaultdict(list)
    with gzip.open(POOL / "curves_long.csv.gz", "rt", newline="") as stream:
        for row in csv.DictReader(stream):
            key = (row["dataset"], row["curve_id"])
            if key in positive:
                curves[key].append(float(row["fluo"]))
    return [(f"pool/{d}/{c}", np.array(v)) for (d, c), v in sorted(curves.items())]


def _amplified(curve: np.ndarray) -> bool:
    lo, hi = np.percentile(curve, 2), np.percentile(curve, 98)
    noise = float(np.std(np.diff(curve[1:9]))) + 1e-12
    return bool(hi - lo >= 30 * noise and curve[-1] - lo >= 0.5 * (hi - lo))


def tidy_curves() -> list[Named]:
    """Clearly amplified curves of the extra tidy sets (one curve = all columns but cycle/fluor)."""
    out: list[Named] = []
    for name in EXTRA_SETS:
        curves: dict[tuple[str, ...], list[tuple[int, float]]] = defaultdict(list)
        with gzip.open(TIDY / name, "rt", newline="") as stream:
            for row in csv.DictReader(stream):
                key = tuple(v for k, v in row.items() if k not in ("cycle", "fluor"))
                curves[key].append((int(row["cycle"]), float(row["fluor"])))
        for key, points in sorted(curves.items()):
            curve = np.array([f for _, f in sorted(points)])
            if 35 <= curve.size <= 50 and _amplified(curve):
                out.append((f"qpcr/{name}/{'/'.join(key)}", curve))
    return out


def half(name: str) -> int:
    """0 = fit half, 1 = check half (stable hash of the curve's name)."""
    return zlib.crc32(name.encode()) % 2


def simulated_curves(limit: int, *, seed0: int = 0) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    seed = seed0
    while len(out) < limit:
        rng = np.random.default_rng(seed)
        design = default_design(rng=rng, n_cycles=int(rng.choice([40, 45, 50])))
        dataset, truth = simulate_qpcr(design, rng=rng)
        f = dataset.runs[0].fluorescence
        out += [f[i] for i, t in enumerate(truth) if t.n0 >= 5]
        seed += 1
    return out[:limit]


def sigmoid_curves(limit: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    x = np.arange(1, 41)
    out = []
    for _ in range(limit):
        c, b = rng.uniform(15, 32), rng.uniform(1.2, 2.5)
        out.append(1000 + 5000 / (1 + np.exp(-(x - c) / b)) + rng.normal(0, 10, x.size))
    return out


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def _logistic_scores(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    x = np.hstack([x, x**2])  # quadratic terms: a simple non-linear boundary
    mu, sd = x[train].mean(0), x[train].std(0) + 1e-9
    xt = (x[train] - mu) / sd
    w, bias = np.zeros(x.shape[1]), 0.0
    for _ in range(500):
        p = 1 / (1 + np.exp(-(xt @ w + bias)))
        w -= 0.1 * (xt.T @ (p - y[train]) / len(p) + 1e-3 * w)
        bias -= 0.1 * float(np.mean(p - y[train]))
    scores: np.ndarray = ((x[test] - mu) / sd) @ w + bias
    return scores


def _boosted_scores(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    model = HistGradientBoostingClassifier(random_state=0).fit(x[train], y[train])
    scores: np.ndarray = model.predict_proba(x[test])[:, 1]
    return scores


def cross_validated_auc(a: list[np.ndarray], b: list[np.ndarray]) -> tuple[float, float]:
    """5-fold CV AUC (logistic regression, gradient boosting) of telling ``b`` from ``a``."""
    xa = np.array([v for v in map(features, a) if v is not None])
    xb = np.array([v for v in map(features, b) if v is not None])
    x = np.vstack([xa, xb])
    y = np.r_[np.zeros(len(xa)), np.ones(len(xb))]
    folds = np.random.default_rng(2).integers(0, 5, len(y))
    result = []
    for method in (_logistic_scores, _boosted_scores):
        scores = np.empty(len(y))
        for k in range(5):
            scores[folds == k] = method(x, y, folds != k, folds == k)
        result.append(auc(scores, y))
    return result[0], result[1]


def matched(real: list[np.ndarray], sim: list[np.ndarray], *, rng: np.random.Generator) -> list[np.ndarray]:
    """Simulated curves resampled so that their cycle of steepest rise follows the real distribution
    (compares shape at equal Cq instead of the plate designs' Cq ranges)."""

    def rise(curve: np.ndarray) -> int:
        return int(np.argmax(np.diff(curve))) // 3

    pool: dict[int, list[np.ndarray]] = defaultdict(list)
    for curve in sim:
        pool[rise(curve)].append(curve)
    out = []
    for curve in real:
        bucket = pool.get(rise(curve))
        if bucket:
            out.append(bucket[int(rng.integers(len(bucket)))])
    return out


def _row(figure: str, aucs: tuple[float, float], goal: str) -> None:
    print(f"| {figure} | LR {aucs[0]:.3f}, GBM {aucs[1]:.3f} | {goal} | – |", flush=True)


def main() -> None:
    if not POOL.exists():
        print("skip: ../shared/data/ai is absent")
        return
    named = pool_curves() + (tidy_curves() if TIDY.exists() else [])
    real = [c for _, c in named]
    check = [c for name, c in named if half(name) == 1]
    n_extra = sum(name.startswith("qpcr/") for name, _ in named)
    sim = simulated_curves(3 * len(real))
    print("| figure | measured (5-fold CV AUC) | goal | peer |\n|---|---|---|---|")
    _row(f"real ({len(real)}: {len(real) - n_extra} pool + {n_extra} tidy sets) vs DLOC-Sim amplified curves",
         cross_validated_auc(real, sim[:len(real)]), "<= 0.75")
    _row(f"same, check half of the real curves only ({len(check)}; simulator ranges chosen on the other half)",
         cross_validated_auc(check, simulated_curves(len(check), seed0=100_000)), "<= 0.75")
    same_cq = matched(real, sim, rng=np.random.default_rng(3))
    _row(f"same, simulated curves resampled to the real Cq distribution ({len(same_cq)})",
         cross_validated_auc(real, same_cq), "<= 0.75")
    _row("real vs plain 4-parameter sigmoid + Gaussian noise", cross_validated_auc(real, sigmoid_curves(len(real))),
         "(reference, about 1.0)")


if __name__ == "__main__":
    main()
