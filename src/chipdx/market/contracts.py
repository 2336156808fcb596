"""Distributor / buyer and contract-term checklist per market: Incoterms 2020, exclusivity, territory, who
holds the registration, vigilance, termination and transfer of the registration, language of the contract.

Data: ``rules/contracts.yaml`` (versioned, each item cited; ``verify`` marks sources not in the stored
corpus). The common clauses apply to every market; each market adds its registration-holder and
importer/distributor duties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chipdx.market.rules import package_yaml

__all__ = ["ContractItem", "contract_checklist", "contracts_version"]


@dataclass(frozen=True)
class ContractItem:
    """One clause to settle with the local partner in one market."""

    market: str
    id: str
    topic: str
    check: str
    source: str
    ref: str
    basis: str
    quoted: bool
    verify: bool


def _data() -> Mapping[str, Any]:
    return package_yaml("contracts.yaml")


def contracts_version() -> tuple[str, dt.date]:
    """The checklist's version and the date it holds from."""
    return str(_data()["version"]), _data()["effective_from"]


def _item(market: str, raw: Mapping[str, Any]) -> ContractItem:
    cite = raw["cite"]
    document = _data()["documents"][cite["doc"]]
    return ContractItem(market, str(raw["id"]), str(raw["topic"]), str(raw["check"]),
                        f"{document['title']} ({document['date']})", str(cite["ref"]),
                        str(cite.get("quote") or cite["rule"]), "quote" in cite, bool(cite.get("verify", False)))


def contract_checklist(markets: tuple[str, ...]) -> list[ContractItem]:
    """The checklist for *markets* (chipdx codes): each market's own items, then the common clauses."""
    data = _data()
    items: list[ContractItem] = []
    for market in markets:
        if market == "imdrf":
            continue
        items += [_item(market, raw) for raw in data["markets"].get(market, [])]
        items += [_item(market, raw) for raw in data["common"]]
    return items
