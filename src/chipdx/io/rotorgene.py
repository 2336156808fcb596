"""QIAGEN Rotor-Gene Q run files (``.rex``, XML with ``<RexHeader>REX 3.x``).

Read: the samples of every page (``Samples/Page/Sample``: ``Name``, ``Type``,
``GivenConc``, ``TubePosition``), and every ``RawChannels/RawChannel``: its
``Name`` (``Cycling A.Green``, ``HRM A.HRM``), its x axis (``StartX`` + k x ``StepX``,
labelled ``Cycle`` or a temperature) and one space-separated ``Reading`` per tube,
in tube order. A channel on a cycle axis is an amplification channel: each becomes
a target named after the colour (``Green``) read with a dye of that name. A channel on
a temperature axis is a melt (HRM) channel: its curve goes with the first
amplification reaction of the same tube.

The sample ``Type`` is a number whose meaning the file does not state; it is kept
as the annotation ``rotorgene:type`` and the sample is typed ``unkn``, or ``std``
with its quantity when ``GivenConc`` is above 0. Not read: run profile, gains,
audit log, the software's own analyses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree

from chipdx.errors import FormatError, quote
from chipdx.io._qpcr_build import RunBuilder, SampleBook, parse_number
from chipdx.io._safety import parse_xml, read_file_bounded
from chipdx.io._sniff import sniff_rex
from chipdx.model import Dataset, LabelFormat, PlateFormat, Quantity, QuantityUnit, Sample, SampleType

__all__ = ["read_rex", "sniff_rex"]


def _float(text: str | None, source: str, place: str) -> float:
    try:
        value = parse_number(text or "", thousands="")
    except ValueError:
        value = None
    if value is None:
        raise FormatError(source, place, "a number", quote(text or "") if text else "nothing")
    return value


def _samples(root: etree._Element, book: SampleBook, source: str) -> dict[int, str]:
    """Sample id per tube position."""
    tubes: dict[int, str] = {}
    for page in root.findall("Samples/Page"):
        for number, sample in enumerate(page.findall("Sample"), start=1):
            place = f"Samples/Page/Sample[{number}]"
            position = int(_float(sample.findtext("TubePosition"), source, f"{place}/TubePosition"))
            name = (sample.findtext("Name") or "").strip()
            if not name:
                continue
            given = parse_number(sample.findtext("GivenConc") or "", thousands="") or 0.0
            quantity = Quantity(given, QuantityUnit.OTHER) if given > 0 else None
            kind = SampleType.STANDARD if quantity else SampleType.UNKNOWN
            code = (sample.findtext("Type") or "").strip()
            if name not in book.samples:
                book.samples[name] = Sample(name, kind, quantity, annotations=(("rotorgene:type", code),))
            tubes.setdefault(position, name)
    return tubes


def _channels(root: etree._Element, source: str) -> list[tuple[str, bool, list[float], list[list[float]]]]:
    """(colour, is amplification, x values, readings per tube) of every raw channel."""
    channels = []
    for number, channel in enumerate(root.findall("RawChannels/RawChannel"), start=1):
        place = f"RawChannels/RawChannel[{number}]"
        name = (channel.findtext("Name") or f"channel {number}").strip()
        colour = name.rsplit(".", 1)[-1] or name
        start = _float(channel.findtext("StartX"), source, f"{place}/StartX")
        step = _float(channel.findtext("StepX"), source, f"{place}/StepX")
        cycling = (channel.findtext("XAxisLabel") or "").strip().lower() == "cycle"
        readings = []
        for tube, reading in enumerate(channel.findall("Reading"), start=1):
            values = []
            for token in (reading.text or "").split():
                values.append(_float(token, source, f"{place}/Reading[{tube}]"))
            readings.append(values)
        width = max((len(r) for r in readings), default=0)
        channels.append((colour, cycling, [start + k * step for k in range(width)], readings))
    return channels


def read_rex(path: Path) -> Dataset:
    """Read a Rotor-Gene ``.rex`` file into a dataset (one run)."""
    source = str(path)
    root = parse_xml(read_file_bounded(path), source=source)
    if root.tag != "Experiment" or root.find("RexHeader") is None:
        raise FormatError(source, "line 1", "an <Experiment> with a <RexHeader>", quote(f"<{root.tag}>"))
    book = SampleBook()
    tubes = _samples(root, book, source)
    channels = _channels(root, source)
    size = max([len(c[3]) for c in channels] + list(tubes) + [1])
    builder = RunBuilder(PlateFormat(size, 1, LabelFormat.NUMBERS, LabelFormat.NUMBERS), source)
    for colour, cycling, xs, readings in sorted(channels, key=lambda c: not c[1]):
        for tube, values in enumerate(readings, start=1):
            if not values:
                continue
            well = builder.plate.well(tube)
            sample = tubes.get(tube) or f"tube {tube}"
            if sample not in book.samples:
                book.samples[sample] = Sample(sample)
            rows = builder.rows_of_well(well)
            if cycling or not rows:
                book.target(colour, colour)
                rows = [builder.reaction(well, sample, colour)]
            for x, value in zip(xs, values, strict=False):
                if cycling:
                    builder.amplification_point(rows[0], x, value, place=f"RawChannel {colour} tube {tube}")
                else:
                    builder.melt_point(rows[0], x, value)
    started = root.findtext("StartTime") or ""
    try:
        run_date = dt.datetime.fromisoformat(started.strip()) if started.strip() else None
    except ValueError:
        run_date = None
    run = builder.build((root.findtext("Notes") or path.stem).strip() or "run", instrument="Rotor-Gene Q",
                        run_date=run_date, description=(root.findtext("RexHeader") or None))
    return book.dataset((run,), format="rotorgene-rex", version=(root.findtext("RexHeader") or "REX").split()[-1])
