"""``chipdx market classify|plan``: IVD classes in 8 systems, and the plan, checklist and roadmap.

``chipdx market classify PROFILE.yaml [--markets eu,us,...|all] [--as-of DATE] [--json] [-o OUT.csv|OUT.json]``;
``chipdx market plan PROFILE.yaml [--evidence EVIDENCE.yaml] [--markets ...] [--priorities kr,eu,...]
[--as-of DATE] [--trade COMTRADE.csv... --kcs KCS.csv...] -o plan.html|plan.json|plan.csv``;
``market trade`` and ``market contracts``: see :mod:`chipdx.cli._market_trade`.

The market package is imported inside the handlers, so ``chipdx --help`` stays fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, csv_text, emit, out
from chipdx.cli._market_trade import add_trade_arguments
from chipdx.errors import UnsupportedError

__all__ = ["add_commands"]

MARKETS = ("eu", "us", "kr", "jp", "cn", "ca", "au", "imdrf")


def _markets(text: str) -> tuple[str, ...]:
    if text == "all":
        return MARKETS
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [m for m in chosen if m not in MARKETS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"expected all or a comma list of {','.join(MARKETS)}, found {text!r}")
    return chosen


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


def _classify(args: argparse.Namespace) -> int:
    from chipdx.market import classify_all, load_profile
    from chipdx.market.export import CSV_COLUMNS, record, row

    as_json = args.json or (args.output is not None and args.output.suffix.lower() == ".json")
    if args.output is not None and args.output.suffix.lower() not in {".csv", ".json"}:
        raise UnsupportedError(f"{args.output.name}: the output is .csv or .json")
    answers = classify_all(load_profile(args.profile), args.as_of or dt.date.today(), args.markets)
    if as_json:
        text = json.dumps([record(a) for a in answers], ensure_ascii=False, indent=2) + "\n"
    else:
        text = csv_text(CSV_COLUMNS, [row(a) for a in answers])
    emit(text, args.output)
    return EXIT_OK


PLAN_COLUMNS = ("product", "market", "class", "requirement", "what", "status", "evidence", "accepts", "source",
                "as_of")


def _plan(args: argparse.Namespace) -> int:
    from chipdx.cli._market_trade import CHIPDX_MARKETS, contracts_record, read_trade, trade_records
    from chipdx.market import load_profile
    from chipdx.market.contracts import contract_checklist, contracts_version
    from chipdx.market.evidence import load_inventory
    from chipdx.market.html import render_plan
    from chipdx.market.plan import plan, reuse
    from chipdx.market.roadmap import roadmap
    from chipdx.market.trade_html import contracts_section, trade_section

    suffix = args.output.suffix.lower()
    if suffix not in {".html", ".htm", ".json", ".csv"}:
        raise UnsupportedError(f"{args.output.name}: the plan is .html, .json or .csv")
    profile = load_profile(args.profile)
    inventory = load_inventory(args.evidence) if args.evidence is not None else None
    on = args.as_of or dt.date.today()
    series = read_trade(args.comtrade, args.kcs, args.hs, tuple(m for m in args.markets if m in CHIPDX_MARKETS)) \
        if args.comtrade or args.kcs else None
    plans = plan(profile, on, inventory, args.markets)
    steps = roadmap(plans, tuple(m for m in args.priorities if m in args.markets))
    served = reuse(plans)
    contracts = contract_checklist(args.markets)
    if suffix == ".csv":
        text = csv_text(PLAN_COLUMNS, [(profile.name, c.market, p.answer.klass or "", c.id, c.what, c.status,
                                        " ".join(c.evidence), " ".join(c.accepts), c.source, on.isoformat())
                                       for p in plans for c in p.checks])
    elif suffix == ".json":
        record = {**_plan_record(plans, steps, served), "contracts": contracts_record(contracts)}
        if series is not None:
            record["trade"] = trade_records(series)
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    else:
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        extra = {"Distributor and contract checklist": contracts_section(contracts, contracts_version()[0])}
        if series is not None:
            extra = {"Market information (your trade exports)": trade_section(series), **extra}
        text = render_plan(profile.name, on.isoformat(), plans, steps, served, f"generated {stamp} by chipdx", extra)
    emit(text, args.output)
    missing = sum(c.status != "held" for p in plans for c in p.checks)
    out(f"wrote     {args.output} ({len(plans)} markets, {missing} requirements missing or expired)")
    return EXIT_OK


def _plan_record(plans: Any, steps: Any, served: dict[str, list[str]]) -> dict[str, Any]:
    from chipdx.market.export import record

    return {
        "markets": [{**record(p.answer), "role": p.role, "languages": p.languages, "qms": p.qms,
                     "months": None if p.months is None else {"low": p.months.low, "high": p.months.high,
                                                              "source": p.months.source},
                     "fee": p.fee, "fee_source": p.fee_source, "standards": list(p.standards),
                     "checklist": [{"id": c.id, "what": c.what, "status": c.status, "evidence": list(c.evidence),
                                    "accepts": list(c.accepts), "source": c.source} for c in p.checks]}
                    for p in plans],
        "roadmap": [{"market": s.market, "after": list(s.after), "why": list(s.reasons), "start_p50": s.start_p50,
                     "finish_p50": s.finish_p50, "finish_p90": s.finish_p90} for s in steps],
        "reuse": served,
    }


def _eu_states(text: str) -> tuple[str, ...]:
    from chipdx.market.localise import EU_STATES

    if text == "all":
        return EU_STATES
    chosen = tuple(dict.fromkeys(part.strip().upper() for part in text.split(",") if part.strip()))
    if not chosen or any(code not in EU_STATES for code in chosen):
        raise argparse.ArgumentTypeError(f"expected all or a comma list of {','.join(EU_STATES)}, found {text!r}")
    return chosen


def _localise(args: argparse.Namespace) -> int:
    from chipdx.market import load_profile
    from chipdx.market.localise import localise

    profile = load_profile(args.profile)
    items = localise(args.markets, profile.user, args.eu_states)
    emit(csv_text(("product", "market", "topic", "requirement", "source"),
                  [(profile.name, i.market, i.topic, i.requirement, i.source) for i in items]), args.output)
    return EXIT_OK


def _lookup(args: argparse.Namespace) -> int:
    from chipdx.market.lookup import lookup

    if args.kind == "refresh":
        return _refresh(args)
    if args.path is not None:
        args.lookup_parser.error(f"unexpected argument {args.path} (only refresh takes a PATH)")
    hits = lookup(args.kind, args.query, args.data, args.limit, args.index_dir)
    rows = [(h.code, h.text[:300], "; ".join(f"{k}={v}" for k, v in h.extra.items()), h.file, h.date) for h in hits]
    emit(csv_text(("code", "text", "fields", "file", "file_date"), rows), args.output)
    return EXIT_OK


def _refresh(args: argparse.Namespace) -> int:
    from chipdx.market.refresh import REFRESHABLE, refresh

    if args.query not in REFRESHABLE or args.path is None:
        args.lookup_parser.error(f"refresh takes fda or emdn and a PATH, found {args.query!r} {args.path or ''}")
    info = refresh(args.query, args.path, args.date, args.index_dir)
    out(f"indexed   {info.file} as {info.kind}: {info.rows} rows, date {info.date}, sha256 {info.sha256[:16]}..., "
        f"index {info.path}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``market`` and its subcommands to the ``chipdx`` subparsers."""
    market = commands.add_parser("market", help="market entry: classify an IVD in 8 regulatory systems")
    sub = market.add_subparsers(dest="market_command", metavar="COMMAND", required=True)
    classify = sub.add_parser(
        "classify", help="class, route and the rule that fired in EU, US, KR, JP, CN, CA, AU and IMDRF",
        description="Classify the product profile (YAML, see docs/market.md) per market. Each answer names the "
                    "rules that decided it, their citations, the ruleset version and the date it holds for.")
    classify.add_argument("profile", type=Path, help="product profile (YAML)")
    classify.add_argument("--markets", type=_markets, default=MARKETS, metavar="LIST",
                          help=f"all (default) or a comma list of {','.join(MARKETS)}")
    classify.add_argument("--as-of", "--on", dest="as_of", type=_date, default=None, metavar="YYYY-MM-DD",
                          help="apply the rules in force on this date (default: today)")
    classify.add_argument("--json", action="store_true", help="JSON with every rule that fired, parts, questions")
    classify.add_argument("-o", "--output", type=Path, default=None, help="write OUT.csv or OUT.json atomically")
    classify.set_defaults(handler=_classify)
    plan = sub.add_parser(
        "plan", help="route, roles, standards, gap checklist against your evidence, roadmap (HTML, JSON or CSV)",
        description="Classify the profile, then lay out per market the route, local role, QMS, standards, "
                    "documents, durations and fees (ranges with source), check each requirement against the "
                    "evidence inventory (held / expired / missing) and order the markets into a roadmap.")
    plan.add_argument("profile", type=Path, help="product profile (YAML)")
    plan.add_argument("--evidence", type=Path, default=None, help="evidence inventory (YAML, see docs/market.md)")
    plan.add_argument("--markets", type=_markets, default=MARKETS[:-1], metavar="LIST",
                      help="all or a comma list (default: the 7 markets, without the imdrf baseline)")
    plan.add_argument("--priorities", type=_markets, default=(), metavar="LIST",
                      help="markets in the order you want them (dependencies still come first)")
    plan.add_argument("--as-of", "--on", dest="as_of", type=_date, default=None, metavar="YYYY-MM-DD",
                      help="apply the rules in force on this date (default: today)")
    plan.add_argument("-o", "--output", type=Path, required=True, help="plan.html, plan.json or plan.csv")
    add_trade_arguments(plan, required=False)
    plan.set_defaults(handler=_plan)
    localise = sub.add_parser("localise", help="label/IFU languages (EU per member state), symbols, units, UDI, "
                                               "local representative per market (CSV)")
    localise.add_argument("profile", type=Path, help="product profile (YAML); its user decides the EU languages")
    localise.add_argument("--markets", type=_markets, default=MARKETS[:-1], metavar="LIST",
                          help="all or a comma list (default: the 7 markets)")
    localise.add_argument("--eu-states", type=_eu_states, default="all", metavar="LIST",
                          help="all (default) or EU member-state codes, e.g. DE,FR,IT")
    localise.add_argument("-o", "--output", type=Path, default=None, help="write OUT.csv atomically")
    localise.set_defaults(handler=_localise)
    lookup = sub.add_parser(
        "lookup", help="search FDA product codes, EMDN W, HS 2022 or MFDS items by text (CSV); refresh fda|emdn PATH",
        description="chipdx market lookup fda|emdn|hs|mfds QUERY searches a reference file; chipdx market lookup "
                    "refresh fda|emdn PATH [--date YYYY-MM-DD] ingests a newer official file (FDA foiclass.txt, "
                    "EMDN CSV/TSV/XLSX), checks its layout and indexes it: later look-ups use and cite it.")
    lookup.add_argument("kind", choices=("fda", "emdn", "hs", "mfds", "refresh"), help="which reference file, "
                        "or refresh")
    lookup.add_argument("query", help="words that must all occur (prefix match), e.g. 'real time nucleic'; "
                        "after refresh: fda or emdn")
    lookup.add_argument("path", nargs="?", type=Path, default=None, help="refresh only: the newer official file")
    lookup.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="refresh only: the file's publication date (default: the file's modification date)")
    lookup.add_argument("--index-dir", type=Path, default=None, metavar="DIR",
                        help="where indexes are kept (default: $XDG_DATA_HOME/chipdx/lookup)")
    lookup.add_argument("--data", type=Path, default=Path("../shared/data/regulatory"),
                        help="folder holding the official files (default: ../shared/data/regulatory)")
    lookup.add_argument("--limit", type=int, default=10, help="at most this many hits (default 10)")
    lookup.add_argument("-o", "--output", type=Path, default=None, help="write OUT.csv atomically")
    lookup.set_defaults(handler=_lookup, lookup_parser=lookup)
    from chipdx.cli._dossier import add_dossier
    from chipdx.cli._market_trade import add_trade_commands

    add_dossier(sub, _date)
    add_trade_commands(sub, _markets, MARKETS[:-1])
