"""Look-ups in the official reference files (read in place from ../shared/data/regulatory)."""

from __future__ import annotations

import csv
import io

import pytest

from chipdx.cli import main
from chipdx.errors import FormatError
from chipdx.market.lookup import lookup
from tests.conftest import shared


def test_each_file_finds_its_known_row() -> None:
    folder = shared("regulatory")
    assert lookup("fda", "real time nucleic acid amplification", folder)[0].code == "OOI"
    fda = lookup("fda", "OOI", folder)[0]
    assert fda.extra["REGULATIONNUMBER"] == "862.2570" and fda.date.startswith("2019-07")
    assert any(h.code == "W0105041106" for h in lookup("emdn", "coronavirus na reagents", folder, limit=50))
    hs = lookup("hs", "diagnostic reagents", folder)
    assert hs[0].code.startswith("3822") and "ivd_note" in hs[0].extra
    mfds = lookup("mfds", "실시간유전자증폭장치", folder)[0]
    assert (mfds.code, mfds.extra["mfds_class"]) == ("N01030.01", "2")
    assert lookup("fda", "zzqx nothing", folder) == []


def test_missing_file_one_line(tmp_path: object) -> None:
    with pytest.raises(FormatError, match="expected a readable reference file"):
        lookup("emdn", "x", tmp_path)  # type: ignore[arg-type]


def test_cli_lookup(capsys: pytest.CaptureFixture[str]) -> None:
    folder = shared("regulatory")
    assert main(["market", "lookup", "mfds", "핵산추출시약", "--data", str(folder)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["code"] == "I03020.01" and rows[0]["file"] == "kr_mfds_ivd_items_classes.csv"
