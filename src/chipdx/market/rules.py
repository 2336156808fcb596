"""Versioned classification rulesets (``rules/*.yaml`` in this package) and the conditions they test.

A ruleset names its system, version, class notation, cited documents, the route per class and its
rules. A rule has an id, a class, a ``when`` condition over :class:`~chipdx.market.facts.Facts`, a
citation (document, article or rule, short quote), optional ``from``/``until`` dates, ``evidence``
(``stated`` when the source says so for this kind of product, else ``derived``), and may be a
``default`` (applies only when no other rule does) or an ``override`` (a non-ordinal outcome such as
"regulated as a drug" that beats every class).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from chipdx.market.facts import Facts

__all__ = ["SYSTEMS", "Citation", "Grid", "Rule", "Ruleset", "holds", "package_yaml", "ruleset"]

#: The systems in the order answers are shown, with their ruleset file.
SYSTEMS: dict[str, str] = {
    "eu": "eu_ivdr.yaml", "us": "us_fda.yaml", "kr": "kr_mfds.yaml", "jp": "jp_mhlw.yaml",
    "cn": "cn_nmpa.yaml", "ca": "ca_ivdd.yaml", "au": "au_tga.yaml", "imdrf": "imdrf_n64.yaml",
}

CONDITION_KEYS = frozenset({"purpose", "only_purposes", "user", "component", "only_components", "category", "risk",
                            "agent", "all_agents", "specimen", "technology", "method", "result", "multiplex",
                            "any", "not"})


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: document title and date, the article or rule, a short quote."""

    document: str
    date: dt.date
    ref: str
    quote: str

    def __str__(self) -> str:
        return f"{self.document}, {self.ref}"


@dataclass(frozen=True)
class Rule:
    """One classification rule of one system."""

    id: str
    klass: str
    when: Mapping[str, Any]
    citation: Citation
    evidence: str
    start: dt.date | None
    end: dt.date | None
    default: bool
    override: bool
    pathway: str | None
    product_code: str | None

    def in_force(self, on: dt.date) -> bool:
        """Whether the rule applies on date *on* (``from`` and ``until`` inclusive)."""
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class Grid:
    """A software risk grid: situation x significance -> class, with an optional harm adjustment."""

    id: str
    citation: Citation
    start: dt.date | None
    notation: tuple[str, ...]
    table: Mapping[str, Mapping[str, str]]
    harm_adjust: Mapping[str, int] | None


@dataclass(frozen=True)
class Ruleset:
    """All rules of one system, one version."""

    system: str
    name: str
    version: str
    notation: tuple[str, ...]
    outcomes: tuple[str, ...]
    pathways: Mapping[str, str]
    software: Citation
    grid: Grid | None
    rules: tuple[Rule, ...]
    combined_highest: bool = False

    def rank(self, klass: str) -> int:
        """Order of a class in the notation (outcomes such as ``drug`` rank above every class)."""
        if klass in self.notation:
            return self.notation.index(klass)
        return len(self.notation) + self.outcomes.index(klass)


def _date(value: object) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, dt.date):
        raise ValueError(f"not a date: {value!r}")
    return value


def _citation(raw: Mapping[str, Any], documents: Mapping[str, Any]) -> Citation:
    document = documents[raw["doc"]]
    return Citation(document=str(document["title"]), date=document["date"], ref=str(raw["ref"]),
                    quote=str(raw["quote"]))


def _check_condition(condition: Mapping[str, Any], where: str) -> None:
    unknown = set(condition) - CONDITION_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown condition keys {sorted(unknown)}")
    for item in condition.get("any", []):
        _check_condition(item, where)
    if "not" in condition:
        _check_condition(condition["not"], where)


def _rule(raw: Mapping[str, Any], documents: Mapping[str, Any], notation: tuple[str, ...]) -> Rule:
    klass = str(raw["class"])
    if klass not in notation:
        raise ValueError(f"rule {raw['id']}: class {klass!r} not in {notation}")
    _check_condition(raw["when"], str(raw["id"]))
    return Rule(
        id=str(raw["id"]), klass=klass, when=raw["when"], citation=_citation(raw["cite"], documents),
        evidence=str(raw.get("evidence", "derived")), start=_date(raw.get("from")), end=_date(raw.get("until")),
        default=bool(raw.get("default", False)), override=bool(raw.get("override", False)),
        pathway=raw.get("pathway"), product_code=raw.get("product_code"),
    )


def _grid(raw: Mapping[str, Any] | None, documents: Mapping[str, Any]) -> Grid | None:
    if raw is None:
        return None
    return Grid(id=str(raw["id"]), citation=_citation(raw, documents), start=_date(raw.get("from")),
                notation=tuple(str(c) for c in raw["notation"]), table=raw["table"],
                harm_adjust=raw.get("harm_adjust"))


@cache
def package_yaml(name: str) -> Mapping[str, Any]:
    """A data file of this package (``rules/NAME``), parsed once."""
    text = resources.files("chipdx.market").joinpath(f"rules/{name}").read_text(encoding="utf-8")
    data: Mapping[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


@cache
def ruleset(system: str) -> Ruleset:
    """The ruleset of *system* (one of :data:`SYSTEMS`), read once from the package."""
    text = resources.files("chipdx.market").joinpath(f"rules/{SYSTEMS[system]}").read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    documents = raw["documents"]
    outcomes = tuple(str(o) for o in raw.get("outcomes", []))
    notation = tuple(str(c) for c in raw["notation"])
    return Ruleset(
        system=str(raw["system"]), name=str(raw["name"]), version=str(raw["version"]), notation=notation,
        outcomes=outcomes, pathways={str(k): str(v) for k, v in raw["pathways"].items()},
        software=_citation(raw["software"], documents), grid=_grid(raw.get("grid"), documents),
        rules=tuple(_rule(r, documents, notation + outcomes) for r in raw["rules"]),
        combined_highest=bool(raw.get("combined_highest", False)),
    )


def holds(condition: Mapping[str, Any], facts: Facts) -> bool:
    """Whether every key of *condition* holds for *facts* (``any``: one of the listed conditions)."""
    return all(_TESTS[key](value, facts) for key, value in condition.items())


def _all_agents(listed: list[str], facts: Facts) -> bool:
    return bool(facts.agents) and all(ids & set(listed) for ids in facts.agents)


_TESTS: dict[str, Any] = {
    "purpose": lambda v, f: bool(f.purposes & set(v)),
    "only_purposes": lambda v, f: f.purposes <= set(v),
    "user": lambda v, f: f.user in v,
    "component": lambda v, f: bool(f.components & set(v)),
    "only_components": lambda v, f: f.components <= set(v),
    "category": lambda v, f: bool(f.categories & set(v)),
    "risk": lambda v, f: bool(f.risks & set(v)),
    "agent": lambda v, f: any(ids & set(v) for ids in f.agents),
    "all_agents": _all_agents,
    "specimen": lambda v, f: bool(f.specimen & set(v)),
    "technology": lambda v, f: bool(f.technology & set(v)),
    "method": lambda v, f: bool(f.methods & set(v)),
    "result": lambda v, f: f.result in v,
    "multiplex": lambda v, f: (len(f.agents) > 1) == bool(v),
    "any": lambda v, f: any(holds(c, f) for c in v),
    "not": lambda v, f: not holds(v, f),
}
