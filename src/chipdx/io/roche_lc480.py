"""Roche LightCycler 480 (software 1.5) text exports, plain or gzip-compressed.

Two exports are read:

* raw data ("Export in text format"): a title line ``Raw Data ... Experiment - <name>``,
  a header ``SamplePos SampleName Prog# Seg# Cycle# Time Temp <channel>...`` (one
  column per filter combination such as ``483-533``), then one row per well and
  reading. A program whose readings have several cycle numbers is the
  amplification; a program with one cycle number is a melt (temperature ramp).
  Each channel becomes a target of that name, read with a dye of that name.
* "Abs Quant" results: ``Experiment: <name>  Selected Filter: <filter> (<channel>)``,
  then ``Include Color Pos Name Cp Concentration Standard Status``. ``Cp`` (second
  derivative maximum) becomes the reported Cq; ``Include = False`` marks an excluded well.
"""

from __future__ import annotations

import re
from pathlib import Path

from chipdx.errors import FormatError, quote
from chipdx.io._qpcr_build import RunBuilder, SampleBook, parse_number, plate_for_block
from chipdx.io._safety import read_file_bounded
from chipdx.io._sniff import sniff_lc480
from chipdx.io._text import decode_text, gunzip_bounded
from chipdx.model import CqMethod, Dataset, Quantity, QuantityUnit, ReportedResult, SampleType, Software

__all__ = ["read_lc480", "sniff_lc480"]



def _lines(path: Path) -> tuple[str, list[list[str]]]:
    source = str(path)
    text = decode_text(gunzip_bounded(read_file_bounded(path), source=source), source=source)
    lines = text.splitlines()
    if len(lines) < 2:
        raise FormatError(source, f"line {len(lines) + 1}", "a title line and a header line",
                          "an empty file" if not text.strip() else "one line only")
    return lines[0], [line.rstrip("\r\n").split("\t") for line in lines[1:]]


def _experiment_name(title: str) -> str:
    match = re.search(r"Experiment(?: -|:)\s*(.*?)(?:\s+\(Run on|\s+Selected Filter|$)", title)
    return match.group(1).strip() if match else "run"


def _read_raw(path: Path, title: str, rows: list[list[str]]) -> Dataset:
    source = str(path)
    header = [h.strip() for h in rows[0]]
    if header[:7] != ["SamplePos", "SampleName", "Prog#", "Seg#", "Cycle#", "Time", "Temp"]:
        raise FormatError(source, "line 2", "the header 'SamplePos SampleName Prog# Seg# Cycle# Time Temp ...'",
                          quote("\t".join(header)))
    channels = [(i, name) for i, name in enumerate(header) if i >= 7 and name]
    if not channels:
        raise FormatError(source, "line 2", "at least one channel column after Temp", "none")
    data = [(n + 3, row) for n, row in enumerate(rows[1:]) if any(c.strip() for c in row)]
    labels = [row[0].strip() for _, row in data]
    builder = RunBuilder(plate_for_block("", labels), source)
    book = SampleBook()
    cycles_per_program: dict[str, set[str]] = {}
    for _, row in data:
        cycles_per_program.setdefault(row[2].strip() if len(row) > 2 else "", set()).add(
            row[4].strip() if len(row) > 4 else "")
    amplification = max((p for p, c in cycles_per_program.items() if len(c) > 1),
                        key=lambda p: len(cycles_per_program[p]), default=None)
    reactions: dict[tuple[str, str], list[int]] = {}
    for number, row in data:
        if len(row) < 8:
            raise FormatError(source, f"line {number}", f"{len(header)} tab-separated cells", f"{len(row)} cells")
        key = (row[0], row[1])
        indices = reactions.get(key)
        if indices is None:
            well = builder.well(row[0], place=f"line {number}, column 'SamplePos'")
            sample = row[1].strip() or f"well {well.label}"
            indices = reactions[key] = []
            for _, channel in channels:
                book.target(channel, channel)
                book.sample(sample, SampleType.UNKNOWN, target_id=channel)
                indices.append(builder.reaction(well, sample, channel))
        is_amp = row[2].strip() == amplification
        x = _number(source, number, "Cycle#" if is_amp else "Temp", row[4] if is_amp else row[6])
        for (column, channel), index in zip(channels, indices, strict=True):
            value = _number(source, number, channel, row[column] if column < len(row) else "")
            if is_amp:
                builder.amplification_point(index, x, value, place=f"line {number}, column 'Cycle#'")
            else:
                builder.melt_point(index, x, value)
    run = builder.build(_experiment_name(title), instrument="LightCycler 480",
                        software=_software(title))
    return book.dataset((run,), format="roche-lc480")


def _software(title: str) -> Software | None:
    match = re.search(r"Run on (\S+) ([\d.]+)", title)
    return Software(match.group(1), match.group(2)) if match else None


def _number(source: str, line: int, column: str, text: str) -> float:
    try:
        value = parse_number(text, thousands="")
    except ValueError:
        value = None
    if value is None:
        found = quote(text) if text else "an empty cell"
        raise FormatError(source, f"line {line}, column {column!r}", "a number", found)
    return value


def _read_cp(path: Path, title: str, rows: list[list[str]]) -> Dataset:
    source = str(path)
    header = [h.strip() for h in rows[0]]
    if header[:5] != ["Include", "Color", "Pos", "Name", "Cp"]:
        raise FormatError(source, "line 2", "the header 'Include Color Pos Name Cp ...'", quote("\t".join(header)))
    match = re.search(r"Selected Filter:.*\(([^)]+)\)", title)
    channel = match.group(1) if match else "channel"
    data = [(n + 3, row) for n, row in enumerate(rows[1:]) if any(c.strip() for c in row)]
    builder = RunBuilder(plate_for_block("", [row[2] for _, row in data if len(row) > 2]), source)
    book = SampleBook()
    book.target(channel, channel)
    for number, row in data:
        cells = row + [""] * (8 - len(row))
        if len(row) < 5:
            raise FormatError(source, f"line {number}", "at least 5 tab-separated cells", f"{len(row)} cells")
        well = builder.well(cells[2], place=f"line {number}, column 'Pos'")
        try:
            cp = parse_number(cells[4], thousands="")
            standard = parse_number(cells[6], thousands="")
        except ValueError:
            raise FormatError(source, f"line {number}, column 'Cp'", "a number or an empty cell",
                              quote(cells[4])) from None
        kind = SampleType.STANDARD if standard else SampleType.UNKNOWN
        quantity = Quantity(standard, QuantityUnit.OTHER) if standard else None
        sample = book.sample(cells[3].strip() or f"well {well.label}", kind, target_id=channel, quantity=quantity)
        index = builder.reaction(well, sample, channel)
        excluded = "excluded in the source software" if cells[0].strip().lower() == "false" else None
        builder.report(index, ReportedResult(cq=cp, excluded=excluded, note=cells[7].strip() or None))
    run = builder.build(_experiment_name(title), instrument="LightCycler 480",
                        cq_method=CqMethod.SECOND_DERIVATIVE_MAXIMUM)
    return book.dataset((run,), format="roche-lc480")


def read_lc480(path: Path) -> Dataset:
    """Read a LightCycler 480 raw-data or Abs Quant export into a dataset (one run)."""
    title, rows = _lines(path)
    if [h.strip() for h in rows[0][:5]] == ["Include", "Color", "Pos", "Name", "Cp"]:
        return _read_cp(path, title, rows)
    return _read_raw(path, title, rows)
