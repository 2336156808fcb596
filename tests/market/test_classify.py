"""Classification in the 8 systems: official examples, dated rule changes, traces and questions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipdx.market import load_profile, parse_profile
from chipdx.market.classify import REVIEW, Classification, classify, classify_all
from chipdx.market.rules import SYSTEMS, ruleset

PRODUCTS = Path(__file__).resolve().parents[1] / "data" / "market" / "products"
DEVICE = Path(__file__).resolve().parents[2] / "src" / "chipdx" / "market" / "devices" / "chipdx-resp-4plex.yaml"
TODAY = dt.date(2026, 12, 3)


def gt(product: str, system: str, on: dt.date = TODAY) -> Classification:
    return classify(load_profile(PRODUCTS / f"{product}.yaml"), system, on)


def profile(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "example", "purposes": ["diagnosis"], "specimen": "serum", "user": "professional_lab",
        "technology": "immunoassay", "result": "qualitative", "sole_determinant": False, "components": ["reagent"],
    }
    return {**base, **fields}


def analyte(name: str, category: str = "transmissible_agent", risk: str | None = None) -> dict[str, str]:
    return {"name": name, "category": category, **({"risk": risk} if risk else {})}


MDCG_EXAMPLES = yaml.safe_load((PRODUCTS.parent / "mdcg_examples.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", MDCG_EXAMPLES, ids=[e["label"] for e in MDCG_EXAMPLES])
def test_mdcg_examples(example: dict[str, Any]) -> None:
    answer = classify(parse_profile(profile(**example["fields"])), "eu", TODAY)
    assert answer.klass == example["class"], answer.rule_ids


@pytest.mark.parametrize(
    ("product", "system", "on", "expected"),
    [
        ("GT01", "eu", dt.date(2025, 3, 17), "D"),  # SARS-CoV-2 professional NAT: Rule 1 before MDCG 2020-16 rev.4
        ("GT01", "eu", dt.date(2025, 3, 18), "B"),  # rev.4: Rule 6 example
        ("GT02", "eu", dt.date(2025, 3, 17), "D"),
        ("GT02", "eu", dt.date(2025, 3, 18), "C"),  # rev.4 Rule 4(a) example
        ("GT04", "us", dt.date(2022, 5, 15), "III"),  # HIV serology: PMA before 87 FR 29665
        ("GT04", "us", dt.date(2022, 5, 16), "II"),  # 21 CFR 866.3956
        ("GT03", "us", dt.date(2022, 11, 3), "III"),  # HIV viral load: PMA before 87 FR 66548
        ("GT03", "us", dt.date(2022, 11, 4), "II"),  # 21 CFR 866.3958
        ("GT01", "us", dt.date(2021, 3, 17), "II"),  # 866.3981 (De Novo of March 2021)
        ("GT17", "kr", dt.date(2025, 4, 8), "3"),  # digital notice annex 4: serious x diagnose = 3, injury +0
    ],
)
def test_dated_changes(product: str, system: str, on: dt.date, expected: str) -> None:
    answer = gt(product, system, on)
    assert answer.klass == expected
    assert answer.as_of == on


def test_before_a_dated_rule_the_answer_asks() -> None:
    assert gt("GT01", "us", dt.date(2021, 3, 16)).status == REVIEW  # only an EUA then: no classification rule
    software = gt("GT17", "kr", dt.date(2025, 4, 7))
    assert software.klass is None and "before 2025-04-08" in software.questions[0]


def test_hiv_self_test_cites_rule_4a_and_rule_1() -> None:
    answer = gt("GT06", "eu")
    assert answer.klass == "D"
    fired = {f.id for f in answer.fired}
    assert {"EU.IVDR.AVIII.R4.a", "EU.IVDR.AVIII.R1.2"} <= fired
    assert all(f.klass == "D" for f in answer.deciding)


def test_answer_carries_citation_version_and_date() -> None:
    answer = gt("GT14", "eu")
    assert answer.klass == "C" and answer.evidence == "stated"
    citation = answer.deciding[0].citation
    assert "MDCG 2020-16 rev.4" in citation.document and "HbA1c" in citation.quote
    assert answer.version == ruleset("eu").version and answer.as_of == TODAY
    assert answer.pathway.startswith("Notified body")


def test_hba1c_diverges_across_systems() -> None:
    """The research file's worked example: EU C, IMDRF B, Japan I, US II, Korea 2."""
    got = {c.system: c.klass for c in classify_all(load_profile(PRODUCTS / "GT14.yaml"), TODAY)}
    assert {k: got[k] for k in ("eu", "imdrf", "jp", "us", "kr")} == {"eu": "C", "imdrf": "B", "jp": "I", "us": "II",
                                                                      "kr": "2"}


def test_standalone_software_grids() -> None:
    imdrf = gt("GT17", "imdrf")
    assert imdrf.klass == "III" and imdrf.rule_ids == ("IMDRF.SaMD.N12.grid",)
    fields = {**profile(components=["ai_software"], analytes=[analyte("SARS-CoV-2", risk="moderate")]),
              "software": {"situation": "critical", "significance": "diagnose", "failure_harm": "death"}}
    assert classify(parse_profile(fields), "kr", TODAY).klass == "4"  # capped at 4
    fields["software"] = {"situation": "serious", "significance": "drive", "failure_harm": "none"}
    assert classify(parse_profile(fields), "kr", TODAY).klass == "2"  # grade 2 is never lowered to 1
    fields["software"] = {"situation": "non_serious", "significance": "inform", "failure_harm": "death"}
    assert classify(parse_profile(fields), "kr", TODAY).klass == "1"  # no adjustment from grade 1


def test_unknown_facts_give_questions_not_a_guess() -> None:
    unknown_risk = parse_profile(profile(analytes=[analyte("Novel virus X")]))
    for answer in classify_all(unknown_risk, TODAY):
        assert answer.status == REVIEW
        assert any("Novel virus X" in q for q in answer.questions)
    no_grid = parse_profile(profile(components=["software"], analytes=[analyte("SARS-CoV-2", risk="moderate")]))
    assert classify(no_grid, "kr", TODAY).klass is None


def test_adding_a_purpose_never_lowers_the_class() -> None:
    """Monotonicity (IVDR IR 1.8/1.9): a second purpose can only raise the class."""
    for extra in ("companion_diagnostic", "donor_screening", "staging", "predisposition"):
        for system in SYSTEMS:
            rules = ruleset(system)
            before = gt("GT12", system)
            fields = load_profile(PRODUCTS / "GT12.yaml")
            widened = type(fields)(**{**fields.__dict__, "purposes": (*fields.purposes, extra)})
            after = classify(widened, system, TODAY)
            if before.klass is not None and after.klass is not None:
                assert rules.rank(after.klass) >= rules.rank(before.klass), (system, extra)


def test_chipdx_device_in_all_eight_systems() -> None:
    """chipdx's own respiratory 4-plex lab-on-a-chip kit with AI software."""
    answers = {c.system: c for c in classify_all(load_profile(DEVICE), TODAY)}
    assert {s: a.klass for s, a in answers.items()} == {
        "eu": "B", "us": "II", "kr": "3", "jp": "III", "cn": "III", "ca": "II", "au": "2", "imdrf": "B"}
    assert all(a.status == "decided" for a in answers.values())
    eu_parts = {p.component: p.klass for p in answers["eu"].parts}
    assert eu_parts == {"instrument": "A", "ai_software": "B"}  # IR 1.2 in its own right, IR 1.4 follows
    assert {p.component: p.klass for p in answers["ca"].parts}["instrument"] == "II"  # CA Rule 7: higher applies
    assert "866.3981" in answers["us"].deciding[0].citation.ref


def test_every_rule_cites_and_is_reachable() -> None:
    for system in SYSTEMS:
        rules = ruleset(system)
        assert rules.rules, system
        for rule in rules.rules:
            assert rule.citation.ref and rule.citation.quote and rule.citation.document, rule.id
            assert rule.evidence in {"stated", "derived"}, rule.id
            if rule.start and rule.end:
                assert rule.start <= rule.end, rule.id
