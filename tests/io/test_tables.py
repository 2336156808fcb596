"""Long curve tables and Cq tables: good files read, broken ones fail with one clear line."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from chipdx.errors import FormatError
from chipdx.io.tables import read_cq_table, read_curve_table, table_columns


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


def test_curve_table_makes_a_nan_padded_matrix(tmp_path: Path) -> None:
    text = "dataset,curve_id,cycle,fluo\nd,a,1,1.0\nd,a,2,2.0\nd,a,3,3.0\nd,b,1,5.0\nd,b,2,6.0\n"
    table = read_curve_table(write(tmp_path, text, "t.csv.gz"))
    assert table.curve_ids == ("a", "b") and table.datasets == ("d", "d")
    np.testing.assert_array_equal(table.fluorescence, [[1, 2, 3], [5, 6, np.nan]])


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("dataset,curve_id,cycle\nd,a,1\n", "line 1"),
        ("dataset,curve_id,cycle,fluo\nd,a,1,x\n", "line 2, column fluo"),
        ("dataset,curve_id,cycle,fluo\nd,a,1.5,1\n", "line 2, column cycle"),
        ("dataset,curve_id,cycle,fluo\nd,a,1,1\nd,a,1,2\n", "curve d/a"),
        ("dataset,curve_id,cycle,fluo\nd,a,1\n", "line 2"),
        ("dataset,curve_id,cycle,fluo\n", "line 2"),
        ("", "line 1"),
        ("dataset,curve_id,cycle,fluo\nd,a,1,inf\n", "line 2, column fluo"),
    ],
)
def test_broken_curve_table(tmp_path: Path, text: str, place: str) -> None:
    with pytest.raises(FormatError) as err:
        read_curve_table(write(tmp_path, text))
    assert f"t.csv: {place}: expected" in str(err.value) and "\n" not in str(err.value)


def test_truncated_gzip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"dataset,curve_id,cycle,fluo\n" * 100)[:30])
    with pytest.raises(FormatError, match="gzip"):
        read_curve_table(path)


def test_cq_table_with_optional_columns(tmp_path: Path) -> None:
    text = ("sample,sample_type,target,cq,curve_call,well\ns1,unkn,N1,31.2,amplified,A1\n"
            "s1,unkn,N2,Undetermined,,A2\nntc,NTC,N1,,review,B1\n")
    rows = read_cq_table(write(tmp_path, text))
    assert [(r.sample, r.sample_type, r.cq, r.curve_call, r.well) for r in rows] == [
        ("s1", "unkn", 31.2, "amplified", "A1"), ("s1", "unkn", None, None, "A2"), ("ntc", "ntc", None, "review", "B1")]


def test_dpcr_table_needs_no_cq(tmp_path: Path) -> None:
    rows = read_cq_table(write(tmp_path, "sample,sample_type,target,copies_per_ul,n_partitions\ns,unkn,N1,3.5,20000\n"))
    assert (rows[0].cq, rows[0].copies_per_ul, rows[0].n_partitions) == (None, 3.5, 20000)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("sample,sample_type,target\ns,unkn,N1\n", "line 1"),
        ("sample,sample_type,target,cq\ns,patient,N1,30\n", "line 2, column sample_type"),
        ("sample,sample_type,target,cq\ns,unkn,N1,abc\n", "line 2, column cq"),
        ("sample,sample_type,target,cq\ns,unkn,N1,-3\n", "line 2, column cq"),
        ("sample,sample_type,target,cq\n,unkn,N1,30\n", "line 2, column sample"),
        ("sample,sample_type,target,cq,curve_call\ns,unkn,N1,30,yes\n", "line 2, column curve_call"),
    ],
)
def test_broken_cq_table(tmp_path: Path, text: str, place: str) -> None:
    with pytest.raises(FormatError) as err:
        read_cq_table(write(tmp_path, text))
    assert f"t.csv: {place}: expected" in str(err.value)



# The same three reactions as labs write them: (file bytes, file name)
LAB_WRITTEN = {
    "plain": b"sample,sample_type,target,cq\nS1,unkn,N1,25.5\nS1,unkn,N2,26\nNTC,ntc,N1,\n",
    "r_write_csv": b'"","sample","sample_type","target","cq"\n"1","S1","unkn","N1",25.5\n"2","S1","unkn","N2",26\n'
                   b'"3","NTC","ntc","N1",NA\n',
    "r_write_csv2": b'"";"sample";"sample_type";"target";"cq"\n"1";"S1";"unkn";"N1";25,5\n"2";"S1";"unkn";"N2";26\n'
                    b'"3";"NTC";"ntc";"N1";NA\n',
    "tsv": b"sample\tsample_type\ttarget\tcq\nS1\tunkn\tN1\t25.5\nS1\tunkn\tN2\t26\nNTC\tntc\tN1\t\n",
    "tsv_decimal_comma": b"sample\tsample_type\ttarget\tcq\nS1\tunkn\tN1\t25,5\nS1\tunkn\tN2\t26,0\nNTC\tntc\tN1\t\n",
    "semicolon_capitals": b"Sample;Sample_Type;Target;Cq\nS1;Unknown;N1;25,5\nS1;Unknown;N2;26,0\nNTC;NTC;N1;\n",
    "excel_bom_crlf": b"\xef\xbb\xbfSample Name,Sample Type,Target Name,Ct\r\nS1,Unknown,N1,25.5\r\n"
                      b"S1,Unknown,N2,26\r\nNTC,Negative Control,N1,Undetermined\r\n",
    "cp1252_blank_lines": b"\n\nSAMPLE,SAMPLE TYPE,TARGET,CQ,Comment\nS1,unkn,N1,25.5,\xb5l\nS1,unkn,N2,26,\n"
                          b"NTC,ntc,N1,,\n",
}


@pytest.mark.parametrize("name", sorted(LAB_WRITTEN))
def test_cq_tables_as_labs_write_them(tmp_path: Path, name: str) -> None:
    for file_name in ("t.csv", "t.csv.gz"):
        path = tmp_path / file_name
        data = LAB_WRITTEN[name]
        path.write_bytes(gzip.compress(data) if file_name.endswith(".gz") else data)
        assert {"sample", "sample_type", "target", "cq"} <= set(table_columns(path))
        rows = read_cq_table(path)
        assert [(r.sample, r.sample_type, r.target, r.cq) for r in rows] == [
            ("S1", "unkn", "N1", 25.5), ("S1", "unkn", "N2", 26.0), ("NTC", "ntc", "N1", None)]


def test_a_missing_column_names_the_columns_found(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as err:
        read_cq_table(write(tmp_path, "Sample;Kind;Target;Cq\nS1;unkn;N1;25,5\n"))
    assert "no column 'sample_type' (columns: sample, kind, target, cq)" in str(err.value)


def test_a_binary_file_has_no_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.bin"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert table_columns(path) == ()
