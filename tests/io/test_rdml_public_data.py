"""Every RDML file under ../shared/data reads, converts to RDML 1.3 that validates, and round-trips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from chipdx import io
from tests.conftest import SHARED_DATA, assert_same_data, shared, shared_rdml_files

FILES = shared_rdml_files()
IDS = [str(p.relative_to(SHARED_DATA)) for p in FILES]


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared("formats", "rdml", "RDML_v1_3_REC.xsd"))))


def test_public_rdml_files_are_present() -> None:
    shared("qpcr")
    assert len(FILES) >= 13


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_reads_converts_validates_and_round_trips(path: Path, tmp_path: Path, schema: etree.XMLSchema) -> None:
    original = io.read(path)
    assert original.provenance is not None
    assert original.provenance.format_version in {"1.0", "1.1", "1.2", "1.3", "1.4"}
    assert original.runs, "every public file holds at least one run"
    out = tmp_path / "out.rdml"
    io.write(original, out)
    xml = etree.fromstring(zipfile.ZipFile(out).read("rdml_data.xml"))
    assert schema.validate(xml), str(schema.error_log.filter_from_errors()[:3])
    again = io.read(out)
    assert again.provenance is not None and again.provenance.format_version == "1.3"
    assert_same_data(original, again)


def test_known_values_of_ds_94_4() -> None:
    data = io.read(shared("qpcr", "ruijter2013_technical", "rdml", "ds_94_4_v1.3.rdml"))
    run = data.runs[0]
    assert run.fluorescence.shape == (384, 45)
    assert run.plate.size == 384
    first = run.reactions[0]
    assert (first.well.label, first.sample_id, first.target_id) == ("A1", "NTC", "MYCN")
    assert run.fluorescence[0, :2].tolist() == [5202.1435, 5229.4796]
    assert data.sample("STD_150").quantity is not None and data.sample("STD_150").quantity.value == 150


def test_rdml_1_0_labels_and_text_dye_ids() -> None:
    data = io.read(shared("formats", "rdml", "abi_stepone_std.rdml"))
    assert data.provenance is not None and data.provenance.format_version == "1.0"
    assert data.runs[0].plate.size == 96
    assert data.targets[0].dye_id == "FAM"
    assert data.runs[0].reactions[0].well.label == "A1"


def test_cfx_zip_with_unusual_member_name_and_melt() -> None:
    data = io.read(shared("formats", "rdml", "BioRad_qPCR_melt.rdml"))
    assert all(run.melt is not None for run in data.runs)
    assert data.runs[0].melt is not None and data.runs[0].melt.n_points > 50
