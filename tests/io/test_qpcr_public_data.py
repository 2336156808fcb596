"""Every qPCR instrument fixture under ../shared/data reads, and converts to RDML 1.3 that validates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from chipdx import io
from chipdx.cli import main
from tests.conftest import SHARED_DATA, shared

FORMATS = SHARED_DATA / "formats"
EXPECTED = {
    "quantstudio_txt": "quantstudio-txt",
    "quantstudio_xlsx": "quantstudio-xlsx",
    "quantstudio_eds": "quantstudio-eds",
    "biorad_cfx": "biorad-cfx",
    "roche_lc480": "roche-lc480",
    "qiagen_rotorgene": "rotorgene-rex",
}


def instrument_fixtures() -> list[Path]:
    """Every file of the qPCR instrument folders, plus the tidy dilution tables."""
    if not SHARED_DATA.exists():
        return []
    files = [p for folder in EXPECTED for p in sorted((FORMATS / folder).iterdir()) if p.is_file()]
    return files + sorted((SHARED_DATA / "qpcr" / "tidy_dilution_sets").rglob("*.csv.gz"))


FILES = instrument_fixtures()
IDS = [str(p.relative_to(SHARED_DATA)) for p in FILES]


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared("formats", "rdml", "RDML_v1_3_REC.xsd"))))


def test_all_instrument_fixtures_are_found() -> None:
    shared("formats")
    assert len(FILES) == 13 + 12


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_reads_and_converts_to_valid_rdml(path: Path, tmp_path: Path, schema: etree.XMLSchema) -> None:
    data = io.read(path)
    folder = path.parent.name
    assert data.provenance is not None
    assert data.provenance.format == EXPECTED.get(folder, "qpcr-table")
    assert data.runs and all(run.reactions for run in data.runs)
    for run in data.runs:
        if run.amplification is not None:
            assert np.isfinite(run.fluorescence).any()
    out = tmp_path / "out.rdml"
    assert main(["convert", str(path), str(out)]) == 0
    xml = etree.fromstring(zipfile.ZipFile(out).read("rdml_data.xml"))
    assert schema.validate(xml), str(schema.error_log.filter_from_errors()[:3])
    again = io.read(out)
    assert again.n_reactions == data.n_reactions
    for before, after in zip(data.runs, again.runs, strict=True):
        rows = {(r.well.index, r.target_id): i for i, r in enumerate(after.reactions)}
        order = [rows[(r.well.index, r.target_id)] for r in before.reactions]
        assert [after.reactions[i].reported.cq for i in order] == [r.reported.cq for r in before.reactions]
        if before.amplification is not None:
            np.testing.assert_allclose(after.fluorescence[order], before.fluorescence, rtol=1e-12)


@pytest.mark.parametrize("path", FILES[:13], ids=IDS[:13])
def test_info_describes_each_fixture(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(path)]) == 0
    printed = capsys.readouterr().out
    assert EXPECTED[path.parent.name] in printed
