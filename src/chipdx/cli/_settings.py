"""Options that re-read a qPCR run the way a reviewer would: ``--threshold`` and ``--baseline`` per target,
and ``--layout`` (which well holds which sample and target).

``chipdx qpcr analyze``, ``interpret`` and ``report`` take them; they become one
:class:`chipdx.pipeline.ManualSettings`, applied by :func:`chipdx.pipeline.analyze_with_settings`
(the path the service's manual threshold takes too). A target the data do not hold fails there
with one line listing the targets they have.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from chipdx.pipeline import Layout, ManualSettings

__all__ = ["add_layout_option", "add_manual_options", "layout_of", "manual_settings", "uses_manual"]


N = TypeVar("N", int, float)

def _threshold(value: str) -> tuple[str, float]:
    """``TARGET=VALUE`` (baseline-subtracted fluorescence, > 0) for ``--threshold``."""
    target, _, number = value.rpartition("=")
    try:
        level = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes TARGET=VALUE (a fluorescence threshold), got {value!r}") from None
    if not target.strip() or not (math.isfinite(level) and level > 0):
        raise argparse.ArgumentTypeError(f"takes TARGET=VALUE with VALUE > 0, got {value!r}")
    return target.strip(), level


def target_pair(value: str, *, separator: str, number: Callable[[str], N], form: str,
                rule: str, valid: Callable[[N, N], bool]) -> tuple[str, tuple[N, N]]:
    """Parse ``TARGET=FIRST<separator>SECOND`` for an option; ``form``/``rule`` word its two errors."""
    target, _, pair = value.rpartition("=")
    first_text, _, second_text = pair.partition(separator)
    try:
        first, second = number(first_text), number(second_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes {form}, got {value!r}") from None
    if not target.strip() or not valid(first, second):
        raise argparse.ArgumentTypeError(f"takes {rule}, got {value!r}")
    return target.strip(), (first, second)


def _baseline(value: str) -> tuple[str, tuple[int, int]]:
    """``TARGET=FIRST-LAST`` (cycle numbers, 1 <= FIRST < LAST) for ``--baseline``."""
    return target_pair(value, separator="-", number=int, form="TARGET=FIRST-LAST (baseline cycles)",
                       rule="TARGET=FIRST-LAST with 1 <= FIRST < LAST", valid=lambda a, b: 1 <= a < b)


def add_manual_options(command: Any) -> None:
    """Add ``--threshold TARGET=VALUE`` and ``--baseline TARGET=FIRST-LAST`` (repeatable) to ``command``."""
    command.add_argument("--threshold", action="append", type=_threshold, metavar="TARGET=VALUE",
                         help="manual threshold of a target in baseline-subtracted fluorescence (repeat per "
                              "target): its Cq is re-read there (flag QC-MANUAL-THRESHOLD)")
    command.add_argument("--baseline", action="append", type=_baseline, metavar="TARGET=FIRST-LAST",
                         help="manual baseline cycles of a target (repeat per target): the baseline is their "
                              "mean (flag QC-MANUAL-BASELINE)")


def manual_settings(args: argparse.Namespace) -> ManualSettings:
    """The reviewer's settings given on the command line (empty when none)."""
    from chipdx.pipeline import ManualSettings

    return ManualSettings(thresholds=dict(getattr(args, "threshold", None) or ()),
                          baselines=dict(getattr(args, "baseline", None) or ()))


def uses_manual(args: argparse.Namespace) -> bool:
    """Whether ``--threshold`` or ``--baseline`` was given."""
    return bool(getattr(args, "threshold", None) or getattr(args, "baseline", None))


def add_layout_option(command: Any) -> None:
    """Add ``--layout FILE`` (the plate layout CSV of ``dpcr analyze --layout``) to a qPCR ``command``."""
    command.add_argument("--layout", type=Path, default=None, metavar="LAYOUT.csv",
                         help="plate layout CSV (well,sample,type,target,channel; as for dpcr analyze): names "
                              "the samples, types and targets of a run without them (LightCycler 480); wells "
                              "it does not list are left out")


def layout_of(args: argparse.Namespace) -> Layout | None:
    """The ``--layout`` file read with the dPCR layout reader (``None`` without the option)."""
    path = getattr(args, "layout", None)
    if path is None:
        return None
    from chipdx.cli._dpcr import read_layout
    from chipdx.pipeline import Layout

    return Layout(tuple(read_layout(path)), str(path))
