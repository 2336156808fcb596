"""Market information from trade exports the tests write in the published layouts (UN Comtrade Plus and
legacy CSV, Korea Customs Service 품목별 국가별 수출입실적), and the contract checklist."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from chipdx.cli import main
from chipdx.errors import FormatError
from chipdx.market.contracts import contract_checklist
from chipdx.market.trade import trade_series
from chipdx.market.tradefiles import read_comtrade, read_kcs
from tests.conftest import TEST_DATA

#: The header of a Comtrade Plus "Get data" CSV download (47 columns).
PLUS_HEADER = ("typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,"
               "flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,classificationCode,"
               "classificationSearchCode,isOriginalClassification,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,"
               "customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,altQtyUnitCode,"
               "altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,isGrossWgtEstimated,"
               "cifvalue,fobvalue,primaryValue,legacyEstimationFlag,isReported,isAggregate")
LEGACY_HEADER = ("Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,Trade Flow,"
                 "Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,2nd Partner Code,2nd Partner,"
                 "2nd Partner ISO,Customs Proc. Code,Customs,Mode of Transport Code,Mode of Transport,Commodity Code,"
                 "Commodity,Qty Unit Code,Qty Unit,Qty,Alt Qty Unit Code,Alt Qty Unit,Alt Qty,Netweight (kg),"
                 "Gross weight (kg),Trade Value (US$),CIF Trade Value (US$),FOB Trade Value (US$),Flag")
NAMES = {"USA": (842, "USA"), "DEU": (276, "Germany"), "FRA": (251, "France"), "KOR": (410, "Rep. of Korea"),
         "JPN": (392, "Japan"), "W00": (0, "World")}


def plus_row(year: int, reporter: str, flow: str, partner: str, hs: str, value: float, month: int = 52) -> str:
    fields = dict.fromkeys(PLUS_HEADER.split(","), "")
    period = str(year) if month == 52 else f"{year}{month:02d}"
    fields.update(typeCode="C", freqCode="A" if month == 52 else "M", refPeriodId=f"{period}0101"[:8],
                  refYear=str(year),
                  refMonth=str(month), period=period, reporterCode=str(NAMES[reporter][0]), reporterISO=reporter,
                  reporterDesc=NAMES[reporter][1], flowCode=flow, flowDesc="Import" if flow == "M" else "Export",
                  partnerCode=str(NAMES[partner][0]), partnerISO=partner, partnerDesc=NAMES[partner][1],
                  classificationCode="H6", cmdCode=hs, cmdDesc="Diagnostic reagents", aggrLevel=str(len(hs)),
                  primaryValue=repr(value), isReported="True", isAggregate="False")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields.values())
    return buffer.getvalue()


def write(path: Path, header: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_text(header + "\n" + "".join(rows), encoding=encoding)
    return path


@pytest.fixture
def comtrade(tmp_path: Path) -> Path:
    years = ((2020, 1.0e9), (2021, 1.1e9), (2022, 1.21e9))
    rows = [plus_row(y, "USA", "M", "W00", "3822", v) for y, v in years]
    rows += [plus_row(y, "USA", "M", "W00", "382219", 9.9e9) for y in (2020, 2021, 2022)]  # sub-heading: not added
    rows += [plus_row(y, r, "M", "W00", "3822", v) for y in (2021, 2022) for r, v in (("DEU", 4e8), ("FRA", 1e8))]
    rows += [plus_row(2022, "USA", "M", "KOR", "3822", 2.0e7), plus_row(2022, "JPN", "M", "W00", "9027", 5e8)]
    return write(tmp_path / "TradeData_3822.csv", PLUS_HEADER, rows)


def kcs_file(tmp_path: Path, unit: str = "(달러)", encoding: str = "utf-8") -> Path:
    header = f"기간,국가명,국가코드,품목명,HS코드,수출중량,수출금액{unit},수입중량,수입금액{unit},무역수지"
    rows = ["2021,미국,US,진단용 시약,3822,1000,\"30,000\",10,5,29995\n",
            "2022,미국,US,진단용 시약,3822,1000,40000,0,0,40000\n",
            "2022,독일,DE,진단용 시약,3822,100,5000,0,0,5000\n", "2022,프랑스,FR,진단용 시약,3822,100,-,0,0,0\n",
            "총계,총계,,,3822,0,45000,0,0,45000\n"]
    return write(tmp_path / "kcs.csv", "품목별 국가별 수출입실적\n\n" + header, rows, encoding)


def test_plus_layout_imports_growth_and_no_double_counting(comtrade: Path) -> None:
    series = {(s.market, s.hs): s for s in trade_series(read_comtrade(comtrade), [])}
    us = series[("us", "3822")]
    assert [p.imports for p in us.points] == [1.0e9, 1.1e9, 1.21e9]
    assert us.points[0].yoy is None and us.points[1].yoy == pytest.approx(0.1)
    assert us.cagr == pytest.approx(0.10) and us.cagr_years == (2020, 2022)
    assert (us.points[-1].korea, us.points[-1].korea_source) == (2.0e7, "Comtrade mirror (market imports from Korea)")
    assert us.points[-1].share == pytest.approx(2.0e7 / 1.21e9)
    eu = series[("eu", "3822")]
    assert eu.reporters == ("DEU", "FRA") and [p.imports for p in eu.points] == [5e8, 5e8]
    assert ("jp", "9027") in series and ("jp", "3822") not in series


def test_kcs_exports_give_koreas_share(comtrade: Path, tmp_path: Path) -> None:
    flows = read_kcs(kcs_file(tmp_path, "(천불)", encoding="cp949"))
    assert len(flows) == 4 and flows[0].value_usd == 30_000_000  # thousands of dollars, CP949, total row left out
    series = {s.market: s for s in trade_series(read_comtrade(comtrade), flows, ("3822",), ("us", "eu"))}
    assert series["us"].points[-1].korea_source == "KCS exports"
    assert series["us"].points[-1].share == pytest.approx(40_000_000 / 1.21e9)
    assert series["eu"].points[-1].korea == 5_000_000  # Germany 5000 + France "-" (none), in thousands


def test_eu_reporter_is_used_alone_when_present(comtrade: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    rows = comtrade.read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    monkeypatch.setitem(NAMES, "EUR", (97, "European Union"))
    rows += [plus_row(y, "EUR", "M", "W00", "3822", 3e8).replace(",EUR,", ",E27,") for y in (2021, 2022)]
    series = {s.market: s for s in trade_series(read_comtrade(write(tmp_path / "eu.csv", PLUS_HEADER, rows)), [])}
    assert series["eu"].reporters == ("EUR",) and [p.imports for p in series["eu"].points] == [3e8, 3e8]


def test_legacy_layout(tmp_path: Path) -> None:
    tail = ",,,,,,,,3822,Reagents,1,,,,,,,,{},,,0\n"
    rows = ["HS,2019,2019,2019,4,1,1,Import,124,Canada,CAN,0,World,WLD" + tail.format(7000000),
            "HS,2020,2020,2020,4,1,1,Import,124,Canada,CAN,0,World,WLD" + tail.format(7700000),
            "HS,2020,2020,2020,4,1,2,Export,410,Rep. of Korea,KOR,124,Canada,CAN" + tail.format(770000)]
    series = trade_series(read_comtrade(write(tmp_path / "legacy.csv", LEGACY_HEADER, rows)), [])
    assert [(s.market, [p.imports for p in s.points]) for s in series] == [("ca", [7e6, 7.7e6])]
    assert series[0].points[-1].share == pytest.approx(0.1) and series[0].points[-1].korea_source.startswith(
        "Comtrade Korea exports")


def test_monthly_rows_sum_into_years_and_partial_years_are_marked(tmp_path: Path) -> None:
    rows = [plus_row(2023, "USA", "M", "W00", "9027", 1e6, m) for m in range(1, 13)]
    rows += [plus_row(2024, "USA", "M", "W00", "9027", 1e6, m) for m in range(1, 4)]
    points = trade_series(read_comtrade(write(tmp_path / "m.csv", PLUS_HEADER, rows)), [])[0].points
    assert [(p.year, p.imports, p.months, p.partial) for p in points] == [(2023, 12e6, 12, False),
                                                                         (2024, 3e6, 3, True)]
    assert points[1].yoy is None


@pytest.mark.parametrize(("text", "place"), [
    ("", "line 1: expected a UN Comtrade CSV header, found an empty file"),
    ("a,b,c\n1,2,3\n", "line 1: expected a UN Comtrade Plus header"),
    (PLUS_HEADER + "\nC,A,20220101\n", "line 2: expected 47 fields as in the header, found 3"),
    (PLUS_HEADER + "\n" + plus_row(2022, "USA", "M", "W00", "3822", 1.0).replace("1.0,", "lots,"),
     "line 2, column primaryValue: expected a number (US dollars), found 'lots'"),
    (PLUS_HEADER + "\n" + plus_row(2022, "USA", "M", "W00", "38x2", 1.0),
     "line 2, column cmdCode: expected an HS code of 2-10 digits, found '38x2'"),
])
def test_bad_comtrade_files_one_line(tmp_path: Path, text: str, place: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as error:
        read_comtrade(path)
    assert str(error.value).startswith(f"{path}: {place}") and "\n" not in str(error.value)


def test_bad_kcs_files_one_line(tmp_path: Path) -> None:
    path = kcs_file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("2022,독일", "2022년 13월,독일"), encoding="utf-8")
    with pytest.raises(FormatError, match=r"line 6, column 기간: expected a period YYYY, YYYY.MM or YYYY년 MM월, "
                                          r"found '2022년 13월'"):
        read_kcs(path)
    (tmp_path / "x.csv").write_text("year,country\n2020,US\n", encoding="utf-8")
    with pytest.raises(FormatError, match="header: expected a KCS header"):
        read_kcs(tmp_path / "x.csv")


def test_kcs_table_saved_as_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for line in kcs_file(tmp_path, "(천달러)").read_text(encoding="utf-8").splitlines():
        book.active.append(next(csv.reader([line])) if line else [])
    book.save(tmp_path / "kcs.xlsx")
    flows = read_kcs(tmp_path / "kcs.xlsx")
    got = [(f.partner, f.year, f.value_usd) for f in flows][:2]
    assert got == [("USA", 2021, 30_000_000), ("USA", 2022, 40_000_000)]


def test_kcs_api_element_names(tmp_path: Path) -> None:
    header = "year,statCdCntnKor1,statCd,statKor,hsCd,expWgt,expDlr,impWgt,impDlr,balPayments"
    path = write(tmp_path / "api.csv", header,
                 ["2016.01,미국,US,시약,382200,1,150822,1,93754113,-93603291\n"])
    flow = read_kcs(path)[0]
    assert (flow.partner, flow.year, flow.month, flow.hs, flow.value_usd) == ("USA", 2016, 1, "382200", 150822)


def test_cli_trade_outputs(comtrade: Path, tmp_path: Path) -> None:
    kcs = kcs_file(tmp_path)
    for name in ("trade.csv", "trade.json", "trade.html"):
        assert main(["market", "trade", "--comtrade", str(comtrade), "--kcs", str(kcs), "--hs", "3822",
                     "--markets", "us,eu", "-o", str(tmp_path / name)]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "trade.csv").read_text(encoding="utf-8"))))
    us = [r for r in rows if r["market"] == "us"]
    assert [r["year"] for r in us] == ["2020", "2021", "2022"] and us[-1]["korea_exports_usd"] == "40000"
    assert math.isclose(float(us[-1]["cagr"]), 0.1)
    records = json.loads((tmp_path / "trade.json").read_text(encoding="utf-8"))
    assert {r["market"] for r in records} == {"us", "eu"}
    page = (tmp_path / "trade.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "Korea&#x27;s share" in page and "<script" not in page


def test_cli_bad_file_exit_1_one_line_nothing_written(comtrade: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(PLUS_HEADER + "\n" + plus_row(2022, "USA", "M", "W00", "3822", 1.0).replace(",2022,", ",22,"),
                   encoding="utf-8")
    out = tmp_path / "trade.html"
    done = subprocess.run([sys.executable, "-m", "chipdx", "market", "trade", "--comtrade", str(comtrade), str(bad),
                           "-o", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "bad.csv: line 2, column refYear: expected a year YYYY, found '22'" in done.stderr
    assert not out.exists()


def test_contract_checklist_per_market(capsys: pytest.CaptureFixture[str]) -> None:
    items = contract_checklist(("eu", "au", "imdrf"))
    assert {i.market for i in items} == {"eu", "au"}
    eu = {i.id: i for i in items if i.market == "eu"}
    assert {"CT.eu.ar", "CT.eu.importer", "CT.eu.distributor", "CT.incoterms", "CT.termination"} <= set(eu)
    assert eu["CT.eu.importer"].ref.startswith("Art. 13") and eu["CT.eu.importer"].quoted
    assert "sponsor" in next(i.check for i in items if i.id == "CT.au.sponsor")
    assert main(["market", "contracts", "--markets", "jp"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["id"] == "CT.jp.mah" and all(r["version"] for r in rows)


def test_plan_html_holds_trade_and_contracts(comtrade: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    assert main(["market", "plan", str(TEST_DATA / "market" / "products" / "GT04.yaml"), "--markets", "eu,us",
                 "--trade", str(comtrade), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Market information" in page and "Distributor and contract checklist" in page
    assert "sole authorised representative" in page
    assert "IVDR" in page and "<svg" in page
    out_json = tmp_path / "plan.json"
    assert main(["market", "plan", str(TEST_DATA / "market" / "products" / "GT04.yaml"), "--markets", "us",
                 "-o", str(out_json)]) == 0
    record = json.loads(out_json.read_text(encoding="utf-8"))
    assert "trade" not in record and record["contracts"][0]["market"] == "us"
