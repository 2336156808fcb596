"""Stored records laid out for people and programs: the plate map, the reactions CSV, JSON shapes."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["RESULT_COLOURS", "PlateCell", "plate_map", "reactions_csv", "run_json", "sample_json", "worth_a_look"]

RESULT_COLOURS = {  # colour-blind-safe (Okabe & Ito 2008) fills per sample result
    "detected": "#d55e00", "presumptive_positive": "#e69f00", "not_detected": "#009e73",
    "inconclusive": "#cc79a7", "invalid": "#999999", "review": "#f0e442", "excluded": "#ffffff",
}
CSV_COLUMNS = ("run", "well", "sample", "sample_type", "quantity", "target", "dye", "cq", "efficiency", "n0",
               "amplified", "flags")
#: flags that only say what the call says (a negative curve): not a reason to look again
INFORMATIONAL_FLAGS = frozenset({"QC-NO-AMPLIFICATION"})
_LABEL = re.compile(r"^([A-Z]{1,2})(\d{1,3})$")


@dataclass(frozen=True, slots=True)
class PlateCell:
    """One well of the plate map: where, what is in it and the colour of its sample's result."""

    label: str
    sample: str
    result: str
    colour: str
    lines: tuple[str, ...]  # "target Cq" per reaction
    flagged: bool
    excluded: bool


def _row_index(letters: str) -> int:
    value = 0
    for letter in letters:
        value = value * 26 + (ord(letter) - 64)
    return value


def _row_label(index: int) -> str:
    label = ""
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(65 + rest) + label
    return label


def _dimensions(labels: Iterable[str]) -> tuple[int, int]:
    rows, cols = 1, 1
    for label in labels:
        match = _LABEL.match(label)
        if match:
            rows, cols = max(rows, _row_index(match[1])), max(cols, int(match[2]))
    for plate_rows, plate_cols in ((8, 12), (16, 24), (32, 48)):
        if rows <= plate_rows and cols <= plate_cols:
            return plate_rows, plate_cols
    return rows, cols


def worth_a_look(reaction: Any) -> bool:
    """A reaction a reviewer should see: the curve classifier says ``review``, or a QC flag beyond a plain negative.

    >>> from types import SimpleNamespace as R
    >>> worth_a_look(R(curve_call="not_amplified", flags=("QC-NO-AMPLIFICATION",)))
    False
    >>> worth_a_look(R(curve_call="review", flags=())), worth_a_look(R(curve_call="amplified", flags=("QC-LATE",)))
    (True, True)
    """
    return reaction.curve_call == "review" or any(f not in INFORMATIONAL_FLAGS for f in reaction.flags)


def _cq(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.2f}"


def plate_map(reactions: Sequence[Any], samples: Sequence[Any],
              excluded: Iterable[str] = ()) -> list[list[PlateCell | None]]:
    """Rows of the plate, each a list of cells (None for an empty well), coloured by the sample's result."""
    result_of = {s.sample: s.result for s in samples}
    by_well: dict[str, list[Any]] = {}
    for reaction in reactions:
        by_well.setdefault(reaction.well, []).append(reaction)
    left_out = set(excluded)
    rows, cols = _dimensions([*by_well, *left_out])
    grid: list[list[PlateCell | None]] = []
    for r in range(1, rows + 1):
        line: list[PlateCell | None] = []
        for c in range(1, cols + 1):
            label = f"{_row_label(r)}{c}"
            found = by_well.get(label, [])
            if label in left_out:
                line.append(PlateCell(label, "", "excluded", RESULT_COLOURS["excluded"], ("excluded",), False, True))
            elif not found:
                line.append(None)
            else:
                sample = found[0].sample
                result = result_of.get(sample, "")
                line.append(PlateCell(label, sample, result, RESULT_COLOURS.get(result, "#dddddd"),
                                      tuple(f"{x.target} {_cq(x.cq)}" for x in found),
                                      any(worth_a_look(x) for x in found), False))
        grid.append(line)
    return grid


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def reactions_csv(run_id: int, reactions: Sequence[Any]) -> str:
    """The run's reactions with the ``qpcr analyze`` columns (SPEC §7)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in reactions:
        writer.writerow([str(run_id), r.well, r.sample, r.sample_type, _cell(r.quantity), r.target, r.dye,
                         _cell(r.cq), _cell(r.efficiency), _cell(r.n0), str(bool(r.amplified)), _cell(r.flags)])
    return buffer.getvalue()


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def run_json(run: Any) -> dict[str, Any]:
    """A run as the API lists it (SPEC §7b)."""
    return {"id": run.id, "status": run.status, "error": run.error or None, "file_name": run.file_name,
            "sha256": run.sha256, "format": run.format, "instrument": run.instrument, "assay": run.assay,
            "simulated": run.simulated, "uploaded_by": run.uploaded_by, "uploaded_at": _time(run.uploaded_at),
            "release_version": run.version}


def sample_json(sample: Any) -> dict[str, Any]:
    """A sample's current result as the API gives it (SPEC §7b)."""
    return {"id": sample.id, "sample": sample.sample, "sample_type": sample.sample_type, "result": sample.result,
            "action": sample.action, "reason_codes": list(sample.reason_codes), "needs_review": sample.needs_review,
            "version": sample.version, "source": sample.source, "reason": sample.reason or None, "by": sample.by,
            "at": _time(sample.at), "detected": list(sample.detected), "findings": list(sample.findings),
            "targets": [{"target": t.target, "role": t.role, "result": t.result, "call": t.call, "cq": t.cq,
                         "copies_per_ul": t.copies_per_ul} for t in sample.targets]}
