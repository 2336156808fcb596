"""Bio-Rad QuantaSoft / QX Manager plate results table (CSV or TSV), read as counts.

One row per well x channel with ``Positives``, ``Negatives``/``AcceptedDroplets``
and the instrument's concentration. Rows may have more or fewer fields than the
header (QuantaSoft 1.7.4 adds a trailing comma; the 2015 export drops one): the
header decides the columns, missing trailing fields are empty, extra ones are
ignored. The droplet volume is back-calculated from the file's own
concentrations (``-ln(1 - k/n) / c``, median over rows, rounded to 0.01 nL);
without usable rows the QX200 default 0.85 nL is used.

:func:`write_qx_results` writes the QuantaSoft 1.7 column subset this reader (and the
amplitude-folder reader, for sample and target names) needs: ``Well, ExptType,
Experiment, Sample, TargetType, Target, Status, Concentration, Positives, Negatives,
AcceptedDroplets``, one row per well x channel in channel order.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path

from chipdx.errors import FormatError, UnsupportedError
from chipdx.io._atomic import atomic_output
from chipdx.io._text import fields_of, read_text, split_lines
from chipdx.model import (
    Dataset,
    Dye,
    PartitionCall,
    PartitionCounts,
    PlateFormat,
    Run,
    Sample,
    SampleType,
    Software,
    Target,
    WellPartitions,
)

__all__ = ["names_by_well", "read_qx_results", "write_qx_results"]

_DEFAULT_VOLUME_NL = 0.85
_CHANNEL = re.compile(r"^ch(\d)", re.IGNORECASE)


def _table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = [line for line in split_lines(read_text(path)) if line.strip()]
    if not lines:
        raise FormatError(str(path), "", "a results table with a header row", "an empty file")
    delimiter = "\t" if lines[0].count("\t") > lines[0].count(",") else ","
    rows = fields_of(lines, delimiter=delimiter)
    header = rows[0]
    if not header or header[0] != "Well" or "Positives" not in header:
        raise FormatError(str(path), "line 1", "a header starting 'Well' with a 'Positives' column",
                          repr(",".join(header)[:40]))
    records = [dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in rows[1:]]
    return header, records


def _get(record: dict[str, str], *names: str) -> str:
    for name in names:
        value = record.get(name, "")
        if value:
            return value
    return ""


def _channel(record: dict[str, str], order: int) -> str:
    match = _CHANNEL.match(_get(record, "TargetType", "TypeAssay"))
    return f"Ch{match.group(1)}" if match else f"Ch{order}"


def _rows(path: Path) -> list[tuple[str, str, str, str, dict[str, str]]]:
    """(well, channel, sample, target, record) for every data row."""
    _, records = _table(path)
    seen: dict[str, int] = {}
    out = []
    for number, record in enumerate(records, start=2):
        well = record.get("Well", "")
        if not re.fullmatch(r"[A-Pa-p]\d{1,2}", well):
            raise FormatError(str(path), f"line {number}", "a well such as A01", repr(well))
        seen[well] = seen.get(well, 0) + 1
        channel = _channel(record, seen[well])
        sample = _get(record, "Sample", "Sample description 1") or well
        target = _get(record, "Target", "Assay") or channel
        out.append((well.upper(), channel, sample, target, record))
    return out


def names_by_well(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(well ``A01``, channel ``Ch1``) -> (sample, target) from a results table."""
    return {(well[0] + f"{int(well[1:]):02d}", ch): (sample, target) for well, ch, sample, target, _ in _rows(path)}


def _int(value: str, path: Path, well: str, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(float(value))
    except ValueError:
        raise FormatError(str(path), f"well {well} column {name}", "a whole number", repr(value)) from None


def _concentration(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _volume(counts: list[PartitionCounts]) -> float:
    implied = sorted(
        -math.log(1 - c.positive / (c.positive + c.negative)) / c.concentration_copies_per_ul * 1000
        for c in counts
        if c.concentration_copies_per_ul and 0 < c.positive < c.positive + c.negative
    )
    return round(implied[len(implied) // 2], 2) if implied else _DEFAULT_VOLUME_NL


def read_qx_results(path: str | Path) -> Dataset:
    """Read a QuantaSoft/QX Manager results table into counts-only wells."""
    path = Path(path)
    by_well: dict[str, tuple[str, list[PartitionCounts]]] = {}
    channels: dict[str, str] = {}
    for well, channel, sample, target, record in _rows(path):
        positive = _int(record.get("Positives", ""), path, well, "Positives")
        accepted = _int(_get(record, "AcceptedDroplets", "Accepted Droplets"), path, well, "AcceptedDroplets")
        negative = _int(record.get("Negatives", ""), path, well, "Negatives")
        if positive is None or (negative is None and accepted is None):
            continue  # a row without counts (no call, not analysed)
        negative = negative if negative is not None else (accepted or 0) - positive
        conc = _concentration(_get(record, "Concentration", "Conc(copies/µL)", "Conc(copies/uL)"))
        if target in {c.target_id for c in by_well.get(well, ("", []))[1]}:
            target = f"{target}_{channel}"
        channels.setdefault(target, channel)
        by_well.setdefault(well, (sample, []))[1].append(
            PartitionCounts(target, positive, negative, concentration_copies_per_ul=conc))
    if not by_well:
        raise FormatError(str(path), "rows", "at least one well with Positives and Negatives", "none")
    volume = _volume([c for _, counts in by_well.values() for c in counts])
    plate = PlateFormat(8, 12)
    wells = tuple(sorted((WellPartitions(plate.parse(w), s, volume, counts=tuple(c)) for w, (s, c) in by_well.items()),
                         key=lambda p: p.well.index))
    samples = tuple(Sample(s) for s in dict.fromkeys(s for s, _ in by_well.values()))
    run = Run(path.stem, plate, partitions=wells, software=Software("QuantaSoft/QX Manager"))
    return Dataset((run,), samples=samples, targets=tuple(Target(t, dye_id=c) for t, c in channels.items()),
                   dyes=tuple(Dye(c) for c in sorted(set(channels.values()))))


_HEADER = ("Well", "ExptType", "Experiment", "Sample", "TargetType", "Target", "Status", "Concentration",
           "Positives", "Negatives", "AcceptedDroplets")


def _counts(well: WellPartitions) -> list[tuple[str, int | None, int | None]]:
    """(target, positives, negatives) per target; excluded and undefined partitions are not counted."""
    if well.counts:
        return [(c.target_id, c.positive, c.negative) for c in well.counts]
    if well.calls is None:  # amplitudes without calls: a row that names the well, without counts
        return [(t, None, None) for t in well.targets]
    positive = (well.calls == PartitionCall.POSITIVE).sum(axis=0)
    negative = (well.calls == PartitionCall.NEGATIVE).sum(axis=0)
    return [(t, int(positive[j]), int(negative[j])) for j, t in enumerate(well.targets)]


def _result_rows(dataset: Dataset, run: Run) -> Iterator[list[str]]:
    samples = {s.id: s for s in dataset.samples}
    for well in run.partitions:
        sample = samples.get(well.sample_id)
        label = f"{well.well.label[0]}{well.well.column + 1:02d}"
        for channel, (target, positive, negative) in enumerate(_counts(well), start=1):
            kind = sample.type_for(target) if sample else SampleType.UNKNOWN
            task = "NTC" if kind is SampleType.NTC else "Unknown"
            counted = ["", "", ""]
            conc = ""
            if positive is not None and negative is not None:
                total = positive + negative
                counted = [str(positive), str(negative), str(total)]
                if positive < total:
                    conc = repr(-math.log1p(-positive / total) / well.volume_nl * 1000.0)
            yield [label, "Absolute Quantification", run.id, well.sample_id, f"Ch{channel}{task}", target,
                   "Manual", conc, *counted]


def write_qx_results(dataset: Dataset, path: str | Path) -> None:
    """Write a QuantaSoft-style results table (CSV, one row per well x channel), atomically.

    Counts come from the wells' counts, else from their calls (positive / negative;
    excluded and undefined partitions are left out); a well with neither gets rows
    without counts, which still name its sample and targets. The concentration is the Poisson
    estimate ``-ln(1 - k/n) / V`` in copies/µL, empty when all or no partitions are valid
    positives. Raises :class:`~chipdx.errors.UnsupportedError` for several runs.
    """
    if len(dataset.runs) != 1:
        raise UnsupportedError(f"a QX results table holds one plate; this dataset has {len(dataset.runs)} runs")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_HEADER)
    writer.writerows(_result_rows(dataset, dataset.runs[0]))
    with atomic_output(Path(path)) as stream:
        stream.write(buffer.getvalue().encode())
