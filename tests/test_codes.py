"""One code registry: every code chipdx writes is registered once, with a meaning and severity, and used."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chipdx import codes
from chipdx.analysis.dpcr import DpcrFlag
from chipdx.analysis.qpcr import QcFlag
from chipdx.errors import UnsupportedError

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "chipdx"
CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
NOT_CODES = {"UTF-8", "YYYY-MM-DD"}  # an encoding and a date format, not codes


def code_literals() -> dict[str, list[str]]:
    """Every string constant in the package that looks like a code, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                found.setdefault(node.value, []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return {code: places for code, places in found.items() if code not in NOT_CODES}


def test_every_code_in_the_source_is_registered() -> None:
    unregistered = {code: places for code, places in code_literals().items() if code not in codes.CODES}
    assert unregistered == {}


def test_every_registered_code_is_raised_somewhere() -> None:
    used = set(code_literals())
    assert [code for code in codes.CODES if code not in used] == []


def test_each_code_is_registered_once_with_words() -> None:
    names = [row[0] for row in codes._TABLE]
    assert len(names) == len(set(names))
    assert all(c.meaning.strip() and c.sources for c in codes.CODES.values())


def test_the_engines_take_their_codes_from_the_registry() -> None:
    assert all(flag.code in codes.CODES for flag in QcFlag)
    assert all(flag.value in codes.CODES for flag in DpcrFlag)
    from chipdx.analysis.qpcr import FLAG_DESCRIPTIONS
    from chipdx.interpret.rules import RULE_CODES

    assert FLAG_DESCRIPTIONS[QcFlag.NO_PLATEAU] == codes.meaning("QC-NO-PLATEAU")
    assert RULE_CODES["CONTROL-FAILED"] == codes.describe("CONTROL-FAILED").meaning


def test_validate_findings_take_their_severity_from_the_registry() -> None:
    from chipdx.analysis import Finding

    assert Finding("DATA-PARTITION-COUNT", "run", "x").severity is codes.Severity.ERROR
    assert Finding("DATA-EMPTY-RUN", "run", "x").severity is codes.Severity.WARNING


def test_an_unknown_code_is_refused_in_one_line() -> None:
    with pytest.raises(UnsupportedError, match=r"unknown code 'QC-NOPE'.*docs/codes.md"):
        codes.describe("QC-NOPE")


def test_docs_list_the_registry_as_it_is() -> None:
    page = (ROOT / "docs" / "codes.md").read_text()
    assert codes.markdown_table() in page, "docs/codes.md is out of date: regenerate its table from chipdx.codes"
