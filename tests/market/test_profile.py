"""The product profile loader: a good profile reads, every bad one fails on one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipdx.errors import FormatError, UnsafeInputError
from chipdx.market import load_profile

GOOD = """\
name: Respiratory 4-plex NAT
purposes: [aid_to_diagnosis]
analytes:
  - {name: SARS-CoV-2, category: transmissible_agent, risk: moderate}
  - {name: Influenza A, category: transmissible_agent, risk: moderate}
specimen: nasopharyngeal swab
user: professional_lab
technology: RT-PCR
result: qualitative
sole_determinant: false
components: [reagent, instrument, ai_software]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_profile_reads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.user == "professional_lab"
    assert [a.name for a in profile.analytes] == ["SARS-CoV-2", "Influenza A"]
    assert profile.components == ("reagent", "instrument", "ai_software")
    assert profile.sole_determinant is False


@pytest.mark.parametrize(
    ("edit", "place", "found"),
    [
        (("user: professional_lab", "user: lay"), "user", "'lay'"),
        (("technology: RT-PCR", "technology: RT-PCR\ncolour: red"), "colour", "an unknown field"),
        (("risk: moderate}\n  - {", "risk: extreme}\n  - {"), "analytes[1].risk", "'extreme'"),
        (("sole_determinant: false", "sole_determinant: maybe"), "sole_determinant", "'maybe'"),
        (("[reagent, instrument", "[reagent, robot"), "components[2]", "'robot'"),
    ],
)
def test_wrong_field_named_on_one_line(tmp_path: Path, edit: tuple[str, str], place: str, found: str) -> None:
    path = write(tmp_path, GOOD.replace(*edit, 1))
    with pytest.raises(FormatError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {place}: expected ")
    assert message.endswith(f"found {found}")


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"line \d+: expected well-formed YAML"):
        load_profile(write(tmp_path, "name: [unclosed\nuser: x\n"))


def test_billion_laughs_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    with pytest.raises(UnsafeInputError, match="without anchors or aliases"):
        load_profile(write(tmp_path, "\n".join(lines) + "\n"))
