"""``lookup refresh``: newer FDA and EMDN files ingested from a local path, validated, dated and indexed;
look-ups then use and cite them; the stored files are indexed once, keyed by their SHA-256."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chipdx.cli import main
from chipdx.errors import FormatError, UnsafeInputError
from chipdx.market import lookup_index
from chipdx.market.lookup import lookup, source_of
from chipdx.market.refresh import read_emdn, read_foiclass, refresh
from tests.conftest import shared

FOI_HEADER = ("REVIEW_PANEL|MEDICALSPECIALTY|PRODUCTCODE|DEVICENAME|DEVICECLASS|UNCLASSIFIED_REASON|GMPEXEMPTFLAG|"
              "THIRDPARTYFLAG|REVIEWCODE|REGULATIONNUMBER|SUBMISSION_TYPE_ID|DEFINITION|PHYSICALSTATE|"
              "TECHNICALMETHOD|TARGETAREA|Implant_Flag|Life_Sustain_support_flag|SummaryMalfunctionReporting")


def foi_row(code: str, name: str, klass: str, regulation: str, definition: str = "") -> str:
    return f"MI|MI|{code}|{name}|{klass}||N|N||{regulation}|2|{definition}|||||N|N|Eligible"


def foiclass(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "foiclass.txt"
    path.write_bytes(("\r\n".join((FOI_HEADER, *rows)) + "\r\n").encode("latin-1"))  # as FDA publishes it
    return path


def emdn_tsv(tmp_path: Path) -> Path:
    path = tmp_path / "EMDN.tsv"
    path.write_text("EMDN V3\t\t\t\t\t\n"
                    "CATEGORY \tCATEGORY DESCRIPTION\tCODE\tTERM\tLEVEL \tTERMINAL LEVEL YES/NO \n"
                    "A\tDEVICES FOR ADMINISTRATION\tA\tDEVICES FOR ADMINISTRATION\t1\tNO\n"
                    "W\tIVD\tW0105041106\tCORONAVIRUS - NA REAGENTS\t6\tYES\n"
                    "W\tIVD\tW0105041199\tCORONAVIRUS - NEW SUBTYPE NA REAGENTS\t6\tYES\n", encoding="utf-8")
    return path


def test_refreshed_fda_file_is_used_and_cited(tmp_path: Path) -> None:
    path = foiclass(tmp_path, foi_row("QOF", "Multi-target respiratory virus nucleic acid panel", "2", "866.3981",
                                      "Identifies SARS-CoV-2 and influenza \"A\" and B; café"),
                    foi_row("OOI", "Real Time Nucleic Acid Amplification System", "2", "862.2570"))
    assert [e[0] for e in read_foiclass(path)] == ["QOF", "OOI"]
    info = refresh("fda", path, dt.date(2026, 11, 30))
    assert (info.rows, info.date, info.file) == (2, "2026-11-30", "foiclass.txt")
    hits = lookup("fda", "respiratory nucleic", shared("regulatory"))
    assert [h.code for h in hits] == ["QOF"] and hits[0].extra["REGULATIONNUMBER"] == "866.3981"
    assert (hits[0].file, hits[0].date) == ("foiclass.txt", "2026-11-30")
    assert lookup("fda", "caf", shared("regulatory"))[0].code == "QOF"  # Latin-1 decoded
    assert lookup("hs", "diagnostic reagents", shared("regulatory"))[0].file == "hs2022_harmonized_system.csv"


def test_refresh_records_the_file_date_without_date(tmp_path: Path) -> None:
    path = foiclass(tmp_path, foi_row("OOI", "Real Time Nucleic Acid Amplification System", "2", "862.2570"))
    stamp = dt.datetime(2026, 10, 2, 12, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    assert refresh("fda", path).date == "2026-10-02 (file date)"


@pytest.mark.parametrize("suffix", [".tsv", ".csv", ".xlsx"])
def test_refreshed_emdn_in_each_published_form(tmp_path: Path, suffix: str) -> None:
    tsv = emdn_tsv(tmp_path)
    rows = [line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()]
    if suffix == ".csv":
        path = tmp_path / "EMDN.csv"
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    elif suffix == ".xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append([int(c) if c.isdigit() else c for c in row])
        path = tmp_path / "EMDN.xlsx"
        book.save(path)
    else:
        path = tsv
    entries = read_emdn(path)
    assert [e[0] for e in entries] == ["W0105041106", "W0105041199"]  # category W only
    refresh("emdn", path, dt.date(2026, 9, 1), tmp_path / "index")
    hit = lookup("emdn", "new subtype", shared("regulatory"), index_folder=tmp_path / "index")[0]
    assert (hit.code, hit.file, hit.date, hit.extra["level"]) == ("W0105041199", path.name, "2026-09-01", "6")


@pytest.mark.parametrize(("text", "message"), [
    ("CODE|NAME\nABC|x\n", "line 1: expected the foiclass.txt header"),
    (FOI_HEADER + "\n" + foi_row("Q0F", "x", "2", "866.1"), "line 2, column PRODUCTCODE: expected a three-letter "
                                                             "product code, found 'Q0F'"),
    (FOI_HEADER + "\n" + foi_row("QOF", "x", "7", "866.1"), "line 2, column DEVICECLASS: expected 1, 2, 3, U, N "
                                                             "or F, found '7'"),
    (FOI_HEADER + "\nMI|MI|QOF", "line 2: expected 18 '|'-separated fields, found 3"),
])
def test_bad_fda_files_one_line_and_the_index_untouched(tmp_path: Path, text: str, message: str) -> None:
    good = foiclass(tmp_path, foi_row("OOI", "Real Time", "2", "862.2570"))
    refresh("fda", good, dt.date(2026, 1, 1))
    bad = tmp_path / "bad.txt"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        refresh("fda", bad)
    assert f"bad.txt: {message}" in str(error.value) and "\n" not in str(error.value)
    assert lookup("fda", "real", shared("regulatory"))[0].date == "2026-01-01"


def test_bad_emdn_files(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("code,term\nW01,REAGENTS\n", encoding="utf-8")
    with pytest.raises(FormatError, match="header: expected EMDN columns CODE, TERM, LEVEL"):
        read_emdn(path)
    path.write_text("code,term,level,terminal\nW01,REAGENTS,two,NO\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2, column LEVEL: expected a level number, found 'two'"):
        read_emdn(path)
    path.write_text("code,term,level,terminal\nA01,NEEDLES,2,NO\n", encoding="utf-8")
    with pytest.raises(FormatError, match="expected category W"):
        read_emdn(path)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w") as book:
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>')
    with pytest.raises(UnsafeInputError, match="expected XML without a DTD"):
        read_emdn(bomb)


def test_stored_file_indexed_once_keyed_by_its_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kr_mfds_ivd_items_classes.csv").write_text(
        "item_code,item_name_ko,english_name_and_definition_raw,mfds_class,group_name\n"
        "N01030.01,실시간유전자증폭장치,Real-time PCR instrument,2,기기\n", encoding="utf-8")
    built = []
    real = lookup_index.build_index
    monkeypatch.setattr("chipdx.market.lookup.build_index", lambda *a, **k: built.append(a[1]) or real(*a, **k))
    assert lookup("mfds", "real time", folder)[0].code == "N01030.01"
    assert lookup("mfds", "실시간유전자증폭장치", folder)[0].code == "N01030.01"
    assert built == ["mfds"]
    path, file, _, digest = source_of("mfds", folder.resolve())
    assert path is not None and path.name == f"mfds-{digest[:16]}.sqlite" and file == "kr_mfds_ivd_items_classes.csv"
    (folder / "kr_mfds_ivd_items_classes.csv").write_text(
        "item_code,item_name_ko,english_name_and_definition_raw,mfds_class,group_name\n"
        "N01030.02,디지털유전자증폭장치,Digital PCR instrument,2,기기\n", encoding="utf-8")
    assert lookup("mfds", "digital", folder)[0].code == "N01030.02" and built == ["mfds", "mfds"]


def test_unwritable_data_dir_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    hits = lookup("mfds", "핵산추출시약", shared("regulatory"), index_folder=blocker / "sub")
    assert hits[0].code == "I03020.01"


def test_cli_refresh_then_lookup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = foiclass(tmp_path, foi_row("QOF", "Multi-target respiratory panel", "2", "866.3981"))
    index = tmp_path / "idx"
    assert main(["market", "lookup", "refresh", "fda", str(path), "--date", "2026-11-30",
                 "--index-dir", str(index)]) == 0
    assert "1 rows" in capsys.readouterr().out
    assert main(["market", "lookup", "fda", "respiratory", "--data", str(shared("regulatory")),
                 "--index-dir", str(index)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (rows[0]["code"], rows[0]["file"], rows[0]["file_date"]) == ("QOF", "foiclass.txt", "2026-11-30")


def test_cli_refresh_bad_file_exit_1_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "foiclass.txt"
    bad.write_text("nothing here\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "chipdx", "market", "lookup", "refresh", "fda", str(bad),
                           "--index-dir", str(tmp_path / "idx")], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "expected the foiclass.txt header" in done.stderr
    assert not (tmp_path / "idx" / "fda.sqlite").exists()
    usage = subprocess.run([sys.executable, "-m", "chipdx", "market", "lookup", "refresh", "hs", str(bad)],
                           capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "refresh takes fda or emdn" in usage.stderr
