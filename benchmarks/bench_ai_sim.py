"""Curve classifier on simulated cartridge runs: review and error rates per truth class (issue 6).

Simulates cartridges with seeds 1..10 (as ``chipdx simulate cartridge --seed``; 5 specimens + EC, NTC, PC,
4-plex probes, 40 cycles; the classifier's simulator training curves use seeds >= 10 000) and
classifies every curve with a locked model. Truth: positive when the reaction's input copies
``n0 > 0``, negative when ``n0 == 0`` (curves with 1-3 copies are reported apart). Prints, per
class, the fractions released right, released wrong and sent to review, for the shipped model and
for ``--compare`` models (default: the previous model ``curve-gbm-1.0.0``).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from chipdx.interpret import load_model
from chipdx.sim import random_specimens, simulate_cartridge


def curves(seeds: range) -> tuple[np.ndarray, np.ndarray]:
    """Fluorescence (curves x cycles) and true input copies of the simulated cartridges."""
    fluo, n0 = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        result = simulate_cartridge(random_specimens(5, rng=rng), rng=rng, cycles=40)
        if result.dataset is None or result.dataset.runs[0].amplification is None:
            continue
        fluo.append(result.dataset.runs[0].amplification.fluorescence)
        n0 += [t.n0 for t in result.truth]
    return np.vstack(fluo), np.array(n0)


def rates(model_id: str | None, fluo: np.ndarray, n0: np.ndarray) -> list[tuple[str, str, str, str, str]]:
    model = load_model(model_id) if model_id else load_model()
    calls = np.asarray(model.classifier.classify(fluo).call)
    rows = []
    for name, mask, right in (("negative (n0 = 0)", n0 == 0, "not_amplified"),
                              ("positive (n0 >= 4)", n0 >= 4, "amplified"),
                              ("low copy (n0 1-3)", (n0 >= 1) & (n0 <= 3), "amplified")):
        c = calls[mask]
        if c.size == 0:
            continue
        review = np.mean(c == "review")
        correct = np.mean(c == right)
        rows.append((model.model_id, f"{name}, n = {c.size}", f"{100 * correct:.1f} %",
                     f"{100 * max(0.0, 1 - correct - review):.1f} %", f"{100 * review:.1f} %"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--compare", nargs="*", default=["curve-gbm-1.0.0"])
    args = parser.parse_args(argv)
    fluo, n0 = curves(range(1, args.seeds + 1))
    print(f"{len(n0)} curves from {args.seeds} simulated cartridges (seeds 1..{args.seeds})\n")
    print("| model | truth class | released right | released wrong | review |")
    print("|---|---|---|---|---|")
    for model_id in [None, *args.compare]:
        for row in rates(model_id, fluo, n0):
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
