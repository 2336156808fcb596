"""Hostile and broken input: exit code 1, one clear line, no traceback, no output file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chipdx import io
from chipdx.errors import FormatError, UnknownFormatError, UnsafeInputError
from tests.conftest import TEST_DATA

BROKEN = TEST_DATA / "rdml"

# fixture -> (exception class, words the message must contain)
CASES: dict[str, tuple[type[FormatError], str]] = {
    "error_empty.rdml": (FormatError, "empty file"),
    "error_binary_garbage.rdml": (FormatError, "binary data"),
    "error_truncated_zip.rdml": (FormatError, "intact zip"),
    "error_unclosed_xml.rdml": (FormatError, "well-formed XML"),
    "error_wrong_root.rdml": (FormatError, "expected <rdml>, found <html>"),
    "error_unknown_version.rdml": (FormatError, "found '2.0'"),
    "error_undeclared_sample.rdml": (FormatError, "sample declared"),
    "error_undeclared_target.rdml": (FormatError, "target declared"),
    "error_non_numeric.rdml": (FormatError, "adp[1]/fluor: expected a number, found 'abc'"),
    "error_non_finite.rdml": (FormatError, "expected a finite number, found 'INF'"),
    "error_duplicate_cycle.rdml": (FormatError, "each cycle once"),
    "error_well_outside_plate.rdml": (FormatError, "8x12 plate, found '97'"),
    "error_entity_expansion.rdml": (UnsafeInputError, "without a DTD"),
    "error_external_entity.rdml": (UnsafeInputError, "without a DTD"),
    "error_zip_bomb.rdml": (UnsafeInputError, "bytes decompressed"),
    "error_no_rdml_member.rdml": (FormatError, "exactly one top-level .xml"),
    "error_unknown_format.txt": (UnknownFormatError, "known format"),
}


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BROKEN.glob("error_*")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_raises_one_clear_format_error(name: str) -> None:
    kind, words = CASES[name]
    with pytest.raises(kind) as caught:
        io.read(BROKEN / name)
    message = str(caught.value)
    assert words in message
    assert name in message, "the message names the file"
    assert "\n" not in message


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exits_1_with_one_line_and_writes_nothing(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.rdml"
    result = subprocess.run(
        [sys.executable, "-m", "chipdx.cli", "convert", str(BROKEN / name), str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chipdx: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [], "no output, not even a partial one"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no such file"):
        io.read(tmp_path / "absent.rdml")
