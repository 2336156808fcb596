"""dPCR readers: QX amplitude and results CSV, QIAcuity and Absolute Q partitions; golden, error and round trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from chipdx import io
from chipdx.errors import FormatError
from chipdx.model import PartitionCall
from tests.conftest import TEST_DATA, assert_same_data, shared

QX = TEST_DATA / "qx"
N, P, U, E = (int(c) for c in PartitionCall)


def test_qx_folder_reads_every_header_variant_and_ignores_other_files() -> None:
    data = io.read(QX)
    assert data.provenance is not None and data.provenance.format == "qx-amplitude"
    wells = {w.well.label: w for w in data.runs[0].partitions}
    assert sorted(wells) == ["A1", "B1", "C1", "D1"]
    a1 = wells["A1"]
    assert a1.amplitudes is not None and a1.amplitudes.tolist() == [[1000.5, 900], [5200, 950], [1100, 4100],
                                                                    [5300, 4200]]
    assert a1.calls is not None and a1.calls.tolist() == [[N, N], [P, N], [N, P], [P, P]]
    assert wells["B1"].n_partitions == 3 and wells["B1"].calls is None  # CR-only line endings, no cluster
    c1 = wells["C1"]  # QX Manager: legend lines above the header, per-target calls with 'u'
    assert c1.calls is not None and c1.calls.tolist() == [[N, P], [P, P], [U, N]]
    d1 = wells["D1"]  # single channel: the empty second column is dropped
    assert d1.targets == ("Ch1",) and d1.amplitudes is not None and d1.amplitudes.shape == (2, 1)
    assert a1.volume_nl == pytest.approx(0.85)


@pytest.mark.parametrize("name", sorted(p.name for p in (TEST_DATA / "qx_errors").iterdir()))
def test_qx_broken_files_give_one_line(name: str) -> None:
    with pytest.raises(FormatError) as info:
        io.read(TEST_DATA / "qx_errors" / name, format="qx-amplitude")
    assert "\n" not in str(info.value) and name in str(info.value)


def test_qx_latin1_file_name(tmp_path: Path) -> None:
    name = b"plate 60\xb0C_A01_Amplitude.csv"
    (tmp_path / "x").mkdir()
    target = Path(bytes(tmp_path / "x").decode() + "/" + name.decode("utf-8", "surrogateescape"))
    try:
        shutil.copy(QX / "golden_A01_Amplitude.csv", target)
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system refuses non-UTF-8 names")
    assert io.read(tmp_path / "x").runs[0].id == "plate 60°C"


def test_qx_write_read_round_trip(tmp_path: Path) -> None:
    data = io.read(QX / "golden_A01_Amplitude.csv")
    io.write(data, tmp_path / "plate", format="qx-amplitude")
    again = io.read(tmp_path / "plate")
    assert_same_data(data, again)


def test_qx_to_rdml_partitions_round_trip(tmp_path: Path) -> None:
    data = io.read(QX / "golden_A01_Amplitude.csv")
    io.write(data, tmp_path / "plate.rdml")
    again = io.read(tmp_path / "plate.rdml")
    well, back = data.runs[0].partitions[0], again.runs[0].partitions[0]
    np.testing.assert_array_equal(well.amplitudes, back.amplitudes)
    np.testing.assert_array_equal(well.calls, back.calls)
    assert back.volume_nl == well.volume_nl


def test_qx_real_plates_read() -> None:
    for name in ("twoddpcr_kras", "definetherain_albumin", "ddpcrclust_multiplex", "dpcp_triplex_dilution",
                 "ddpcr_attali_small", "lievens_cloudy_example"):
        data = io.read(shared("dpcr", name))
        assert sum(len(run.partitions) for run in data.runs) >= 4
    kras = io.read(shared("dpcr", "twoddpcr_kras"))
    e3 = next(w for w in kras.runs[0].partitions if w.well.label == "E3")
    assert e3.targets == ("Mutant", "WT")  # names from the results CSV in the folder
    assert e3.calls is not None and int((e3.calls[:, 0] == P).sum()) == 262 + 273


def test_qx_results_tolerate_ragged_rows() -> None:
    small = io.read(shared("dpcr", "ddpcr_attali_small", "small.csv"))
    assert small.runs[0].partitions[0].volume_nl == pytest.approx(0.91)  # back-calculated (2015 export)
    kras = io.read(shared("dpcr", "twoddpcr_kras", "quantasoft_results.csv"))
    counts = {(w.well.label, c.target_id): c for w in kras.runs[0].partitions for c in w.counts}
    assert counts[("E3", "Mutant")].positive == 535 and kras.runs[0].partitions[0].volume_nl == pytest.approx(0.85)


def test_qiacuity_golden() -> None:
    data = io.read(TEST_DATA / "qiacuity" / "golden_partitions.csv")
    assert data.provenance is not None and data.provenance.format == "qiacuity-partitions"
    a1 = data.runs[0].partitions[0]
    assert a1.targets == ("Green", "Yellow") and a1.n_partitions == 6
    assert a1.volume_nl == pytest.approx(5.46 / 6)
    assert a1.calls is not None and a1.calls[:, 0].tolist() == [P, P, N, N, N, E]
    assert not a1.valid[5] and a1.valid[:5].all()


@pytest.mark.parametrize("name", ["error_missing_column.csv", "error_bad_rfu.csv"])
def test_qiacuity_errors(name: str) -> None:
    with pytest.raises(FormatError):
        io.read(TEST_DATA / "qiacuity" / name, format="qiacuity-partitions")


def test_absolute_q_partitions() -> None:
    data = io.read(shared("formats", "thermo_absolute_q", "Appbio_AbsoluteQ_fluorescence_columns.csv"))
    well = data.runs[0].partitions[0]
    assert well.targets == ("TARGET 1", "TARGET 2", "TARGET 3", "TARGET 4") and well.n_partitions == 4
    assert data.target("TARGET 1").dye_id == "FAM"
    with pytest.raises(FormatError):
        io.read(TEST_DATA / "absolute_q" / "error_bad_number.csv", format="absolute-q-partitions")


def test_folder_without_data_files_is_refused(tmp_path: Path) -> None:
    shutil.copy(QX / "notes.txt", tmp_path / "notes.txt")
    with pytest.raises(FormatError):
        io.read(tmp_path)


@pytest.mark.parametrize("name", ["golden.csv", "golden.csv.gz"])
def test_partition_table(name: str) -> None:
    data = io.read(TEST_DATA / "partition_table" / name)
    assert data.provenance is not None and data.provenance.format == "partition-table"
    wells = {w.well.label: w for w in data.runs[0].partitions}
    assert sorted(wells) == ["A1", "B2"] and wells["A1"].targets == ("channel1", "channel2")
    assert wells["A1"].amplitudes is not None and wells["A1"].amplitudes.tolist() == [[100.5, 200], [5000, 210]]


@pytest.mark.parametrize("name", ["error_truncated.csv.gz", "error_non_numeric.csv"])
def test_partition_table_errors(name: str) -> None:
    with pytest.raises(FormatError):
        io.read(TEST_DATA / "partition_table" / name, format="partition-table")


def test_every_shared_dpcr_file_reads() -> None:
    root = shared("dpcr")
    skip = {"manifest.csv", "twoddpcr_KRAScounts.csv", "Template_sampleTable.csv", "ddPCR_run_template.csv",
            "large_plate_meta.csv", "ddpcr_pnpp_analysis_meta.csv", "PROVENANCE.md", "SHA256SUMS"}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in skip and not path.name.endswith("_Amplitude.csv"):
            assert io.read(path).runs, path


@pytest.mark.parametrize("name", ["qiagen_qiacuity/qiacuity_dpcr_example01.csv",
                                  "qiagen_qiacuity/qiacuity_dpcr_example02.csv",
                                  "qiagen_qiacuity/qiacuity_dpcr_example03.csv",
                                  "qiagen_qiacuity/qiacuity_dpcr_example04.csv",
                                  "thermo_absolute_q/Appbio_AbsoluteQ_example01.csv",
                                  "thermo_absolute_q/Appbio_AbsoluteQ_summary.csv"])
def test_vendor_summaries_read_as_counts_and_reproduce_their_concentrations(name: str) -> None:
    from chipdx.analysis import dpcr

    data = io.read(shared("formats", *name.split("/")))
    assert data.provenance is not None and data.provenance.format in {"qiacuity-results", "absolute-q-results"}
    result = dpcr.analyze(data)
    reported = {(w.well.label, c.target_id): c.concentration_copies_per_ul
                for run in data.runs for w in run.partitions for c in w.counts}
    checked = 0
    for row in result.itertuples():
        conc = reported[(row.well, row.target)]
        if conc and row.n_positive >= 20:
            assert row.copies_per_ul == pytest.approx(conc, rel=0.01), (row.well, row.target)
            checked += 1
    assert checked >= 1
