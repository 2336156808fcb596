"""Fuzzing the qPCR instrument readers: whatever the bytes, a dataset or one FormatError line."""

from __future__ import annotations

import io as stdio
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_DATA
from tests.io.test_fuzz import read_bytes

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

QS_TEXT = (TEST_DATA / "quantstudio_txt" / "golden_quirks_384.txt").read_bytes()
CFX_CSV = (TEST_DATA / "biorad_cfx" / "run_de" / "run de -  Quantification Cq Results_0.csv").read_bytes()
CFX_AMP = (TEST_DATA / "biorad_cfx" / "run_de" / "run de -  Quantification Amplification Results_SYBR.csv").read_bytes()
LC480 = ("Raw Data \t\tExperiment - x (Run on LCS480 1.5.0.39)\r\n"
         "SamplePos\tSampleName\tProg#\tSeg#\tCycle#\tTime\tTemp\t483-533\t\r\n"
         + "".join(f"A1\tS1\t2\t2\t{c}\t{c}000\t60\t0.{c}\t\r\n" for c in range(1, 6))).encode()
REX = (TEST_DATA / "rotorgene" / "error_non_numeric.rex").read_bytes().replace(b"x4", b".4")
TABLE = b"well\ttarget\tcycle\tfluor\nA1\tGENE\t1\t0.5\nA1\tGENE\t2\t0.6\nB1\tGENE\t1\t0.4\nB1\tGENE\t2\t0.8\n"
SEEDS = {"run.txt": QS_TEXT, "cq.csv": CFX_CSV, "amp.csv": CFX_AMP, "lc.txt": LC480, "run.rex": REX,
         "table.tsv": TABLE}


def test_the_seeds_are_valid(tmp_path: Path) -> None:
    for name, data in SEEDS.items():
        dataset = read_bytes(tmp_path, data, name)
        assert dataset is not None and dataset.runs[0].reactions, name


@SETTINGS
@given(st.sampled_from(sorted(SEEDS)), st.data())
def test_mutated_text_exports(tmp_path: Path, name: str, data: st.DataObject) -> None:
    seed = SEEDS[name]
    position = data.draw(st.integers(0, len(seed) - 1))
    noise = data.draw(st.binary(min_size=1, max_size=6) | st.sampled_from([b"\t", b",", b";", b"\n", b"NaN", b"-"]))
    read_bytes(tmp_path, seed[:position] + noise + seed[position + len(noise):], name)


@SETTINGS
@given(st.sampled_from(sorted(SEEDS)), st.data())
def test_truncated_text_exports(tmp_path: Path, name: str, data: st.DataObject) -> None:
    seed = SEEDS[name]
    read_bytes(tmp_path, seed[: data.draw(st.integers(0, len(seed)))], name)


@SETTINGS
@given(st.binary(max_size=600), st.sampled_from([".txt", ".csv", ".rex", ".eds", ".xlsx", ".gz", ".tsv"]))
def test_random_bytes_with_each_ending(tmp_path: Path, data: bytes, ending: str) -> None:
    read_bytes(tmp_path, data, f"fuzz{ending}")


@SETTINGS
@given(st.dictionaries(st.sampled_from(["apldbio/sds/experiment.xml", "apldbio/sds/plate_setup.xml",
                                        "apldbio/sds/multicomponent_data.txt", "xl/workbook.xml"]),
                       st.binary(max_size=200), min_size=1))
def test_random_zip_members(tmp_path: Path, members: dict[str, bytes]) -> None:
    buffer = stdio.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    read_bytes(tmp_path, buffer.getvalue(), "fuzz.eds")
    read_bytes(tmp_path, buffer.getvalue(), "fuzz.xlsx")


def _workbook_members() -> dict[str, bytes]:
    with zipfile.ZipFile(TEST_DATA / "quantstudio_xlsx" / "error_non_numeric.xlsx") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = members[sheet].replace(b"abc", b"20.5")
    return members


WORKBOOK = _workbook_members()


def test_the_seed_workbook_is_valid(tmp_path: Path) -> None:
    buffer = stdio.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in WORKBOOK.items():
            archive.writestr(name, content)
    dataset = read_bytes(tmp_path, buffer.getvalue(), "seed.xlsx")
    assert dataset is not None and dataset.runs[0].reactions[0].reported.cq == 20.5


@SETTINGS
@given(st.sampled_from(sorted(n for n in WORKBOOK if n.endswith(".xml"))), st.data())
def test_mutated_workbook_parts(tmp_path: Path, member: str, data: st.DataObject) -> None:
    part = WORKBOOK[member]
    position = data.draw(st.integers(0, len(part) - 1))
    noise = data.draw(st.binary(min_size=1, max_size=6) | st.sampled_from([b"<", b'"', b"t=\"s\"", b"r=\"0\"", b"9"]))
    mutated = part[:position] + noise + part[position + len(noise):]
    buffer = stdio.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in WORKBOOK.items():
            archive.writestr(name, mutated if name == member else content)
    read_bytes(tmp_path, buffer.getvalue(), "fuzz.xlsx")


@pytest.mark.parametrize(("data", "ending"), [(b"\xb9", ".tsv"), ("cycle,\u00b9\n1,2\n".encode(), ".csv"),
                                              ("well,\u00b9\nA1,2\n".encode(), ".csv")])
def test_superscript_digits_in_a_header_are_not_cycle_numbers(tmp_path: Path, data: bytes, ending: str) -> None:
    read_bytes(tmp_path, data, f"found{ending}")  # '¹'.isdigit() is true but float('¹') fails: a clear error
