"""``chipdx market classify PROFILE.yaml [--markets eu,us,...|all] [--as-of DATE] [--json] [-o OUT.csv|OUT.json]``.

The market package is imported inside the handlers, so ``chipdx --help`` stays fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from chipdx.cli._common import EXIT_OK, csv_text, emit
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
