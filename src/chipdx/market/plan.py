"""Per market: route, local role, QMS, standards, documents, durations and fees, and the gap checklist.

The requirements are data (``rules/markets.yaml``), each naming the evidence keys that satisfy it;
the checklist marks each one ``held``, ``expired`` or ``missing`` against the company's inventory,
and one piece of evidence serves every requirement, in every market, that accepts its key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from chipdx.market.classify import Classification, classify_all
from chipdx.market.evidence import Inventory
from chipdx.market.facts import Facts, facts_of
from chipdx.market.profile import Profile
from chipdx.market.rules import SYSTEMS, holds

__all__ = ["Check", "MarketPlan", "Range", "plan", "reuse"]

HELD, EXPIRED, MISSING = "held", "expired", "missing"


@dataclass(frozen=True)
class Range:
    """A duration range in months, or a fee, with its source."""

    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Check:
    """One requirement of one market and whether the inventory satisfies it."""

    market: str
    id: str
    what: str
    accepts: tuple[str, ...]
    status: str
    evidence: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class MarketPlan:
    """Everything the plan says about one market."""

    answer: Classification
    role: str
    languages: str
    qms: str
    months: Range | None
    fee: str
    fee_source: str
    standards: tuple[str, ...]
    checks: tuple[Check, ...]

    @property
    def market(self) -> str:
        """The market code."""
        return self.answer.system


@cache
def _markets() -> Mapping[str, Any]:
    text = resources.files("chipdx.market").joinpath("rules/markets.yaml").read_text(encoding="utf-8")
    data: Mapping[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def plan(profile: Profile, on: dt.date, inventory: Inventory | None = None,
         markets: tuple[str, ...] = tuple(SYSTEMS)) -> list[MarketPlan]:
    """Classify *profile* in *markets* as of *on* and lay out what each market requires."""
    facts = facts_of(profile)
    answers = classify_all(profile, on, markets)
    return [_market_plan(answer, facts, inventory, on) for answer in answers]


def _market_plan(answer: Classification, facts: Facts, inventory: Inventory | None, on: dt.date) -> MarketPlan:
    data = _markets()
    market = data["markets"][answer.system]
    sources = data["sources"]
    klass = answer.klass
    duration = market["durations"].get(klass) if klass is not None else None
    months = Range(float(duration["months"][0]), float(duration["months"][1]), sources[duration["source"]]) \
        if duration else None
    fee = market["fees"].get(klass) or market["fees"].get("default") or {"text": "", "source": "research"}
    standards = tuple(s["id"] for s in data["standards"] if holds(s["applies"], facts))
    checks = tuple(_check(answer.system, r, inventory, on, sources) for r in market["requirements"]
                   if _applies(r, klass, facts))
    return MarketPlan(answer, market["role"], market["languages"], market["qms"], months, fee["text"],
                      sources[fee["source"]], standards, checks)


def _applies(requirement: Mapping[str, Any], klass: str | None, facts: Facts) -> bool:
    classes = requirement.get("classes")
    if classes is not None and klass is not None and klass not in [str(c) for c in classes]:
        return False
    return holds(requirement.get("when", {}), facts)


def _check(market: str, requirement: Mapping[str, Any], inventory: Inventory | None, on: dt.date,
           sources: Mapping[str, str]) -> Check:
    accepts = tuple(requirement["accepts"])
    items = [e for e in (inventory.items if inventory else ()) if e.provides in accepts and e.issued <= on]
    valid = [e.id for e in items if e.valid_on(on)]
    status = HELD if valid else EXPIRED if items else MISSING
    return Check(market, requirement["id"], requirement["what"], accepts, status,
                 tuple(valid or [e.id for e in items]), sources[requirement["source"]])


def reuse(plans: list[MarketPlan]) -> dict[str, list[str]]:
    """Evidence id -> the requirement ids (across markets) it satisfies: one study, many markets."""
    served: dict[str, list[str]] = {}
    for market_plan in plans:
        for check in market_plan.checks:
            if check.status == HELD:
                for evidence in check.evidence:
                    served.setdefault(evidence, []).append(check.id)
    return served
