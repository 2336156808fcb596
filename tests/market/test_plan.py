"""Plan, gap checklist and roadmap: requirements per class, held/expired/missing, reuse, dependencies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipdx.errors import FormatError
from chipdx.market import load_profile
from chipdx.market.evidence import load_inventory, parse_inventory
from chipdx.market.plan import plan, reuse
from chipdx.market.roadmap import roadmap
from tests.conftest import TEST_DATA

DEVICE = Path(__file__).resolve().parents[2] / "src" / "chipdx" / "market" / "devices" / "chipdx-resp-4plex.yaml"
EVIDENCE = TEST_DATA / "market" / "evidence" / "example.yaml"
SEVEN = ("eu", "us", "kr", "jp", "cn", "ca", "au")
ON = dt.date(2026, 12, 3)


def device_plan(on: dt.date = ON, markets: tuple[str, ...] = SEVEN) -> dict[str, object]:
    return {p.market: p for p in plan(load_profile(DEVICE), on, load_inventory(EVIDENCE), markets)}


def statuses(market_plan: object) -> dict[str, str]:
    return {c.id: c.status for c in market_plan.checks}  # type: ignore[attr-defined]


def test_requirements_follow_the_class() -> None:
    plans = device_plan()
    eu = statuses(plans["eu"])
    assert "EU.NB" in eu and "EU.SSP" not in eu  # class B: notified body, no SSP (C and D only)
    hiv = plan(load_profile(TEST_DATA / "market" / "products" / "GT04.yaml"), ON, None, ("eu",))[0]
    assert "EU.SSP" in statuses(hiv) and hiv.answer.klass == "D"
    assert "IEC 61010-1 + IEC 61010-2-101" in plans["eu"].standards  # type: ignore[attr-defined]
    assert "IEC 62304:2006+A1:2015" in plans["us"].standards  # type: ignore[attr-defined]


def test_held_expired_missing() -> None:
    plans = device_plan()
    assert statuses(plans["ca"])["CA.MDSAP"] == "expired"  # MDSAP lapsed in 2024
    assert statuses(plans["us"])["US.QMS"] == "held"  # ISO 13485 accepted where MDSAP is not current
    assert statuses(plans["kr"])["KR.GMP"] == "held"
    assert statuses(plans["kr"])["KR.CPS"] == "missing"
    early = device_plan(on=dt.date(2026, 1, 1))
    assert statuses(early["eu"])["EU.APS"] == "missing"  # the study is dated 2026-06-30


def test_one_study_serves_every_market() -> None:
    served = reuse(list(device_plan().values()))
    assert {"EU.APS", "US.APS", "KR.APS", "JP.APS"} <= set(served["aps-2026"])
    assert {"EU.QMS", "US.QMS", "JP.QMS", "CN.QMS"} <= set(served["iso13485-2024"])
    assert "mdsap-2021" not in served


def test_roadmap_dependencies_and_priorities() -> None:
    plans = list(device_plan().values())
    steps = roadmap(plans, ("au", "us"))
    order = [s.market for s in steps]
    assert order[:3] == ["eu", "au", "us"]  # AU relies on the EU certificate, so EU is pulled in first
    assert order.index("kr") < order.index("cn")  # home approval first
    by = {s.market: s for s in steps}
    assert by["cn"].start_p50 == pytest.approx(by["kr"].finish_p50, rel=0.2)
    assert all(s.start_p50 <= s.finish_p50 <= s.finish_p90 for s in steps)
    assert roadmap(plans, ("au", "us")) == steps  # seeded: the same plan gives the same figures


def test_held_home_approval_removes_the_wait() -> None:
    inventory = parse_inventory({"company": "X", "evidence": [
        {"id": "kr-licence", "provides": "kr_approval", "title": "MFDS licence", "issued": dt.date(2025, 1, 1)}]})
    plans = plan(load_profile(DEVICE), ON, inventory, ("kr", "cn"))
    assert {s.market: s.after for s in roadmap(plans)}["cn"] == ()


@pytest.mark.parametrize(
    ("item", "place"),
    [
        ({"id": "a", "provides": "x", "title": "t", "issued": "soon"}, "evidence[1].issued"),
        ({"id": "a", "provides": "x", "title": "t", "issued": dt.date(2025, 1, 2), "expires": dt.date(2025, 1, 1)},
         "evidence[1].expires"),
        ({"id": "a", "provides": "x", "title": "t", "issued": dt.date(2025, 1, 1), "owner": "me"},
         "evidence[1].owner"),
    ],
)
def test_bad_inventory_one_line(item: dict[str, object], place: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_inventory({"company": "X", "evidence": [item]}, "ev.yaml")
    assert str(caught.value).startswith(f"ev.yaml: {place}: expected ")


def test_duplicate_evidence_id() -> None:
    item = {"id": "a", "provides": "x", "title": "t", "issued": dt.date(2025, 1, 1)}
    with pytest.raises(FormatError, match=r"evidence\[2\]\.id: expected an id used once"):
        parse_inventory({"company": "X", "evidence": [item, item]}, "ev.yaml")
