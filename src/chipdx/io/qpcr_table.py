"""RDES-style qPCR tables: one reading per row (long) or one reaction per row (wide).

These are the plain tables people and R packages exchange (the RDML data
exchange sheet idea of RDML-Tools, Ruijter et al. 2015, doi:10.1016/j.bdq.2015.07.001;
the tidy dilution sets of ``../shared/data/qpcr/tidy_dilution_sets``):

* long: columns ``cycle`` and ``fluor`` plus any of ``plate``, ``well``, ``target``,
  ``dye``, ``sample``, ``sample_type``, ``replicate``, ``copies``, ``dilution`` and
  set-specific condition columns (``inhibitor``, ``inhibitor_conc``, ``pct`` ...);
  every distinct combination of the non-reading columns is one reaction;
* wide: one row per reaction, with a ``well`` or ``sample`` column and one column
  per cycle whose header is the cycle number.

Files may be ``,``, ``;`` or tab separated and gzip-compressed. ``plate`` (or ``run``)
values become separate runs. Without a ``well`` column, reactions get positions in
reading order on a plate large enough to hold them. A sample is named after its
``sample`` (or ``sample_type``) plus the conditions that distinguish it
(``copies``, ``dilution``, condition columns), so that replicates share a sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chipdx.errors import FormatError, quote
from chipdx.io._qpcr_build import RunBuilder, SampleBook, parse_number, plate_for_block
from chipdx.io._safety import read_file_bounded
from chipdx.io._sniff import sniff_qpcr_table
from chipdx.io._text import decode_text, guess_dialect, gunzip_bounded, split_rows
from chipdx.model import Dataset, PlateFormat, Quantity, QuantityUnit, Run, SampleType

__all__ = ["read_qpcr_table", "sniff_qpcr_table"]

_KNOWN = {"plate", "run", "well", "target", "dye", "sample", "sample_type", "replicate", "copies", "dilution"}
_TYPES = {t.value: t for t in SampleType} | {"unknown": SampleType.UNKNOWN, "standard": SampleType.STANDARD}


@dataclass
class _Plate:
    """Reactions of one plate (run) being collected."""

    labels: list[str] = field(default_factory=list)
    reactions: dict[tuple[str, ...], tuple[str, str, str]] = field(default_factory=dict)  # key -> well, sample, target
    points: list[tuple[tuple[str, ...], float, float, str]] = field(default_factory=list)


def _sample_name(values: dict[str, str], extras: list[str]) -> str:
    base = values.get("sample") or values.get("sample_type") or "sample"
    parts = [base]
    for column in ("copies", "dilution", *extras):
        if values.get(column):
            parts.append(f"{column}={values[column]}")
    return " ".join(parts)


def _quantity(values: dict[str, str]) -> Quantity | None:
    for column, unit in (("copies", QuantityUnit.COPIES), ("dilution", QuantityUnit.DILUTION)):
        text = values.get(column, "")
        try:
            number = parse_number(text, thousands="")
        except ValueError:
            number = None
        if number is not None and math.isfinite(number) and number > 0:
            return Quantity(number, unit)
    return None


def _rows(path: Path) -> tuple[list[str], list[list[str]], str]:
    source = str(path)
    text = decode_text(gunzip_bounded(read_file_bounded(path), source=source), source=source)
    if not text.strip():
        raise FormatError(source, "", "a qPCR table with a header row", "an empty file")
    delimiter, decimal = guess_dialect(text.splitlines()[0])
    rows = split_rows(text, delimiter, source=source)
    return [h.strip().lower() for h in rows[0]], rows[1:], decimal


def _collect_long(source: str, header: list[str], rows: list[list[str]], number: Callable[[str, str], float | None],
                  ) -> tuple[dict[str, _Plate], list[str]]:
    cycle_col, fluor_col = header.index("cycle"), header.index("fluor")
    keys = [i for i, h in enumerate(header) if i not in (cycle_col, fluor_col)]
    extras = [header[i] for i in keys if header[i] not in _KNOWN]
    plates: dict[str, _Plate] = {}
    for line, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise FormatError(source, f"line {line}", f"{len(header)} cells as in the header", f"{len(cells)} cells")
        values = {header[i]: cells[i].strip() for i in keys}
        plate = _plate(plates, values)
        key = tuple(cells[i].strip() for i in keys)
        if key not in plate.reactions:
            plate.reactions[key] = (values.get("well", ""), _sample_name(values, extras), values.get("target", ""))
            plate.labels.append(values.get("well", ""))
        cycle = number(cells[cycle_col], f"line {line}, column 'cycle'")
        fluor = number(cells[fluor_col], f"line {line}, column 'fluor'")
        if cycle is None:
            raise FormatError(source, f"line {line}, column 'cycle'", "a cycle number", "an empty cell")
        if fluor is not None:
            plate.points.append((key, cycle, fluor, f"line {line}, column 'cycle'"))
    return plates, extras


def _plate(plates: dict[str, _Plate], values: dict[str, str]) -> _Plate:
    return plates.setdefault(values.get("plate") or values.get("run") or "run", _Plate())


def _collect_wide(source: str, header: list[str], rows: list[list[str]], number: Callable[[str, str], float | None],
                  ) -> tuple[dict[str, _Plate], list[str]]:
    cycles = [(i, float(h)) for i, h in enumerate(header) if h.replace(".", "", 1).isdecimal()]
    keys = [i for i, h in enumerate(header) if not h.replace(".", "", 1).isdecimal()]
    extras = [header[i] for i in keys if header[i] not in _KNOWN]
    plates: dict[str, _Plate] = {}
    for line, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise FormatError(source, f"line {line}", f"{len(header)} cells as in the header", f"{len(cells)} cells")
        values = {header[i]: cells[i].strip() for i in keys}
        plate = _plate(plates, values)
        key = (*(cells[i].strip() for i in keys), str(line))
        plate.reactions[key] = (values.get("well", ""), _sample_name(values, extras), values.get("target", ""))
        plate.labels.append(values.get("well", ""))
        for column, cycle in cycles:
            value = number(cells[column], f"line {line}, column {header[column]!r}")
            if value is not None:
                plate.points.append((key, cycle, value, f"line {line}, column {header[column]!r}"))
    return plates, extras


def _build(source: str, name: str, plate: _Plate, book: SampleBook, details: _Details) -> Run:
    wells = [label for label in plate.labels if label]
    n = len(plate.reactions)
    layout = PlateFormat.fitting(math.ceil(n / 12), 12) if not wells else None
    builder = RunBuilder(layout or plate_for_block("", wells), source)
    rows: dict[tuple[str, ...], int] = {}
    for position, (key, (label, sample, target)) in enumerate(plate.reactions.items()):
        well = builder.well(label, place=f"well {label!r}") if label else builder.plate.well_at(
            position // 12, position % 12)
        target = target or "target"
        book.target(target, details.dye.get(target, "") or "unknown")
        kind = _TYPES.get(details.sample_type.get(sample, "").lower(), SampleType.UNKNOWN)
        book.sample(sample, kind, target_id=target, quantity=_quantity(details.amounts.get(sample, {})))
        if builder.find(well, target) is not None:
            raise FormatError(source, f"plate {name!r} well {well.label}", "one reaction per well and target",
                              f"target {target!r} twice (add a 'well' or 'replicate' column?)")
        rows[key] = builder.reaction(well, sample, target)
    for key, cycle, value, place in plate.points:
        builder.amplification_point(rows[key], cycle, value, place=place)
    return builder.build(name)


def read_qpcr_table(path: Path) -> Dataset:
    """Read a long or wide RDES-style qPCR table (``.csv``, ``.tsv``, optionally ``.gz``)."""
    source = str(path)
    header, rows, decimal = _rows(path)

    def number(text: str, place: str) -> float | None:
        try:
            return parse_number(text, decimal=decimal, thousands="")
        except ValueError:
            raise FormatError(source, place, "a number", quote(text)) from None

    if {"cycle", "fluor"} <= set(header):
        plates, _ = _collect_long(source, header, rows, number)
    elif any(h.isdecimal() for h in header):
        plates, _ = _collect_wide(source, header, rows, number)
    else:
        raise FormatError(source, "line 1", "a header with 'cycle' and 'fluor' columns, or cycle-number columns",
                          quote(",".join(header), 80))
    details = _record_details(header, rows)
    book = SampleBook()
    runs = tuple(_build(source, name, plate, book, details) for name, plate in plates.items() if plate.reactions)
    if not runs:
        raise FormatError(source, "line 2", "at least one data row", "none")
    return book.dataset(runs, format="qpcr-table")


@dataclass
class _Details:
    """Per sample its type and amount columns, per target its dye (first value seen)."""

    sample_type: dict[str, str] = field(default_factory=dict)
    amounts: dict[str, dict[str, str]] = field(default_factory=dict)
    dye: dict[str, str] = field(default_factory=dict)


def _record_details(header: list[str], rows: list[list[str]]) -> _Details:
    details = _Details()
    extras = [h for h in header if h not in _KNOWN | {"cycle", "fluor"} and not h.isdecimal()]
    kept = [i for i, h in enumerate(header) if h not in {"cycle", "fluor"} and not h.isdecimal()]
    seen: set[tuple[str, ...]] = set()
    for cells in rows:
        if len(cells) != len(header):
            continue
        key = tuple(cells[i] for i in kept)
        if key in seen:
            continue
        seen.add(key)
        values = {h: cells[i].strip() for i, h in enumerate(header)}
        sample = _sample_name(values, extras)
        details.sample_type.setdefault(sample, values.get("sample_type", ""))
        details.dye.setdefault(values.get("target") or "target", values.get("dye", ""))
        details.amounts.setdefault(sample, {c: values.get(c, "") for c in ("copies", "dilution")})
    return details
