"""RDML 1.3 write -> read preserves every value, for made-up datasets of every kind."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chipdx import io
from chipdx.io.rdml import dataset_to_xml
from chipdx.model import (
    AmplificationCurves,
    CqMethod,
    Dataset,
    Dye,
    DyeChemistry,
    MeltCurves,
    PartitionCall,
    PartitionCounts,
    PlateFormat,
    Provenance,
    Quantity,
    Reaction,
    ReportedResult,
    Run,
    Sample,
    SampleType,
    Sequences,
    Software,
    Target,
    WellPartitions,
)
from tests.conftest import assert_same_data

PLATE = PlateFormat(8, 12)


def rich_dataset() -> Dataset:
    rng = np.random.default_rng(1)
    reactions = (
        Reaction(PLATE.parse("A1"), "std1", "N1", ReportedResult(cq=21.5, efficiency=1.93, note="ok")),
        Reaction(PLATE.parse("A1"), "std1", "RP", ReportedResult(excluded="pipetting;bubble")),
        Reaction(PLATE.parse("B3"), "hsc", "RP", ReportedResult(n0=0.0012, melt_temperature_c=82.5)),
    )
    fluorescence = rng.normal(1000, 50, (3, 45))
    fluorescence[2, 40:] = np.nan  # a shorter curve
    temperature = np.where(np.isnan(fluorescence), np.nan, 60.0)
    melt_t = np.tile(np.linspace(65, 95, 61), (3, 1))
    melt_t[1] = np.nan  # no melt for one reaction
    melt_f = np.where(np.isnan(melt_t), np.nan, rng.normal(500, 10, (3, 61)))
    wells = (
        WellPartitions(PLATE.parse("C1"), "dpcr1", 0.85,
                       counts=(PartitionCounts("N1", 3, 2, 0, 1, 1234.5, note="rain"),),
                       targets=("N1", "RP"),
                       amplitudes=rng.normal(3000, 900, (6, 2)).astype(np.float32),
                       calls=np.array([[1, 0], [1, 1], [1, 0], [0, 0], [0, 2], [3, 3]], dtype=np.int8)),
        WellPartitions(PLATE.parse("C2"), "dpcr1", 0.85, counts=(PartitionCounts("N1", 10, 20000),)),
    )
    run = Run("run 1", PLATE, reactions,
              amplification=AmplificationCurves(np.arange(1.0, 46.0), fluorescence,
                                                temperature_c=temperature),
              melt=MeltCurves(melt_t, melt_f), partitions=wells,
              experiment_id="exp & co", description="a <test> run", instrument="DLOC-Sim v1",
              software=Software("chipdx", "0.1"), background_method="LinRegPCR",
              cq_method=CqMethod.SECOND_DERIVATIVE_MAXIMUM,
              run_date=dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC))
    samples = (
        Sample("std1", SampleType.STANDARD, Quantity(15000.0), description="10-fold series",
               annotations=(("lot", "A7"),)),
        Sample("hsc", SampleType.EXTRACTION_CONTROL,
               types_by_target=(("RP", SampleType.POSITIVE_CONTROL), ("N1", SampleType.EXTRACTION_CONTROL))),
        Sample("dpcr1", SampleType.UNKNOWN),
    )
    targets = (
        Target("N1", "FAM", efficiency=1.95, efficiency_se=0.01, melting_temperature_c=80.0,
               sequences=Sequences(forward_primer="GACCCCAAAATCAGCGAAAT", probe1="ACCCCGCATTACGTTTGGTGGACC")),
        Target("RP", "HEX", description="RNase P"),
    )
    dyes = (Dye("FAM", DyeChemistry.HYDROLYSIS_PROBE), Dye("HEX", DyeChemistry.HYDROLYSIS_PROBE, "VIC-like"))
    return Dataset((run,), samples, targets, dyes, Provenance("made up", "test", simulated=True))


def test_every_value_survives_write_and_read(tmp_path: Path) -> None:
    original = rich_dataset()
    io.write(original, tmp_path / "rich.rdml")
    again = io.read(tmp_path / "rich.rdml")
    assert_same_data(original, again)
    assert again.provenance is not None and again.provenance.simulated


def test_written_file_validates_against_the_xsd(tmp_path: Path) -> None:
    from lxml import etree

    from tests.conftest import shared

    schema = etree.XMLSchema(etree.parse(str(shared("formats", "rdml", "RDML_v1_3_REC.xsd"))))
    xml, tables = dataset_to_xml(rich_dataset())
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log.filter_from_errors()[:3])
    assert list(tables) == ["partitions/run1_C1.tsv"]


def test_partition_table_follows_the_rdml_layout(tmp_path: Path) -> None:
    io.write(rich_dataset(), tmp_path / "d.rdml")
    table = zipfile.ZipFile(tmp_path / "d.rdml").read("partitions/run1_C1.tsv").decode().splitlines()
    assert table[0] == "N1\tN1\tRP\tRP"
    assert table[1].split("\t")[1::2] == ["p", "n"]
    assert table[6].split("\t")[1::2] == ["e", "e"]


def test_same_dataset_same_bytes(tmp_path: Path) -> None:
    io.write(rich_dataset(), tmp_path / "a.rdml")
    io.write(rich_dataset(), tmp_path / "b.rdml")
    assert (tmp_path / "a.rdml").read_bytes() == (tmp_path / "b.rdml").read_bytes()


finite = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e12, max_value=1e12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 12)), elements=finite),
    amplitudes=arrays(np.float32, st.tuples(st.integers(1, 30), st.just(2)),
                      elements=st.floats(-1e6, 1e6, width=32)),
    sample_id=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
)
def test_property_any_values_round_trip(tmp_path: Path, values: np.ndarray, amplitudes: np.ndarray,
                                        sample_id: str) -> None:
    n = values.shape[0]
    reactions = tuple(Reaction(PLATE.well(i + 1), sample_id, "T") for i in range(n))
    calls = (np.arange(amplitudes.size).reshape(amplitudes.shape) % 4).astype(np.int8)
    well = WellPartitions(PLATE.well(96), sample_id, 0.91, targets=("T", "T2"),
                          counts=(PartitionCounts("T", 1, 2),), amplitudes=amplitudes, calls=calls)
    run = Run("r", PLATE, reactions, amplification=AmplificationCurves(np.arange(values.shape[1]) + 1.0, values),
              partitions=(well,))
    dataset = Dataset((run,), (Sample(sample_id),), (Target("T", "FAM"), Target("T2", "HEX")),
                      (Dye("FAM"), Dye("HEX")))
    path = tmp_path / "p.rdml"
    io.write(dataset, path)
    assert_same_data(dataset, io.read(path))


def test_extraction_control_survives_as_annotation(tmp_path: Path) -> None:
    io.write(rich_dataset(), tmp_path / "x.rdml")
    xml = zipfile.ZipFile(tmp_path / "x.rdml").read("rdml_data.xml").decode()
    assert "<property>chipdx:sample_type</property><value>ext</value>" in xml
    assert io.read(tmp_path / "x.rdml").sample("hsc").type is SampleType.EXTRACTION_CONTROL


@pytest.mark.parametrize("call", list(PartitionCall))
def test_partition_codes_round_trip(call: PartitionCall) -> None:
    assert PartitionCall.from_code(call.code) is call


def test_read_without_melt_keeps_everything_else() -> None:
    from importlib import resources

    example = Path(str(resources.files("chipdx.data") / "example_run.rdml"))
    full, lean = io.read(example), io.read(example, melt=False)
    assert any(run.melt is not None for run in full.runs)
    assert all(run.melt is None for run in lean.runs)
    for a, b in zip(full.runs, lean.runs, strict=True):
        assert a.reactions == b.reactions
        assert np.array_equal(a.fluorescence, b.fluorescence, equal_nan=True)
    assert lean.samples == full.samples and lean.provenance == full.provenance


def test_read_without_melt_for_a_format_without_a_lean_reader() -> None:
    from tests.conftest import shared

    path = shared("formats", "roche_lc480", "LC480_raw_Nrd1_calibration_2019-02-02.txt.gz")
    full, lean = io.read(path), io.read(path, melt=False)
    assert full.runs[0].melt is not None and lean.runs[0].melt is None
    assert np.array_equal(full.runs[0].fluorescence, lean.runs[0].fluorescence, equal_nan=True)
