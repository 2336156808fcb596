"""Localisation checklist per market: label/IFU languages (EU per member state), symbols, units, UDI,
local representative. Data: ``rules/localisation.yaml`` (EU languages from the Commission table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from chipdx.errors import InvalidParameterError
from chipdx.market.plan import _markets as _plan_markets

__all__ = ["EU_STATES", "Item", "localise"]


@cache
def _data() -> Mapping[str, Any]:
    text = resources.files("chipdx.market").joinpath("rules/localisation.yaml").read_text(encoding="utf-8")
    data: Mapping[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


EU_STATES: tuple[str, ...] = tuple(_data()["eu_states"])


@dataclass(frozen=True)
class Item:
    """One localisation item of one market (or EU member state)."""

    market: str
    topic: str
    requirement: str
    source: str


def localise(markets: tuple[str, ...], user: str, eu_states: tuple[str, ...] = EU_STATES) -> list[Item]:
    """The localisation checklist for *markets*; *user* (professional_lab, near_patient, self_test) decides
    whether English may be accepted for EU professional devices."""
    unknown = [s for s in eu_states if s not in EU_STATES]
    if unknown:
        raise InvalidParameterError("localise", "eu_states", "EU member-state codes " + ", ".join(EU_STATES),
                                    ", ".join(unknown))
    data, sources = _data(), _data()["sources"]
    items: list[Item] = []
    for market in (m for m in markets if m in data["markets"]):
        entry = data["markets"][market]
        role = _plan_markets()["markets"][market]["role"]
        if market == "eu":
            items += [_eu_language(code, data["eu_states"][code], user, sources["eutable"]) for code in eu_states]
        else:
            items.append(Item(market, "label/IFU language", " and ".join(entry["languages"]), sources["research"]))
        items += [Item(market, "symbols", entry["symbols"], sources["iso15223"]),
                  Item(market, "units", entry["units"], sources["unverified"]),
                  Item(market, "UDI", entry["udi"], sources["unverified"]),
                  Item(market, "local representative", role, sources["research"])]
    return items


def _eu_language(code: str, state: Mapping[str, Any], user: str, source: str) -> Item:
    national = " and ".join(state["languages"])
    if user == "self_test":
        text = f"{national} (self-test: the national language)"
    elif state["english_professional"] == "yes":
        text = f"{national}, or English for professional users"
    else:
        text = f"{national} (whether English is accepted for professional users: check the table row)"
    return Item(f"eu-{code}", "label/IFU language", f"{state['name']}: {text}", source)
