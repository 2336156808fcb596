"""``chipdx dpcr analyze``: classify, count and quantify dPCR wells (SPEC §7 columns)."""

from __future__ import annotations

import argparse
import csv
import io as text_io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipdx import io
from chipdx.cli._common import EXIT_OK, emit, out, require_known, require_partitions
from chipdx.errors import FormatError
from chipdx.io import read_text
from chipdx.model import SampleType

if TYPE_CHECKING:  # the analysis (pandas, scipy) is imported when the command runs, not at start-up
    import pandas as pd

    from chipdx.analysis import dpcr

__all__ = ["ABUNDANCE_COLUMNS", "add_commands", "read_layout"]

_LAYOUT_REQUIRED = ("well", "target", "channel")
#: Columns ``--fractional-abundance`` adds after the SPEC §7 ones (per cent, 95 % interval).
ABUNDANCE_COLUMNS = ("fractional_abundance_pct", "fa_ci_low_pct", "fa_ci_high_pct")


def _float(value: str, default: float, file: str, line: int, name: str) -> float:
    if not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise FormatError(file, f"line {line}, column {name}", "a number", repr(value)) from None
    if not (math.isfinite(number) and number > 0):
        raise FormatError(file, f"line {line}, column {name}", "a number > 0", repr(value))
    return number


def read_layout(path: Path) -> list[dpcr.LayoutRow]:
    """Read a plate layout CSV (``well,sample,type,target,channel[,dilution,reaction_ul,reference]``)."""
    from chipdx.analysis import dpcr

    text = read_text(path)
    rows = list(csv.DictReader(text_io.StringIO(text)))
    header = [h.strip().lower() for h in (rows[0].keys() if rows else [])]
    missing = [c for c in _LAYOUT_REQUIRED if c not in header]
    if missing:
        raise FormatError(str(path), "line 1", "columns well, target, channel (sample, type, dilution optional)",
                          f"no column {missing[0]!r}")
    layout = []
    for line, raw in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            sample_type = SampleType(row.get("type") or "unkn")
        except ValueError:
            raise FormatError(str(path), f"line {line}, column type", "an RDML sample type (unkn, ntc, std, pos...)",
                              repr(row.get("type"))) from None
        layout.append(dpcr.LayoutRow(
            row["well"], row["target"], row["channel"], sample=row.get("sample") or None, sample_type=sample_type,
            dilution=_float(row.get("dilution", ""), 1.0, str(path), line, "dilution"),
            reaction_volume_ul=_float(row.get("reaction_ul", ""), 20.0, str(path), line, "reaction_ul"),
            reference=row.get("reference", "").lower() in {"1", "yes", "true", "y"}))
    return layout


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value!r}")
    return number


def _fraction(value: str) -> float:
    number = _positive(value) if value.strip() not in {"0", "0.0"} else 0.0
    if number >= 1:
        raise argparse.ArgumentTypeError(f"expected a coefficient of variation in [0, 1), got {value!r}")
    return number


def _threshold_pair(value: str) -> tuple[str, float]:
    name, _, number = value.rpartition("=")
    try:
        return name.strip(), float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes TARGET_OR_CHANNEL=VALUE, got {value!r}") from None


def _crosstalk_triple(value: str) -> tuple[str, str, float]:
    pair, _, number = value.rpartition("=")
    source, _, into = pair.partition(":")
    try:
        return source.strip(), into.strip(), float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes FROM:TO=FRACTION, got {value!r}") from None


def _abundance_pair(value: str) -> tuple[str, str]:
    target, _, reference = value.partition(":")
    if not target.strip() or not reference.strip():
        raise argparse.ArgumentTypeError(f"takes TARGET:REFERENCE (e.g. Mutant:WT), got {value!r}")
    return target.strip(), reference.strip()


def _with_abundance(frame: pd.DataFrame, pair: tuple[str, str], source: str) -> pd.DataFrame:
    """The table with the target's fractional abundance (% of target + reference copies) on the target's rows."""
    from chipdx.analysis import dpcr

    require_known("--fractional-abundance", pair, frame["target"], source)
    target, reference = pair
    fa = dpcr.fractional_abundance(frame, target=target, reference=reference)
    keys = [k for k in ("run", "well") if k in fa.columns]
    percent = fa[keys].assign(target=target, fractional_abundance_pct=100 * fa.fractional_abundance,
                              fa_ci_low_pct=100 * fa.fa_low, fa_ci_high_pct=100 * fa.fa_high)
    merged = frame.merge(percent, on=[*keys, "target"], how="left")
    merged.attrs = frame.attrs
    return merged


def _analyze(args: argparse.Namespace) -> int:
    import pandas as pd

    from chipdx.analysis import dpcr

    layout = read_layout(args.layout) if args.layout else None
    settings = dpcr.DpcrSettings(ci_method=args.ci, partition_volume_nl=args.partition_volume_nl,
                                 volume_cv=args.volume_cv, thresholds=tuple(args.threshold or ()),
                                 crosstalk=tuple(args.crosstalk or ()), spill=args.spill, rain=args.rain)
    datasets = [io.read(path) for path in args.inputs]
    for path, dataset in zip(args.inputs, datasets, strict=True):
        require_partitions(dataset, path)  # before any analysis: a qPCR file would give a header-only table
    several = len(args.inputs) > 1  # then a file column tells wells of different plates apart
    frames = []
    for path, dataset in zip(args.inputs, datasets, strict=True):
        frame = dpcr.analyze(dataset, layout=layout, settings=settings)
        require_known("--threshold", (name for name, _ in args.threshold or ()),
                      [*frame["target"], *frame["channel"]], str(path), kind="target or channel")
        if args.fractional_abundance:
            frame = _with_abundance(frame, args.fractional_abundance, str(path))
        frames.append(frame.assign(file=path.name) if several else frame)
    columns = [*dpcr.RESULT_COLUMNS, "file"] if several else list(dpcr.RESULT_COLUMNS)
    if args.fractional_abundance:
        columns += list(ABUNDANCE_COLUMNS)
    result = pd.concat(frames, ignore_index=True)[columns]
    emit(result.to_csv(index=False, float_format="%.6g", lineterminator="\n"), args.output)
    if args.output:
        out(f"wrote     {args.output} ({len(result)} rows)")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``dpcr analyze`` to the ``chipdx`` subparsers."""
    group = commands.add_parser("dpcr", help="digital PCR analysis")
    sub = group.add_subparsers(dest="dpcr_command", metavar="SUBCOMMAND", required=True)
    analyze = sub.add_parser("analyze", help="classify partitions and quantify every well x target")
    analyze.add_argument("inputs", nargs="+", type=Path, metavar="IN", help="run files or folders (QX, QIAcuity, ...)")
    analyze.add_argument("-o", "--output", type=Path, help="CSV to write (default: standard output)")
    analyze.add_argument("--partition-volume-nl", type=_positive, default=None,
                         help="partition volume in nL (default: from the file, else the platform default)")
    analyze.add_argument("--layout", type=Path, help="plate layout CSV (see docs/formats.md)")
    analyze.add_argument("--threshold", action="append", metavar="NAME=VALUE", type=_threshold_pair,
                         help="manual threshold for a target or channel (repeatable)")
    analyze.add_argument("--ci", choices=["wilson", "exact", "quantasoft"], default="wilson",
                         help="95%% interval method (default: %(default)s)")
    analyze.add_argument("--crosstalk", action="append", metavar="FROM:TO=FRACTION", type=_crosstalk_triple,
                         help="known linear spill between channels to subtract (repeatable)")
    analyze.add_argument("--spill", choices=["auto", "off"], default="auto",
                         help="without --crosstalk, estimate strong channel spill from the droplets (default: auto)")
    analyze.add_argument("--rain", choices=["posterior", "threshold", "positive"], default="posterior",
                         help="posterior (default): rain counted by its cross-well posterior; threshold: by the "
                              "threshold alone; positive: thresholds lowered to the negative-cloud edge")
    analyze.add_argument("--volume-cv", type=_fraction, default=0.0, help="partition-volume CV added to the interval")
    analyze.add_argument("--fractional-abundance", metavar="TARGET:REFERENCE", type=_abundance_pair,
                         help="add the target's share of target + reference copies in %% with its 95%% interval "
                              "(e.g. Mutant:WT; QuantaSoft's fractional abundance)")
    analyze.set_defaults(handler=_analyze)

