"""Well-level dPCR result tables read as counts: QIAcuity and Absolute Q summaries.

* **QIAcuity Software Suite** result CSV (``sep=,`` first line; header with
  ``Partitions (valid)``, ``Partitions (positive)``; ``Target`` or ``Target (Name)``;
  ``Sample/NTC/Control``; ``Type`` where ``Non Template Control`` marks an NTC).
* **Absolute Q** well table (``Well, Total, Dye, Target, Positives``; ``Average``
  rows skipped) and the summary export with one block of columns per dye (a first
  header row naming the dyes, a second naming the columns).

Both give :class:`~chipdx.model.PartitionCounts` per well and target. The
partition volume is back-calculated from the file's own concentrations
(``-ln(1 - k/n) / c``; per well for QIAcuity, whose volume varies with the
well's cycled volume; the median for Absolute Q), else the platform default
(QIAcuity 0.91 nL, Absolute Q 0.432 nL). Numbers may use a thousands separator or be ``-``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.io._text import fields_of, read_text, split_lines
from chipdx.model import (
    Dataset,
    Dye,
    PartitionCounts,
    PlateFormat,
    Run,
    Sample,
    SampleType,
    Software,
    Target,
    WellPartitions,
)

__all__ = ["read_absolute_q_summary", "read_qiacuity_summary"]

_WELL = re.compile(r"^[A-Pa-p]\d{1,2}$")
# (well, sample, sample type, target, dye, positive, total, concentration)
Row = tuple[str, str, SampleType, str, str, int, int, float | None]


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "").rstrip("%")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _volume(rows: Iterable[Row], default: float) -> float:
    implied = sorted(-math.log(1 - k / n) / c * 1000 for *_, k, n, c in rows if c and 0 < k < n)
    return round(implied[len(implied) // 2], 3) if implied else default


def _dataset(rows: list[Row], name: str, software: str, default_volume: float, path: Path, *,
             per_well_volume: bool = False) -> Dataset:
    if not rows:
        raise FormatError(str(path), "rows", "at least one well with partition counts", "none")
    volume = _volume(rows, default_volume)
    volumes = {w: _volume([r for r in rows if r[0] == w], volume) for w in {r[0] for r in rows}}
    plate = PlateFormat(8, 12)
    wells: dict[str, tuple[str, list[PartitionCounts]]] = {}
    samples: dict[str, Sample] = {}
    targets: dict[str, str] = {}
    for well, sample, kind, target, dye, k, n, conc in rows:
        entry = wells.setdefault(well, (sample, []))
        if target in {c.target_id for c in entry[1]}:
            continue
        entry[1].append(PartitionCounts(target, k, n - k, concentration_copies_per_ul=conc))
        samples.setdefault(sample, Sample(sample, kind))
        targets.setdefault(target, dye)
    parts = tuple(sorted((WellPartitions(plate.parse(w), s, volumes[w] if per_well_volume else volume,
                                         counts=tuple(c)) for w, (s, c) in wells.items()),
                         key=lambda p: p.well.index))
    return Dataset((Run(name, plate, partitions=parts, software=Software(software)),),
                   samples=tuple(samples.values()), targets=tuple(Target(t, dye_id=d) for t, d in targets.items()),
                   dyes=tuple(Dye(d) for d in dict.fromkeys(targets.values())))


def _table(path: Path) -> list[list[str]]:
    lines = [line for line in split_lines(read_text(path)) if line.strip()]
    if lines and lines[0].lower().startswith("sep="):
        lines = lines[1:]
    return fields_of(lines)


def _column(header: list[str], *names: str) -> int | None:
    lowered = [h.lower() for h in header]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    return None


def read_qiacuity_summary(path: str | Path) -> Dataset:
    """Read a QIAcuity result CSV (one row per well and target) as counts."""
    path = Path(path)
    table = _table(path)
    header = table[0] if table else []
    valid = _column(header, "Partitions (valid)")
    positive = _column(header, "Partitions (positive)")
    if valid is None or positive is None:
        raise FormatError(str(path), "header", "columns 'Partitions (valid)' and 'Partitions (positive)'", "other")
    well_i = _column(header, "Well") or 0
    target_i = _column(header, "Target (Name)", "Target")
    sample_i = _column(header, "Sample/NTC/Control")
    type_i = _column(header, "Type")
    conc_i = next((i for i, h in enumerate(header) if h.lower().startswith(("conc", "concentration"))), None)
    rows: list[Row] = []
    for number, fields in enumerate(table[1:], start=3):
        fields = fields + [""] * (len(header) - len(fields))
        well = fields[well_i]
        if not _WELL.match(well):
            continue
        k, n = _number(fields[positive]), _number(fields[valid])
        if k is None or n is None:
            raise FormatError(str(path), f"line {number}", "partition counts", repr(fields[positive]))
        kind = SampleType.NTC if type_i is not None and "template" in fields[type_i].lower() else SampleType.UNKNOWN
        target = fields[target_i] if target_i is not None and fields[target_i] else "target"
        sample = (fields[sample_i] if sample_i is not None else "") or well
        rows.append((well.upper(), sample, kind, target, target, int(k), int(n),
                     _number(fields[conc_i]) if conc_i is not None else None))
    return _dataset(rows, path.stem, "QIAcuity Software Suite", 0.91, path, per_well_volume=True)


def _absolute_q_blocks(table: list[list[str]]) -> tuple[list[str], list[tuple[int, str]]]:
    """Column header and (start column, dye) of each dye block; one block named by 'Dye' when flat."""
    if table and "Positives" in table[0]:
        return table[0], []
    dyes = [(i, name) for i, name in enumerate(table[0]) if name]
    return table[1], dyes


def read_absolute_q_summary(path: str | Path) -> Dataset:
    """Read an Absolute Q well table or summary export as counts."""
    path = Path(path)
    table = _table(path)
    header, blocks = _absolute_q_blocks(table)
    body = table[1:] if not blocks else table[2:]
    well_i, total_i = _column(header, "Well"), _column(header, "Total")
    if well_i is None or total_i is None:
        raise FormatError(str(path), "header", "columns 'Well' and 'Total'", "other")
    sample_i = _column(header, "Sample", "Name")
    rows: list[Row] = []
    spans = [(start, dye) for start, dye in blocks] or [(0, "")]
    for number, fields in enumerate(body, start=2 + bool(blocks)):
        fields = fields + [""] * (len(header) - len(fields))
        if not _WELL.match(fields[well_i]):
            continue
        n = _number(fields[total_i])
        for index, (start, dye) in enumerate(spans):
            stop = spans[index + 1][0] if index + 1 < len(spans) else len(header)
            part = dict(zip(header[start:stop], fields[start:stop], strict=False)) if blocks else dict(
                zip(header, fields, strict=False))
            k = _number(part.get("Positives", ""))
            if k is None or n is None:
                raise FormatError(str(path), f"line {number}", "numbers in Total and Positives", repr(part.get(
                    "Positives", "")))
            dye_name = dye or part.get("Dye", "") or "dye"
            target = part.get("Target", "") or dye_name
            conc = _number(part.get("Conc.", part.get("Conc. cp/uL", "")))
            sample = (fields[sample_i] if sample_i is not None else "") or fields[well_i]
            rows.append((fields[well_i].upper(), sample, SampleType.UNKNOWN, target, dye_name, int(k), int(n), conc))
    return _dataset(rows, path.stem, "QuantStudio Absolute Q", 0.432, path)
