"""Golden values: what chipdx reads from each instrument fixture equals what the file shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from chipdx import io
from chipdx.model import Dataset, QuantityUnit, Run, SampleType
from tests.conftest import TEST_DATA, shared


def reaction(run: Run, label: str, target: str | None = None) -> int:
    rows = [i for i, r in enumerate(run.reactions) if r.well.label == label and target in (None, r.target_id)]
    assert len(rows) == 1, f"{label}/{target}: {len(rows)} reactions"
    return rows[0]


def sample_of(data: Dataset, run: Run, row: int) -> tuple[str, SampleType]:
    r = run.reactions[row]
    return r.sample_id, data.sample(r.sample_id).type_for(r.target_id)


def test_quantstudio_txt_viia7_384_sybr() -> None:
    data = io.read(shared("formats", "quantstudio_txt", "appbio_quantstudio_example01.txt"))
    run = data.runs[0]
    assert run.plate.size == 384 and run.instrument == "ViiA 7"
    a1 = reaction(run, "A1")
    assert sample_of(data, run, a1) == ("1SAMPLE_1.1", SampleType.UNKNOWN)
    assert run.fluorescence[a1].tolist() == [0.612, 0.619, 0.626]
    assert run.reactions[a1].reported.cq == 18.717
    assert run.reactions[a1].reported.melt_temperature_c == 78.122
    assert run.reactions[a1].reported.quantification_fluorescence == 0.277
    assert data.target("TARGET_1").dye_id == "SYBR"
    assert run.run_date == dt.datetime(2001, 12, 31, 21, 9, 19)


def test_quantstudio_txt_standard_curve() -> None:
    data = io.read(shared("formats", "quantstudio_txt", "appbio_quantstudio_example04.txt"))
    run = data.runs[0]
    a1 = reaction(run, "A1")
    assert run.fluorescence[a1, 0] == 0.522 and run.fluorescence[a1, 38] == 1.828
    assert run.reactions[reaction(run, "H12")].reported.cq == 26.217
    assert run.reactions[reaction(run, "H12")].reported.quantification_fluorescence == 0.074
    assert run.fluorescence.shape == (96, 40)  # the fixture is an excerpt: later wells have no readings
    assert np.isnan(run.fluorescence[reaction(run, "H12")]).all()


def test_quantstudio_txt_undetermined_and_ntc() -> None:
    data = io.read(shared("formats", "quantstudio_txt", "appbio_quantstudio_example05.txt"))
    run = data.runs[0]
    a1 = reaction(run, "A1")
    assert sample_of(data, run, a1) == ("NTC", SampleType.NTC)
    assert run.reactions[a1].reported.cq is None  # 'Undetermined'
    assert data.target("GAPDH").dye_id == "VIC"


def test_quantstudio_txt_thousands_separator_in_quantity() -> None:
    data = io.read(shared("formats", "quantstudio_txt", "appbio_quantstudio_example07.txt"))
    run = data.runs[0]
    b4 = run.reactions[reaction(run, "B4", "RNaseP")]
    quantity = data.sample(b4.sample_id).quantity
    assert quantity is not None and quantity.value == 1250.0
    assert data.sample(b4.sample_id).type is SampleType.STANDARD
    assert b4.reported.cq == 29.508


def test_quantstudio_txt_genotyping_two_alleles_per_well() -> None:
    data = io.read(shared("formats", "quantstudio_txt", "appbio_quantstudio_example03_genotyping.txt"))
    run = data.runs[0]
    allele1, allele2 = reaction(run, "A2", "CYP19_2-Allele 1"), reaction(run, "A2", "CYP19_2-Allele 2")
    assert run.reactions[allele1].reported.cq == 27.546 and run.reactions[allele2].reported.cq == 29.013
    assert data.target("CYP19_2-Allele 1").dye_id == "VIC" and data.target("CYP19_2-Allele 2").dye_id == "FAM"
    assert sample_of(data, run, allele1)[1] is SampleType.POSITIVE_CONTROL


def test_quantstudio_txt_quirks_made_here() -> None:
    data = io.read(TEST_DATA / "quantstudio_txt" / "golden_quirks_384.txt")
    run = data.runs[0]
    assert run.plate.size == 384
    p24 = reaction(run, "P24")  # well '384.0', position '     P24'
    np.testing.assert_allclose(run.fluorescence[p24], [0.3, 0.4, 0.5, 0.6, 0.7])  # SYBR / ROX, '2,000.000'
    assert run.reactions[reaction(run, "A2")].reported.excluded is not None
    assert run.melt is not None and run.melt.points(p24)[1].tolist() == [3000.0, 2500.0, 2000.0, 1500.0]
    assert data.sample("std high").quantity is not None and data.sample("std high").quantity.value == 1000.0


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_quantstudio_txt_windows_encodings(encoding: str, tmp_path: Path) -> None:
    text = (TEST_DATA / "quantstudio_txt" / "golden_quirks_384.txt").read_text(encoding="utf-8")
    path = tmp_path / "export.txt"
    path.write_bytes(text.replace("Standard Curve", "Comparative Cт (ΔΔCт)" if encoding != "cp1252" else "Standard "
                                  "Curve").encode(encoding))
    run = io.read(path).runs[0]
    assert run.reactions[reaction(run, "P24")].reported.cq == 4.125


def test_quantstudio_xlsx_four_plex() -> None:
    data = io.read(shared("formats", "quantstudio_xlsx", "QS5_Standard_Curve_4Plex_example03.xlsx"))
    run = data.runs[0]
    a1 = reaction(run, "A1", "FZD1")
    assert run.fluorescence[a1, 0] == 0.8805082440376282
    assert run.reactions[a1].reported.cq == 28.635872856981464
    assert {t.id: t.dye_id for t in data.targets}["GAPDH"] == "JUN"
    assert sample_of(data, run, a1) == ("UHR cDNA", SampleType.UNKNOWN)


def test_quantstudio_xlsx_results_only() -> None:
    data = io.read(shared("formats", "quantstudio_xlsx", "QS7Pro_Primary_Analysis_example18.xlsx"))
    run = data.runs[0]
    a1 = reaction(run, "A1")
    assert run.reactions[a1].reported.cq == 17.97 and run.reactions[a1].target_id == "FAM"
    assert sample_of(data, run, a1)[1] is SampleType.STANDARD
    assert run.instrument == "QuantStudio™ 7 Pro System" and run.amplification is None


def test_eds_rn_from_multicomponent_data() -> None:
    data = io.read(shared("formats", "quantstudio_eds", "abi7500_standard_curve_example.eds"))
    run = data.runs[0]
    a1 = reaction(run, "A1")
    assert sample_of(data, run, a1) == ("NTC", SampleType.NTC)
    assert run.fluorescence[a1, 0] == pytest.approx(842270.7 / 363171.06)  # FAM / ROX, cycle 1
    assert run.fluorescence.shape[1] == 40 and data.target("RNase P TAMRA").dye_id == "FAM"
    standard = data.sample("10000")
    assert standard.type is SampleType.STANDARD and standard.quantity is not None
    assert standard.quantity.value == 10000.0


def test_cfx_cq_results() -> None:
    data = io.read(shared("formats", "biorad_cfx", "cfxmaestro_quantification_cq_results_example01.csv"))
    run = data.runs[0]
    a1 = reaction(run, "A1", "FAM")
    assert run.reactions[a1].reported.cq == 21.1877528266099
    assert sample_of(data, run, a1) == ("M3905 R Ctx", SampleType.UNKNOWN)


def test_cfx_table_workbook() -> None:
    data = io.read(shared("formats", "biorad_cfx", "BioRad_cfx_table_excerpt.xlsx"))
    run = data.runs[0]
    c3 = reaction(run, "C3")
    assert run.fluorescence[c3, :2].tolist() == [-9.38, 1.02]
    assert sample_of(data, run, c3) == ("u1", SampleType.UNKNOWN)
    assert run.reactions[c3].target_id == "Taq" and data.target("Taq").dye_id == "SYBR"


def test_cfx_german_locale_family_made_here() -> None:
    data = io.read(TEST_DATA / "biorad_cfx" / "run_de")
    run = data.runs[0]
    assert run.id == "run de"
    a1, b1 = reaction(run, "A1", "GAPDH"), reaction(run, "B1", "GAPDH")
    assert run.reactions[a1].reported.cq == 18.02 and run.reactions[b1].reported.cq is None
    assert sample_of(data, run, b1)[1] is SampleType.NTC
    assert data.sample("S1").quantity is not None and data.sample("S1").quantity.value == 1000.0
    assert run.fluorescence.shape == (3, 30) and run.fluorescence[a1, 0] == 0.012
    assert run.melt is not None and run.melt.points(a1)[0][:2].tolist() == [65.0, 65.5]
    assert run.melt.points(a1)[1][:2].tolist() == [900.0, 875.0]  # RFU, not the derivative file
    single = io.read(TEST_DATA / "biorad_cfx" / "run_de" / "run de -  Quantification Cq Results_0.csv")
    assert single.runs[0].fluorescence.shape == (3, 30)  # siblings of the same run are read too


def test_lc480_raw_amplification_and_melt() -> None:
    data = io.read(shared("formats", "roche_lc480", "LC480_raw_Nrd1_calibration_2019-02-02.txt.gz"))
    run = data.runs[0]
    a1 = reaction(run, "A1")
    assert run.fluorescence[a1, :2].tolist() == [0.59, 0.57] and run.fluorescence[a1, -1] == 4.87
    assert run.melt is not None
    temperature, fluorescence = run.melt.points(a1)
    assert (temperature[0], fluorescence[0], temperature[-1], fluorescence[-1]) == (59.93, 5.40, 94.74, 0.26)
    assert run.id == "Edward qPCR Nrd1 calibration 2019-02-02"
    assert sample_of(data, run, a1)[0] == "Sample 1"


def test_lc480_abs_quant_cp() -> None:
    data = io.read(shared("formats", "roche_lc480", "LC480_Cq_Nrd1_calibration_2019-02-02_Cq.txt.gz"))
    run = data.runs[0]
    assert run.reactions[reaction(run, "A1")].reported.cq == 22.78
    assert run.reactions[reaction(run, "P24")].reported.cq is None
    assert run.reactions[0].target_id == "483-533"


def test_rotorgene_rex() -> None:
    data = io.read(shared("formats", "qiagen_rotorgene", "rotorgene_q_slc6a2_cell_lines_B_64oC_170617.rex"))
    run = data.runs[0]
    tube1 = reaction(run, "1")
    assert run.fluorescence[tube1, 0] == 0.122987716487373 and run.fluorescence.shape == (72, 65)
    assert sample_of(data, run, tube1)[0] == "NTC (SLC6A2)"
    assert run.melt is not None and run.melt.points(tube1)[0][0] == 65.0
    assert run.melt.points(tube1)[1][0] == 27.1924671295237
    assert dict(data.sample("H69").annotations)["rotorgene:type"] == "0"


def test_tidy_dilution_table() -> None:
    data = io.read(shared("qpcr", "tidy_dilution_sets", "rutledge", "rutledge.csv.gz"))
    assert [run.id for run in data.runs] == ["1", "2", "3", "4", "5"]
    run = data.runs[0]
    assert run.fluorescence.shape == (48, 45) and run.fluorescence[0, 0] == 0.0
    first = data.sample(run.reactions[0].sample_id)
    assert first.type is SampleType.STANDARD and first.quantity is not None
    assert (first.quantity.value, first.quantity.unit) == (41700000.0, QuantityUnit.COPIES)


def test_wide_table_one_reaction_per_row(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("well;sample;sample_type;target;copies;1;2;3\n"
                    "A1;S1;std;N1;1500;0,1;0,2;0,4\nB2;S2;unkn;N1;;0,1;0,1;0,2\n", encoding="utf-8")
    data = io.read(path)
    assert data.provenance is not None and data.provenance.format == "qpcr-table"
    run = data.runs[0]
    b2 = reaction(run, "B2", "N1")
    assert run.fluorescence[b2].tolist() == [0.1, 0.1, 0.2] and run.cycles.tolist() == [1.0, 2.0, 3.0]
    standard = data.sample(run.reactions[reaction(run, "A1")].sample_id)
    assert standard.type is SampleType.STANDARD and standard.quantity is not None
    assert standard.quantity.value == 1500.0
