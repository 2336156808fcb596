"""The 18 products of the research ground-truth table: every [V] cell right, or listed with the reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from chipdx.market import load_profile
from chipdx.market.classify import classify_all
from chipdx.market.oracle import read_oracle
from tests.conftest import TEST_DATA, shared

PRODUCTS = TEST_DATA / "market" / "products"


def disagreements(tag: str) -> set[str]:
    listed = yaml.safe_load((TEST_DATA / "market" / "disagreements.yaml").read_text(encoding="utf-8"))
    return {key for key, entry in listed.items() if entry["tag"] == tag}


def misses(table: Path, tag: str) -> set[str]:
    cells = [c for c in read_oracle(table) if c.tag == tag]
    answers = {}
    for product in sorted({c.product for c in cells}):
        for answer in classify_all(load_profile(PRODUCTS / f"{product}.yaml"), dt.date(2026, 12, 3)):
            answers[f"{product}.{answer.system}"] = (answer.klass or "").lower()
    return {f"{c.product}.{c.system}" for c in cells if answers[f"{c.product}.{c.system}"] not in c.accepted}


def test_stated_cells_right_or_explained() -> None:
    table = shared("regulatory", "ground_truth_ivd_classes.csv")
    assert misses(table, "V") == disagreements("V")


def test_derived_cells_disagreements_are_explained() -> None:
    table = shared("regulatory", "ground_truth_ivd_classes.csv")
    assert misses(table, "R") == disagreements("R")


def test_every_product_has_a_profile() -> None:
    table = shared("regulatory", "ground_truth_ivd_classes.csv")
    assert {c.product for c in read_oracle(table)} == {p.stem for p in PRODUCTS.glob("GT*.yaml")}
