"""Classify a product profile in each regulatory system, with the rules that fired and their citations.

Every rule in force on the as-of date is evaluated; where several apply the highest class wins
(IVDR Annex VIII 1.9, IMDRF N64 principles, and the same practice in the list-based systems). An
answer carries the class in the system's own notation, the route, the deciding rules, all rules
that fired, ``stated``/``derived``, the ruleset version and the date, and — where the profile cannot
decide — ``needs expert review`` with the questions that would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from chipdx.market.facts import SOFTWARE_PARTS, Facts, facts_of
from chipdx.market.profile import Profile
from chipdx.market.rules import SYSTEMS, Citation, Grid, Rule, Ruleset, holds, ruleset

__all__ = ["Classification", "Fired", "Part", "classify", "classify_all"]

DECIDED, REVIEW = "decided", "needs expert review"


@dataclass(frozen=True)
class Fired:
    """A rule that applied, as shown in an answer."""

    id: str
    klass: str
    citation: Citation
    evidence: str


@dataclass(frozen=True)
class Part:
    """A component classified in its own right or following the device (IVDR IR 1.2-1.4 and equivalents)."""

    component: str
    klass: str | None
    rule_ids: tuple[str, ...]
    citation: Citation


@dataclass(frozen=True)
class Classification:
    """The answer for one product in one system on one date."""

    product: str
    system: str
    klass: str | None
    pathway: str
    status: str
    evidence: str
    deciding: tuple[Fired, ...]
    fired: tuple[Fired, ...]
    questions: tuple[str, ...]
    parts: tuple[Part, ...]
    ruleset: str
    version: str
    as_of: dt.date

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that decided the class."""
        return tuple(f.id for f in self.deciding)


def classify_all(profile: Profile, on: dt.date, systems: tuple[str, ...] = tuple(SYSTEMS)) -> list[Classification]:
    """Classify *profile* in each of *systems* as of date *on*."""
    facts = facts_of(profile)
    return [_classify(profile.name, facts, ruleset(system), on) for system in systems]


def classify(profile: Profile, system: str, on: dt.date) -> Classification:
    """Classify *profile* in one *system* (a key of :data:`~chipdx.market.rules.SYSTEMS`) as of *on*."""
    return _classify(profile.name, facts_of(profile), ruleset(system), on)


def _classify(product: str, facts: Facts, rules: Ruleset, on: dt.date) -> Classification:
    if facts.standalone_software and rules.grid is not None:
        return _classify_software(product, facts, rules, rules.grid, on)
    fired = _fired(facts, rules, on)
    klass, deciding = _decide(fired, rules)
    questions = list(facts.questions)
    if klass is None:
        questions.append(f"no {rules.system.upper()} rule or listed item matched: which {_listing(rules)} applies?")
    pathway = _pathway(deciding, rules, klass)
    answer = _answer(product, rules, on, klass, pathway, deciding, fired, questions)
    return dataclasses.replace(answer, parts=_parts(facts, rules, on, klass))


def _fired(facts: Facts, rules: Ruleset, on: dt.date) -> list[Rule]:
    in_force = [r for r in rules.rules if r.in_force(on)]
    fired = [r for r in in_force if not r.default and holds(r.when, facts)]
    if not fired:
        fired = [r for r in in_force if r.default and holds(r.when, facts)]
    return fired


def _decide(fired: list[Rule], rules: Ruleset) -> tuple[str | None, list[Rule]]:
    if not fired:
        return None, []
    overrides = [r for r in fired if r.override]
    pool = overrides or fired
    top = max(rules.rank(r.klass) for r in pool)
    deciding = [r for r in pool if rules.rank(r.klass) == top]
    return deciding[0].klass, deciding


def _pathway(deciding: list[Rule], rules: Ruleset, klass: str | None) -> str:
    for rule in deciding:
        if rule.pathway:
            return rule.pathway
    return rules.pathways.get(klass, "") if klass is not None else ""


def _listing(rules: Ruleset) -> str:
    return {"us": "FDA product code / 21 CFR regulation (chipdx market lookup fda)",
            "kr": "MFDS item code (chipdx market lookup mfds)"}.get(rules.system, "class rule")


def _fired_view(rule: Rule) -> Fired:
    return Fired(rule.id, rule.klass, rule.citation, rule.evidence)


def _answer(product: str, rules: Ruleset, on: dt.date, klass: str | None, pathway: str, deciding: list[Rule],
            fired: list[Rule], questions: list[str]) -> Classification:
    evidence = "stated" if any(r.evidence == "stated" for r in deciding) else "derived"
    return Classification(
        product=product, system=rules.system, klass=klass, pathway=pathway,
        status=REVIEW if questions or klass is None else DECIDED, evidence=evidence,
        deciding=tuple(_fired_view(r) for r in deciding), fired=tuple(_fired_view(r) for r in fired),
        questions=tuple(questions), parts=(), ruleset=rules.name, version=rules.version, as_of=on,
    )


def _classify_software(product: str, facts: Facts, rules: Ruleset, grid: Grid, on: dt.date) -> Classification:
    questions = list(facts.questions)
    if grid.start is not None and on < grid.start:
        questions.append(f"before {grid.start} standalone software was not graded by {grid.id}: "
                         "which classification then in force applies?")
        return _answer(product, rules, on, None, "", [], [], questions)
    if facts.software is None:
        return _answer(product, rules, on, None, "", [], [], questions)
    klass = _grid_class(grid, facts)
    rule = Rule(id=grid.id, klass=klass, when={}, citation=grid.citation, evidence="derived", start=grid.start,
                end=None, default=False, override=False, pathway=None, product_code=None)
    pathway = rules.pathways.get(klass, "SaMD category (jurisdiction applies its own route)")
    return _answer(product, rules, on, klass, pathway, [rule], [rule], questions)


def _grid_class(grid: Grid, facts: Facts) -> str:
    """Look the software up in the grid and apply the harm adjustment where the grid has one."""
    assert facts.software is not None
    base = grid.table[facts.software.situation][facts.software.significance]
    if grid.harm_adjust is None:
        return base
    index = grid.notation.index(base)
    if index == 0:  # grade 1: the harm adjustment is not applied
        return base
    adjusted = min(index + grid.harm_adjust[facts.software.failure_harm], len(grid.notation) - 1)
    return grid.notation[max(adjusted, 1)]  # grade 2 is never lowered to grade 1


def _parts(facts: Facts, rules: Ruleset, on: dt.date, klass: str | None) -> tuple[Part, ...]:
    """Instrument and software of a kit: the instrument in its own right, software following the device."""
    if facts.standalone_software or facts.components <= {"instrument"}:
        return ()
    parts: list[Part] = []
    if "instrument" in facts.components:
        instrument = dataclasses.replace(facts, purposes=frozenset(), components=frozenset({"instrument"}),
                                         categories=frozenset(), risks=frozenset(), agents=(), questions=())
        fired = _fired(instrument, rules, on)
        part_class, deciding = _decide(fired, rules)
        citation = deciding[0].citation if deciding else rules.software
        ids = tuple(r.id for r in deciding)
        if rules.combined_highest and klass is not None and part_class is not None \
                and rules.rank(klass) > rules.rank(part_class):
            part_class, ids, citation = klass, (*ids, f"{rules.system.upper()}.combination"), rules.software
        parts.append(Part("instrument", part_class, ids, citation))
    for software in sorted(facts.components & SOFTWARE_PARTS):
        parts.append(Part(software, klass, (f"{rules.system.upper()}.software",), rules.software))
    return tuple(parts)
