"""Localisation checklist: EU languages per member state and user, the other markets, refusals."""

from __future__ import annotations

import pytest

from chipdx.errors import InvalidParameterError
from chipdx.market.localise import EU_STATES, localise


def languages(items: list[object]) -> dict[str, str]:
    return {i.market: i.requirement for i in items if i.topic == "label/IFU language"}  # type: ignore[attr-defined]


def test_all_27_member_states() -> None:
    assert len(EU_STATES) == 27
    assert len(languages(localise(("eu",), "professional_lab"))) == 27


def test_english_only_where_the_table_allows_and_never_for_self_tests() -> None:
    professional = languages(localise(("eu",), "professional_lab", ("AT", "DE")))
    assert professional["eu-AT"] == "Austria: German, or English for professional users"
    assert "check the table row" in professional["eu-DE"]
    self_test = languages(localise(("eu",), "self_test", ("AT",)))
    assert "English" not in self_test["eu-AT"]


def test_other_markets() -> None:
    got = languages(localise(("ca", "jp", "cn"), "self_test"))
    assert got == {"ca": "English and French", "jp": "Japanese", "cn": "Chinese"}
    topics = {i.topic for i in localise(("kr",), "professional_lab")}
    assert topics == {"label/IFU language", "symbols", "units", "UDI", "local representative"}


def test_unknown_state_refused() -> None:
    with pytest.raises(InvalidParameterError, match="found XX"):
        localise(("eu",), "professional_lab", ("XX",))
