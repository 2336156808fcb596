"""Foundation commands: ``info``, ``validate`` and ``convert``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chipdx import io
from chipdx.analysis import Finding, RunSummary, Severity, check_dataset, summarise
from chipdx.cli._common import EXIT_OK, fail, out
from chipdx.model import Dataset

__all__ = ["add_commands", "format_summary"]


def format_summary(dataset: Dataset, summaries: Sequence[RunSummary]) -> list[str]:
    p = dataset.provenance
    lines = []
    if p is not None:
        lines += [f"file      {p.source}", f"format    {p.format} {p.format_version}".rstrip(),
                  f"sha256    {p.sha256}"]
        if p.simulated:
            lines.append("origin    simulated data, not a measurement")
    lines.append(f"runs      {len(summaries)}   samples {len(dataset.samples)}   targets "
                 f"{len(dataset.targets)}   dyes {len(dataset.dyes)}")
    for s in summaries:
        cycles = f"{s.n_cycles} cycles ({s.first_cycle:g}-{s.last_cycle:g})" if s.n_cycles else "no cycles"
        lines.append(f"run {s.run_id!r} (experiment {s.experiment_id!r}): {s.plate} plate, "
                     f"{s.n_reactions} reactions in {s.n_wells} wells, {cycles}, {s.n_melt_curves} melt curves")
        if s.n_partition_wells:
            lines.append(f"  dPCR      {s.n_partition_wells} wells, {s.n_partitions} partitions with amplitudes")
        lines.append("  targets   " + ", ".join(f"{t} ({dye})" for t, dye in s.targets))
        lines.append("  samples   " + ", ".join(f"{kind} {count}" for kind, count in s.reactions_by_sample_type))
        lines.append("  reported  " + _reported(s))
    return lines


def _reported(s: RunSummary) -> str:
    """The instrument's own results in one line: Cq count and range, thresholds, baseline window."""
    parts = [f"{s.n_reported_cq} Cq values in the file"]
    if s.reported_cq_range is not None:
        parts[0] += f" ({s.reported_cq_range[0]:.2f}-{s.reported_cq_range[1]:.2f})"
    if s.reported_thresholds:
        parts.append("threshold " + ", ".join(f"{target} {low:.4g}" + (f"-{high:.4g}" if high != low else "")
                                              for target, low, high in s.reported_thresholds))
    if s.reported_baseline is not None:
        parts.append(f"baseline cycles {s.reported_baseline[0]:g}-{s.reported_baseline[1]:g}")
    return "; ".join(parts)


def _info(args: argparse.Namespace) -> int:
    dataset = io.read(args.file)
    for line in format_summary(dataset, summarise(dataset)):
        out(line)
    return EXIT_OK


def _print_findings(findings: Sequence[Finding]) -> None:
    for finding in findings:
        out(f"{finding.severity.value:8s}{finding}")


def _validate(args: argparse.Namespace) -> int:
    dataset = io.read(args.file)
    findings = check_dataset(dataset)
    _print_findings(findings)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return fail(f"{args.file}: invalid: {errors[0]}{more}")
    out(f"valid     {args.file} ({dataset.n_reactions} reactions, {len(findings)} warnings)")
    return EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    dataset = io.read(args.input)
    io.write(dataset, args.output, format=args.to)
    out(f"wrote     {args.output}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``info``, ``validate`` and ``convert`` to the ``chipdx`` subparsers."""
    info = commands.add_parser("info", help="summarise a run file")
    info.add_argument("file", type=Path)
    info.set_defaults(handler=_info)

    validate = commands.add_parser("validate", help="check a run file: format and consistency")
    validate.add_argument("file", type=Path)
    validate.set_defaults(handler=_validate)

    convert = commands.add_parser("convert", help="convert a run file (to RDML 1.3)")
    convert.add_argument("input", type=Path)
    convert.add_argument("output", type=Path)
    convert.add_argument("--to", choices=[f.name for f in io.formats() if f.writer], default=None,
                         help="output format (default: from the output file's ending)")
    convert.set_defaults(handler=_convert)
