"""A multi-market roadmap: order by priority and dependency, durations simulated to P50/P90.

Dependencies are data (``after`` in ``rules/markets.yaml``): China asks for the home (Korean)
approval; Australia can rely on the EU certificate. A dependency counts only when both markets are
planned and the evidence it would provide is not already held. Each market's duration is drawn from
a triangular distribution over its range (mode at the middle) with a fixed seed, so the same plan
gives the same P50/P90.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from chipdx.errors import InvalidParameterError
from chipdx.market.plan import HELD, MarketPlan, _markets

__all__ = ["Step", "roadmap"]

RUNS = 2000


@dataclass(frozen=True)
class Step:
    """One market on the roadmap: start and finish in months from now (P50 and P90), and why it waits."""

    market: str
    after: tuple[str, ...]
    reasons: tuple[str, ...]
    start_p50: float
    finish_p50: float
    finish_p90: float


def _dependencies(plans: list[MarketPlan]) -> dict[str, dict[str, str]]:
    planned = {p.market for p in plans}
    deps: dict[str, dict[str, str]] = {}
    for market_plan in plans:
        after = _markets()["markets"][market_plan.market].get("after", {})
        held = {c.id for c in market_plan.checks if c.status == HELD}
        deps[market_plan.market] = {m: why for m, why in after.items()
                                    if m in planned and not ({"CN.HOME", "AU.EVID"} & held)}
    return deps


def _order(plans: list[MarketPlan], priorities: tuple[str, ...], deps: dict[str, dict[str, str]]) -> list[str]:
    """Priority order, each market's dependencies pulled in just before it (home approval first)."""
    rank = {m: i for i, m in enumerate(priorities)}
    order: list[str] = []

    def visit(market: str) -> None:
        if market not in order:
            for dependency in deps[market]:
                visit(dependency)
            order.append(market)

    for market in sorted((p.market for p in plans), key=lambda m: (rank.get(m, len(rank)), list(deps).index(m))):
        visit(market)
    return order


def roadmap(plans: list[MarketPlan], priorities: tuple[str, ...] = (), seed: int = 13) -> list[Step]:
    """Markets in the order to enter them, with simulated P50/P90 start and finish (months)."""
    unknown = [m for m in priorities if m not in {p.market for p in plans}]
    if unknown:
        raise InvalidParameterError("roadmap", "priorities", "planned markets", ", ".join(unknown))
    deps = _dependencies(plans)
    order = _order(plans, priorities, deps)
    by_market = {p.market: p for p in plans}
    rng = random.Random(seed)
    finishes: dict[str, list[float]] = {m: [] for m in order}
    starts: dict[str, list[float]] = {m: [] for m in order}
    for _ in range(RUNS):
        done: dict[str, float] = {}
        for market in order:
            start = max((done[d] for d in deps[market]), default=0.0)
            months = by_market[market].months
            length = rng.triangular(months.low, months.high, (months.low + months.high) / 2) if months else 0.0
            done[market] = start + length
            starts[market].append(start)
            finishes[market].append(done[market])
    return [Step(m, tuple(deps[m]), tuple(deps[m].values()), _quantile(starts[m], 0.5), _quantile(finishes[m], 0.5),
                 _quantile(finishes[m], 0.9)) for m in order]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
