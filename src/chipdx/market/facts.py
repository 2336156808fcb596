"""What the classification rules test, derived once from a product profile (pure functions).

The rulesets never read the profile directly: they test these facts, so that one vocabulary
(``rules/agents.yaml``) and one reading of the technology text serve all eight systems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from chipdx.market.profile import Profile, Software

__all__ = ["Facts", "agent_ids", "facts_of", "words"]

#: Words of the technology text that name a method family (SPEC-free, documented in docs/market.md).
METHOD_WORDS: dict[str, frozenset[str]] = {
    "nucleic_acid": frozenset({"pcr", "rt", "qpcr", "dpcr", "rtpcr", "nat", "naat", "lamp", "tma", "nucleic",
                               "sequencing", "ngs", "amplification", "genotyping", "molecular", "ddpcr"}),
    "immunohistochemistry": frozenset({"ihc", "immunohistochemistry", "immunohistochemical"}),
    "immunoassay": frozenset({"immunoassay", "elisa", "eia", "cmia", "clia", "lateral", "fia", "immunofluorescence",
                              "immunochromatographic", "agglutination", "haemagglutination", "hemagglutination",
                              "antigen", "antibody", "serology", "serological", "chemiluminescent",
                              "immunoturbidimetric", "immunofluorescent"}),
}
SOFTWARE_PARTS = frozenset({"software", "ai_software"})


@dataclass(frozen=True)
class Facts:
    """The profile as the rules see it: sets of words and ids, no free text."""

    purposes: frozenset[str]
    user: str
    components: frozenset[str]
    categories: frozenset[str]
    risks: frozenset[str]
    agents: tuple[frozenset[str], ...]
    specimen: frozenset[str]
    technology: frozenset[str]
    methods: frozenset[str]
    result: str
    sole_determinant: bool
    software: Software | None
    questions: tuple[str, ...]

    @property
    def standalone_software(self) -> bool:
        """Only software: classified in its own right (IVDR IR 1.4, IMDRF SaMD, Korean digital notice)."""
        return bool(self.components) and self.components <= SOFTWARE_PARTS


def words(text: str) -> tuple[str, ...]:
    """Lower-case alphanumeric words of *text* (``"SARS-CoV-2"`` -> ``("sars", "cov", "2")``)."""
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


@cache
def _aliases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    text = resources.files("chipdx.market").joinpath("rules/agents.yaml").read_text(encoding="utf-8")
    agents = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["agents"]
    return tuple((agent, words(alias)) for agent, aliases in agents.items() for alias in aliases)


def _occurs(alias: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """The alias words occur in order and the next word is not a bare number (SARS-CoV is not SARS-CoV-2)."""
    size = len(alias)
    for start in range(len(name) - size + 1):
        if name[start:start + size] == alias:
            after = name[start + size] if start + size < len(name) else ""
            if not after.isdigit():
                return True
    return False


def agent_ids(name: str) -> frozenset[str]:
    """The canonical agent ids (``rules/agents.yaml``) an analyte name refers to."""
    name_words = words(name)
    return frozenset(agent for agent, alias in _aliases() if _occurs(alias, name_words))


def facts_of(profile: Profile) -> Facts:
    """Derive the facts every ruleset tests from *profile*."""
    technology = frozenset(words(profile.technology))
    methods = frozenset(method for method, vocab in METHOD_WORDS.items() if technology & vocab)
    questions = [
        f"analyte {a.name!r}: what is the risk of the disease it causes (low, moderate, high: serious or sexually "
        "transmitted or in CSF/blood, life_threatening: life-threatening with high risk of propagation)?"
        for a in profile.analytes if a.risk == "unknown"
    ]
    components = frozenset(profile.components)
    if components <= SOFTWARE_PARTS and profile.software is None:
        questions.append("standalone software: give software.situation, software.significance and "
                         "software.failure_harm (IMDRF N12 and Korean digital notice grids)")
    return Facts(
        purposes=frozenset(profile.purposes),
        user=profile.user,
        components=components,
        categories=frozenset(a.category for a in profile.analytes),
        risks=frozenset(a.risk for a in profile.analytes if a.category == "transmissible_agent"),
        agents=tuple(agent_ids(a.name) for a in profile.analytes),
        specimen=frozenset(words(profile.specimen)),
        technology=technology,
        methods=methods,
        result=profile.result,
        sole_determinant=profile.sole_determinant,
        software=profile.software,
        questions=tuple(questions),
    )
