"""Readers of the user's own trade-statistics exports: UN Comtrade CSV and Korea Customs Service tables.

Trade statistics cannot be shipped (API keys and terms), so chipdx reads the files the user downloaded,
in their published column layouts (docs/market-trade.md):

* **UN Comtrade Plus** "Get data" CSV (comtradeplus.un.org, also the ``comtradeapicall`` CSV): header
  ``typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,
  flowDesc,partnerCode,partnerISO,partnerDesc,...,cmdCode,cmdDesc,...,primaryValue,...``; the columns used
  are ``refYear``, ``refMonth``/``period``, ``freqCode``, ``reporterISO``/``reporterCode``, ``flowCode``,
  ``partnerISO``/``partnerCode``, ``cmdCode`` and ``primaryValue`` (US dollars; CIF for imports).
* **UN Comtrade legacy** CSV (comtrade.un.org before 2023): ``Classification,Year,Period,Period Desc.,
  Aggregate Level,Is Leaf Code,Trade Flow Code,Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,
  Partner,Partner ISO,...,Commodity Code,Commodity,...,Trade Value (US$),...``.
* **Korea Customs Service** "품목별 국가별 수출입실적" (data.go.kr 15100475 and the 수출입무역통계 download):
  ``기간,국가명,국가코드,품목명,HS코드,수출중량,수출금액,수입중량,수입금액,무역수지`` (the Korean item names) or
  the API element names ``year,statCdCntnKor1,statCd,statKor,hsCd,expWgt,expDlr,impWgt,impDlr,balPayments``.
  Amounts are US dollars; a unit in the header, ``수출금액(천불)`` or ``(천달러)``, multiplies by 1000.
  The table may be CSV or the download saved as .xlsx (first worksheet).

Every reader returns :class:`Flow` records and refuses a bad file with one line naming the file, the
line, what was expected and what was found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chipdx.errors import FormatError, UnsafeInputError, quote
from chipdx.market.rules import package_yaml
from chipdx.market.xlsx import read_first_sheet

__all__ = ["MAX_BYTES", "Flow", "countries", "read_comtrade", "read_kcs", "world_iso"]

#: Larger exports are refused (a few HS codes for all reporters and years stay far below).
MAX_BYTES = 256 << 20
IMPORT, EXPORT = "M", "X"
WORLD = "WLD"

PLUS = {"year": "refYear", "reporter": "reporterISO", "reporter_code": "reporterCode", "flow": "flowCode",
        "partner": "partnerISO", "partner_code": "partnerCode", "hs": "cmdCode", "value": "primaryValue"}
LEGACY = {"year": "Year", "reporter": "Reporter ISO", "reporter_code": "Reporter Code", "flow": "Trade Flow Code",
          "partner": "Partner ISO", "partner_code": "Partner Code", "hs": "Commodity Code",
          "value": "Trade Value (US$)"}
LEGACY_FLOWS = {"1": IMPORT, "2": EXPORT, "3": "RX", "4": "RM"}
KCS_KO = {"period": ("기간",), "country": ("국가명", "국가"), "code": ("국가코드",),
          "hs": ("HS코드", "품목코드", "HS부호"), "exports": ("수출금액",)}
KCS_API = {"period": ("year",), "country": ("statCdCntnKor1",), "code": ("statCd",), "hs": ("hsCd",),
           "exports": ("expDlr",)}
THOUSANDS = ("천불", "천달러", "천$", "천 달러", "1000")


@dataclass(frozen=True)
class Flow:
    """One trade figure: *reporter* -> *flow* (M import, X export) with *partner*, one HS code, one period."""

    source: str
    file: str
    line: int
    reporter: str
    partner: str
    flow: str
    hs: str
    year: int
    month: int | None
    value_usd: float


def countries() -> Mapping[str, Any]:
    """The country table (``rules/trade_countries.yaml``)."""
    return package_yaml("trade_countries.yaml")


@cache
def _by_code() -> dict[str, str]:
    table = countries()
    codes = {str(c): iso3 for iso3, row in table["countries"].items() for c in row["code"]}
    codes.update({str(c): WORLD for c in table["world"]["code"]})
    codes.update({str(c): table["eu_aggregate"]["iso3"] for c in table["eu_aggregate"]["code"]})
    return codes


@cache
def _by_name() -> dict[str, str]:
    table = countries()
    names = {name.replace(" ", ""): iso3 for iso3, row in table["countries"].items() for name in row["ko"]}
    names.update({iso3: iso3 for iso3 in table["countries"]})
    names.update({row["iso2"]: iso3 for iso3, row in table["countries"].items()})
    return names


def world_iso() -> frozenset[str]:
    """Codes that mean "all partners" (Comtrade Plus ``W00``, legacy ``WLD``)."""
    return frozenset(countries()["world"]["iso"])


def _text(path: Path) -> str:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnsafeInputError(name, "", f"a trade export of at most {MAX_BYTES >> 20} MiB", f"{size} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(name, "", "a readable file", exc.strerror or type(exc).__name__) from None
    if b"\x00" in data[:4096]:
        raise FormatError(name, "line 1", "a CSV text file", "binary data (export the table as CSV)")
    for encoding in ("utf-8-sig", "cp949"):  # KCS downloads are often CP949 (EUC-KR)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FormatError(name, "", "UTF-8 or CP949 text", "undecodable bytes")


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        if any(f.strip() for f in fields):
            yield reader.line_num, [f.strip() for f in fields]


def _sheet_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows of the first worksheet (a KCS table saved as .xlsx), numbered as in the sheet."""
    for number, row in enumerate(read_first_sheet(path), start=1):
        if any(cell.strip() for cell in row):
            yield number, [cell.strip() for cell in row]


def _number(text: str, file: str, line: int, column: str, *, blank_is_zero: bool = False) -> float:
    cleaned = text.replace(",", "").replace(" ", "")
    if blank_is_zero and cleaned in {"", "-"}:
        return 0.0
    try:
        value = float(cleaned)
    except ValueError:
        raise FormatError(file, f"line {line}, column {column}", "a number (US dollars)", quote(text)) from None
    if value != value or value in {float("inf"), float("-inf")}:
        raise FormatError(file, f"line {line}, column {column}", "a finite number", quote(text))
    return value


def read_comtrade(path: Path) -> list[Flow]:
    """The rows of a UN Comtrade CSV export (Plus or legacy layout)."""
    file = str(path)
    rows = _rows(_text(path))
    first = next(rows, None)
    if first is None:
        raise FormatError(file, "line 1", "a UN Comtrade CSV header", "an empty file")
    _, header = first
    header[0] = header[0].lstrip("\ufeff")
    layout = PLUS if {"refYear", "flowCode", "cmdCode", "primaryValue"} <= set(header) else \
        LEGACY if {"Year", "Trade Flow Code", "Commodity Code", "Trade Value (US$)"} <= set(header) else None
    if layout is None:
        raise FormatError(file, "line 1", "a UN Comtrade Plus header (refYear, flowCode, cmdCode, primaryValue, "
                          "...) or the legacy one (Year, Trade Flow Code, Commodity Code, Trade Value (US$), ...)",
                          quote(",".join(header[:6])))
    index = {name: i for i, name in enumerate(header)}
    for key in ("reporter", "partner"):
        if layout[key] not in index and layout[f"{key}_code"] not in index:
            raise FormatError(file, "line 1", f"a column {layout[key]} or {layout[f'{key}_code']}",
                              quote(",".join(header[:6])))
    monthly = _monthly_columns(header, layout is PLUS)
    source = "comtrade" if layout is PLUS else "comtrade-legacy"
    return [_comtrade_row(fields, line, file, header, index, layout, monthly, source) for line, fields in rows]


def _monthly_columns(header: list[str], plus: bool) -> tuple[str, str]:
    return ("freqCode", "refMonth") if plus else ("", "Period")


def _comtrade_row(fields: list[str], line: int, file: str, header: list[str], index: dict[str, int],
                  layout: dict[str, str], monthly: tuple[str, str], source: str) -> Flow:
    if len(fields) != len(header):
        raise FormatError(file, f"line {line}", f"{len(header)} fields as in the header", f"{len(fields)} fields")

    def get(column: str) -> str:
        return fields[index[column]] if column in index else ""

    year_text = get(layout["year"])
    if not re.fullmatch(r"(19|20)\d\d", year_text):
        raise FormatError(file, f"line {line}, column {layout['year']}", "a year YYYY", quote(year_text))
    month = _comtrade_month(get(monthly[0]), get(monthly[1]), year_text, file, line, monthly[1])
    flow = get(layout["flow"])
    flow = LEGACY_FLOWS.get(flow, flow) if layout is LEGACY else flow
    if not flow:
        raise FormatError(file, f"line {line}, column {layout['flow']}", "a trade-flow code (M, X, ...)", "nothing")
    hs = get(layout["hs"])
    if not re.fullmatch(r"\d{2,10}|TOTAL", hs):
        raise FormatError(file, f"line {line}, column {layout['hs']}", "an HS code of 2-10 digits", quote(hs))
    return Flow(source, file, line, _country(get(layout["reporter"]), get(layout["reporter_code"])),
                _country(get(layout["partner"]), get(layout["partner_code"])), flow, hs, int(year_text), month,
                _number(get(layout["value"]), file, line, layout["value"]))


def _comtrade_month(freq: str, month: str, year: str, file: str, line: int, column: str) -> int | None:
    if freq == "A" or not month or month in {"52", "99", year}:
        return None
    digits = month[4:] if len(month) == 6 and month.startswith(year) else month
    if not digits.isdigit() or not 1 <= int(digits) <= 12:
        raise FormatError(file, f"line {line}, column {column}", "a month 1-12 (or YYYYMM)", quote(month))
    return int(digits)


def _country(iso: str, code: str) -> str:
    """ISO3 of a Comtrade reporter or partner: the ISO column when given, else the numeric code."""
    table = countries()
    number = int(code) if code.isdigit() else None
    if iso in world_iso() or number in table["world"]["code"]:
        return WORLD
    if iso in table["eu_aggregate"]["iso"] or number in table["eu_aggregate"]["code"]:
        return str(table["eu_aggregate"]["iso3"])
    if iso:
        return iso.upper()
    return _by_code().get(code.lstrip("0") or "0", f"M49:{code}")


def read_kcs(path: Path) -> list[Flow]:
    """Korean exports by partner country from a Korea Customs Service "품목별 국가별 수출입실적" table."""
    file = str(path)
    rows = _sheet_rows(path) if path.suffix.lower() == ".xlsx" else _rows(_text(path))
    header: list[str] = []
    layout = None
    for line, header in rows:  # a title line or two may come before the header
        layout = _kcs_layout(header)
        if layout is not None or line >= 20:
            break
    if layout is None:
        raise FormatError(file, "header", "a KCS header with 기간, 국가명 (or 국가코드), HS코드 and 수출금액 "
                          "(or the API names year, statCdCntnKor1, hsCd, expDlr)", "none in the first 20 lines")
    columns, scale, value_column = layout
    flows = []
    for line, fields in rows:
        flow = _kcs_row(fields, line, file, header, columns, scale, value_column)
        if flow is not None:
            flows.append(flow)
    return flows


def _kcs_layout(header: list[str]) -> tuple[dict[str, int], float, str] | None:
    for names in (KCS_KO, KCS_API):
        columns: dict[str, int] = {}
        for key, options in names.items():
            for i, cell in enumerate(header):
                bare = re.sub(r"\s*\(.*\)\s*$", "", cell)
                if bare in options and key not in columns:
                    columns[key] = i
        if {"period", "hs", "exports"} <= set(columns) and ({"country", "code"} & set(columns)):
            value_column = header[columns["exports"]]
            scale = 1000.0 if any(unit in value_column for unit in THOUSANDS) else 1.0
            return columns, scale, value_column
    return None


def _kcs_row(fields: list[str], line: int, file: str, header: list[str], columns: dict[str, int], scale: float,
             value_column: str) -> Flow | None:
    if len(fields) != len(header):
        raise FormatError(file, f"line {line}", f"{len(header)} fields as in the header", f"{len(fields)} fields")
    name = fields[columns["country"]] if "country" in columns else ""
    code = fields[columns["code"]] if "code" in columns else ""
    period = fields[columns["period"]]
    if name.replace(" ", "") in countries()["world"]["ko"] or period in {"총계", "합계", "계"}:
        return None  # the table's total rows
    year, month = _kcs_period(period, file, line, header[columns["period"]])
    hs = fields[columns["hs"]].replace(".", "").replace("-", "")
    if not re.fullmatch(r"\d{2,10}", hs):
        raise FormatError(file, f"line {line}, column {header[columns['hs']]}", "an HS code of 2-10 digits",
                          quote(fields[columns["hs"]]))
    partner = _by_name().get(code.upper()) or _by_name().get(name.replace(" ", "")) or f"?{code or name}"
    value = _number(fields[columns["exports"]], file, line, value_column, blank_is_zero=True) * scale
    return Flow("kcs", file, line, "KOR", partner, EXPORT, hs, year, month, value)


def _kcs_period(text: str, file: str, line: int, column: str) -> tuple[int, int | None]:
    match = re.fullmatch(r"((?:19|20)\d\d)\s*(?:년)?\s*(?:[.\-/]?\s*(\d{1,2})\s*(?:월)?)?", text)
    if match is None or (match.group(2) is not None and not 1 <= int(match.group(2)) <= 12):
        raise FormatError(file, f"line {line}, column {column}", "a period YYYY, YYYY.MM or YYYY년 MM월",
                          quote(text))
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None
