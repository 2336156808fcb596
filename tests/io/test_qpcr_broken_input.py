"""Broken qPCR instrument files: one FormatError line naming file, place, expected and found."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipdx import io
from chipdx.cli import main
from chipdx.errors import FormatError, UnsafeInputError
from tests.conftest import TEST_DATA

# fixture (relative to tests/data) -> (exception class, words the message must contain)
CASES: dict[str, tuple[type[FormatError], str]] = {
    "quantstudio_txt/error_empty.txt": (FormatError, "found an empty file"),
    "quantstudio_txt/error_truncated.txt": (FormatError, "line 32: expected 5 cells and a line end"),
    "quantstudio_txt/error_wrong_header.txt": (FormatError, "line 4: expected a column 'Rn'"),
    "quantstudio_txt/error_ragged_rows.txt": (FormatError, "line 5: expected at most 5 tab-separated cells"),
    "quantstudio_txt/error_non_numeric.txt": (FormatError, "line 6, column 'Rn': expected a number, found 'abc'"),
    "quantstudio_txt/error_well_outside_plate.txt": (FormatError, "8x12 plate, found '97'"),
    "quantstudio_txt/error_duplicate_cycle.txt": (FormatError, "found cycle 1 again"),
    "quantstudio_xlsx/error_empty.xlsx": (FormatError, "expected an Excel workbook"),
    "quantstudio_xlsx/error_truncated.xlsx": (FormatError, "expected an Excel workbook"),
    "quantstudio_xlsx/error_wrong_header.xlsx": (FormatError, "sheet 'Amplification Data', cell A4: expected a column"),
    "quantstudio_xlsx/error_non_numeric.xlsx": (FormatError, "'Results', cell G5: expected a number, found 'abc'"),
    "quantstudio_xlsx/error_bad_well.xlsx": (FormatError, "cell B5: expected a well of a 8x12 plate, found 'Z99'"),
    "quantstudio_eds/error_truncated.eds": (FormatError, "expected an .eds file"),
    "quantstudio_eds/error_empty.eds": (FormatError, "expected an .eds file"),
    "quantstudio_eds/error_non_numeric.eds": (FormatError, "well A1 Concentration: expected a number, found 'ten'"),
    "quantstudio_eds/error_missing_member.eds": (FormatError, "multicomponent_data.txt"),
    "quantstudio_eds/error_dtd.eds": (UnsafeInputError, "experiment.xml: line 1: expected XML without a DTD"),
    "quantstudio_eds/error_unclosed_xml.eds": (FormatError, "plate_setup.xml: line 1, column 81: expected well-formed"),
    "quantstudio_eds/error_wrong_header.eds": (FormatError, "expected a 'WELL CYCLE DYE LIST MSE SIGNAL' header"),
    "quantstudio_eds/error_well_outside_plate.eds": (FormatError, "Index 96: expected a well index below 96"),
    "biorad_cfx/error_empty.csv": (FormatError, "found an empty file"),
    "biorad_cfx/error_wrong_header.csv": (FormatError, "line 1: expected a CFX header"),
    "biorad_cfx/error_ragged_rows.csv": (FormatError, "line 3: expected as many cells as the header"),
    "biorad_cfx/error_truncated.csv": (FormatError, "line 3: expected as many cells as the header"),
    "biorad_cfx/error_non_numeric.csv": (FormatError, "line 3, column 'A2': expected a number, found 'oops'"),
    "biorad_cfx/error_bad_well.csv": (FormatError, "line 2, column 'Well': expected a well of a 8x12 plate"),
    "roche_lc480/error_empty.txt.gz": (FormatError, "found an empty file"),
    "roche_lc480/error_truncated.txt.gz": (FormatError, "gzip stream: expected a complete gzip file"),
    "roche_lc480/error_wrong_header.txt": (FormatError, "line 2: expected the header 'SamplePos"),
    "roche_lc480/error_non_numeric.txt": (FormatError, "line 4, column '483-533': expected a number, found 'n/v'"),
    "roche_lc480/error_ragged_rows.txt": (FormatError, "line 13: expected 9 tab-separated cells, found 4"),
    "rotorgene/error_empty.rex": (FormatError, "found an empty file"),
    "rotorgene/error_unclosed_xml.rex": (FormatError, "expected well-formed XML"),
    "rotorgene/error_non_numeric.rex": (FormatError, "RawChannel[1]/Reading[1]: expected a number, found 'x4'"),
    "rotorgene/error_wrong_root.rex": (FormatError, "expected an <Experiment> with a <RexHeader>, found '<Run>'"),
    "rotorgene/error_dtd.rex": (UnsafeInputError, "line 2: expected XML without a DTD"),
    "rotorgene/error_bad_step.rex": (FormatError, "RawChannel[1]/StepX: expected a number"),
    "qpcr_table/error_empty.tsv": (FormatError, "found an empty file"),
    "qpcr_table/error_wrong_header.tsv": (FormatError, "line 1: expected a header with 'cycle' and 'fluor'"),
    "qpcr_table/error_ragged_rows.tsv": (FormatError, "line 3: expected 4 cells as in the header, found 3"),
    "qpcr_table/error_truncated.tsv": (FormatError, "line 3: expected 4 cells as in the header, found 2"),
    "qpcr_table/error_non_numeric.tsv": (FormatError, "line 3, column 'fluor': expected a number, found 'lots'"),
    "qpcr_table/error_duplicate_cycle.tsv": (FormatError, "line 3, column 'cycle': expected one reading per well"),
}
FOLDERS = sorted({name.split("/")[0] for name in CASES})


def test_every_fixture_has_a_case() -> None:
    found = sorted(f"{p.parent.name}/{p.name}" for folder in FOLDERS for p in (TEST_DATA / folder).glob("error_*"))
    assert found == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_raises_one_clear_format_error(name: str) -> None:
    kind, words = CASES[name]
    path = TEST_DATA / name
    with pytest.raises(FormatError) as caught:
        io.read(path)
    message = str(caught.value)
    assert isinstance(caught.value, kind)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert words in message, message
    assert caught.value.expected and caught.value.found


@pytest.mark.parametrize("name", ["quantstudio_txt/error_non_numeric.txt", "biorad_cfx/error_truncated.csv",
                                  "rotorgene/error_dtd.rex"])
def test_convert_fails_with_exit_1_and_no_output(name: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.rdml"
    assert main(["convert", str(TEST_DATA / name), str(out)]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "Traceback" not in error and name.split("/")[1] in error
    assert not out.exists()
