"""Extraction: binomial chain and inhibitor carry-over."""

from __future__ import annotations

import numpy as np

from chipdx.sim.chemistry import ExtractionParams, extract, inhibited_efficiency


def test_mean_yield_is_the_product_of_the_chain() -> None:
    rng = np.random.default_rng(4)
    p = ExtractionParams()
    yields = [extract({"T": 10_000}, rng=rng, params=p).copies["T"] / 10_000 for _ in range(300)]
    steps = 2 + 2
    expected = p.p_lysis * p.capture_mean * (1 - p.p_bead_loss) ** steps * min(0.95, p.p_elution + 0.09)
    assert abs(np.mean(yields) - expected) < 0.01


def test_drying_lowers_inhibition() -> None:
    rng = np.random.default_rng(5)
    wet = np.mean([extract({"T": 10}, rng=rng, dry_s=0).efficiency_factor for _ in range(200)])
    dry = np.mean([extract({"T": 10}, rng=rng, dry_s=180).efficiency_factor for _ in range(200)])
    assert wet < dry <= 1.0


def test_inhibition_lowers_efficiency() -> None:
    assert float(inhibited_efficiency(1.95, 0.8)) < 1.95
