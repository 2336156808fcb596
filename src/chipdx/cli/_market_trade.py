"""``chipdx market trade`` and ``chipdx market contracts``: market information from the user's own trade
exports, and the distributor / contract-term checklist per market.

``chipdx market trade --comtrade FILE... [--kcs FILE...] [--hs 3822,9027] [--markets eu,us,...]
-o trade.html|trade.csv|trade.json``; ``chipdx market contracts [--markets ...] [-o OUT.csv|OUT.json]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, csv_text, emit, out
from chipdx.errors import UnsupportedError

__all__ = ["add_trade_commands", "contracts_record", "read_trade", "trade_markets", "trade_records"]

TRADE_COLUMNS = ("market", "hs", "year", "months", "imports_usd", "yoy", "korea_exports_usd", "korea_share",
                 "korea_source", "reporters", "cagr", "cagr_years", "files")
CONTRACT_COLUMNS = ("market", "id", "topic", "check", "source", "ref", "basis", "basis_is_quote", "verify", "version")
CHIPDX_MARKETS = ("eu", "us", "jp", "cn", "ca", "au")


def trade_markets(text: str) -> tuple[str, ...]:
    """``--markets`` of the trade view: chipdx codes (eu, us, jp, cn, ca, au) or ISO 3166 alpha-3 codes."""
    chosen = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    if not chosen or any(m not in CHIPDX_MARKETS and not re.fullmatch(r"[A-Z]{3}", m) for m in chosen):
        raise argparse.ArgumentTypeError(f"expected a comma list of {','.join(CHIPDX_MARKETS)} or ISO3 codes "
                                         f"(e.g. VNM), found {text!r}")
    return chosen


def _hs(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(p.strip().replace(".", "") for p in text.split(",") if p.strip()))
    if not chosen or any(not re.fullmatch(r"\d{2,10}", c) for c in chosen):
        raise argparse.ArgumentTypeError(f"expected a comma list of HS codes (2-10 digits), found {text!r}")
    return chosen


def read_trade(comtrade: list[Path], kcs: list[Path], hs: tuple[str, ...], markets: tuple[str, ...] | None) -> Any:
    """Read every file (all are checked before anything is written) and build the series."""
    from chipdx.market.trade import trade_series
    from chipdx.market.tradefiles import read_comtrade, read_kcs

    flows = [f for path in comtrade for f in read_comtrade(path)]
    korean = [f for path in kcs for f in read_kcs(path)]
    return trade_series(flows, korean, hs, markets)


def trade_records(series: Any) -> list[dict[str, Any]]:
    """The series as JSON-ready records."""
    return [{"market": s.market, "hs": s.hs, "reporters": list(s.reporters), "cagr": s.cagr,
             "cagr_years": list(s.cagr_years) if s.cagr_years else None, "files": list(s.files),
             "years": [{"year": p.year, "months": p.months, "imports_usd": p.imports, "yoy": p.yoy,
                        "korea_exports_usd": p.korea, "korea_share": p.share, "korea_source": p.korea_source}
                       for p in s.points]} for s in series]


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _trade(args: argparse.Namespace) -> int:
    suffix = args.output.suffix.lower()
    if suffix not in {".html", ".htm", ".csv", ".json"}:
        raise UnsupportedError(f"{args.output.name}: the trade view is .html, .csv or .json")
    series = read_trade(args.comtrade, args.kcs, args.hs, args.markets)
    if suffix == ".csv":
        text = csv_text(TRADE_COLUMNS, [
            (s.market, s.hs, p.year, p.months, _cell(p.imports), _cell(p.yoy), _cell(p.korea), _cell(p.share),
             p.korea_source, " ".join(s.reporters), _cell(s.cagr),
             "" if s.cagr_years is None else f"{s.cagr_years[0]}-{s.cagr_years[1]}", " ".join(s.files))
            for s in series for p in s.points])
    elif suffix == ".json":
        text = json.dumps(trade_records(series), ensure_ascii=False, indent=2) + "\n"
    else:
        from chipdx.market.trade_html import render_trade

        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        text = render_trade(series, f"generated {stamp} by chipdx")
    emit(text, args.output)
    out(f"wrote     {args.output} ({len(series)} market-heading series)")
    return EXIT_OK


def contracts_record(items: Any) -> list[dict[str, Any]]:
    """The contract checklist as JSON-ready records."""
    from chipdx.market.contracts import contracts_version

    version = contracts_version()[0]
    return [{"market": i.market, "id": i.id, "topic": i.topic, "check": i.check, "source": i.source, "ref": i.ref,
             "basis": i.basis, "basis_is_quote": i.quoted, "verify": i.verify, "version": version} for i in items]


def _contracts(args: argparse.Namespace) -> int:
    from chipdx.market.contracts import contract_checklist

    if args.output is not None and args.output.suffix.lower() not in {".csv", ".json"}:
        raise UnsupportedError(f"{args.output.name}: the checklist is .csv or .json")
    records = contracts_record(contract_checklist(args.markets))
    if args.output is not None and args.output.suffix.lower() == ".json":
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    else:
        text = csv_text(CONTRACT_COLUMNS, [tuple(str(r[c]).lower() if isinstance(r[c], bool) else r[c]
                                                 for c in CONTRACT_COLUMNS) for r in records])
    emit(text, args.output)
    return EXIT_OK


def add_trade_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    """``--comtrade``, ``--kcs`` and ``--hs`` (shared by ``market trade`` and ``market plan``)."""
    parser.add_argument("--comtrade", "--trade", dest="comtrade", type=Path, nargs="+", required=required,
                        default=[], metavar="FILE", help="UN Comtrade CSV exports (Comtrade Plus or legacy layout)")
    parser.add_argument("--kcs", type=Path, nargs="+", default=[], metavar="FILE",
                        help="Korea Customs Service 품목별 국가별 수출입실적 tables (CSV): Korean exports by country")
    parser.add_argument("--hs", type=_hs, default=("3822", "9027"), metavar="LIST",
                        help="HS headings (default 3822,9027)")


def add_trade_commands(sub: Any, markets: Any, default_markets: tuple[str, ...]) -> None:
    """Add ``trade`` and ``contracts`` to the ``chipdx market`` subparsers."""
    trade = sub.add_parser(
        "trade", help="HS 3822/9027 imports per market over the years, growth and Korea's share (HTML, CSV, JSON)",
        description="Read your own UN Comtrade and Korea Customs Service exports (docs/market-trade.md) and show "
                    "per market the import value per HS heading by year, year-on-year growth, CAGR and "
                    "Korea's share (Korean exports to the market / the market's imports).")
    add_trade_arguments(trade, required=True)
    trade.add_argument("--markets", type=trade_markets, default=None, metavar="LIST",
                       help="chipdx codes eu,us,jp,cn,ca,au and/or ISO3 codes (default: every reporter in the files)")
    trade.add_argument("-o", "--output", type=Path, required=True, help="trade.html, trade.csv or trade.json")
    trade.set_defaults(handler=_trade)
    contracts = sub.add_parser(
        "contracts", help="distributor and contract-term checklist per market (Incoterms, exclusivity, territory, "
                          "registration holder, vigilance, termination, language)")
    contracts.add_argument("--markets", type=markets, default=default_markets, metavar="LIST",
                           help="all or a comma list (default: the 7 markets)")
    contracts.add_argument("-o", "--output", type=Path, default=None, help="write OUT.csv or OUT.json atomically")
    contracts.set_defaults(handler=_contracts)
