"""Property-based fuzzing: whatever the bytes, readers return a dataset or raise FormatError."""

from __future__ import annotations

import io as stdio
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chipdx import io
from chipdx.errors import FormatError
from chipdx.model import Dataset
from tests.conftest import TEST_DATA

VALID_XML = (TEST_DATA / "rdml" / "error_non_numeric.rdml").read_bytes().replace(b">abc<", b">2.5<")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read_bytes(tmp_path: Path, data: bytes, name: str = "fuzz.rdml") -> Dataset | None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        return io.read(path)
    except FormatError as exc:
        message = str(exc)
    assert "\n" not in message
    assert str(path) in message
    return None


def test_the_seed_document_is_valid(tmp_path: Path) -> None:
    dataset = read_bytes(tmp_path, VALID_XML)
    assert dataset is not None and dataset.runs[0].fluorescence.tolist() == [[2.5]]


@SETTINGS
@given(st.binary(max_size=2000))
@example(b"PK\x03\x04")
@example(b"<rdml")
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    read_bytes(tmp_path, data)


@SETTINGS
@given(st.integers(0, len(VALID_XML) - 1), st.binary(min_size=1, max_size=8))
def test_mutated_rdml_xml(tmp_path: Path, position: int, noise: bytes) -> None:
    read_bytes(tmp_path, VALID_XML[:position] + noise + VALID_XML[position + len(noise):])


@SETTINGS
@given(st.integers(0, len(VALID_XML)))
def test_truncated_rdml_xml(tmp_path: Path, cut: int) -> None:
    read_bytes(tmp_path, VALID_XML[:cut])


@SETTINGS
@given(st.integers(0, 400), st.binary(min_size=1, max_size=4))
def test_mutated_rdml_zip(tmp_path: Path, position: int, noise: bytes) -> None:
    buffer = stdio.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rdml_data.xml", VALID_XML)
    data = buffer.getvalue()
    position = min(position, len(data) - 1)
    read_bytes(tmp_path, data[:position] + noise + data[position + len(noise):])


@SETTINGS
@given(st.text(max_size=30))
def test_any_text_in_a_number_field(tmp_path: Path, text: str) -> None:
    from xml.sax.saxutils import escape

    data = VALID_XML.replace(b">2.5<", f">{escape(text)}<".encode())
    dataset = read_bytes(tmp_path, data)
    if dataset is not None:
        value = dataset.runs[0].fluorescence[0, 0]
        assert value == float(text)
