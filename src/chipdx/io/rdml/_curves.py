"""RDML curve points (``adp``, ``mdp``) and dPCR partitions into arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from lxml import etree
from numpy.typing import NDArray

from chipdx.errors import FormatError, quote
from chipdx.io._safety import read_zip_member
from chipdx.io.rdml._container import RdmlContainer
from chipdx.io.rdml._values import ValueDecoder
from chipdx.model import (
    AmplificationCurves,
    MeltCurves,
    PartitionCall,
    PartitionCounts,
    Well,
    WellPartitions,
)

__all__ = ["CurveCollector", "read_partitions"]

Tag = Callable[[str], str]
Array = NDArray[np.float64]


_XPATHS: dict[tuple[str, str, str], etree.XPath] = {}


def _xpath(point: str, name: str, tag: Tag) -> etree.XPath:
    """The compiled XPath of the texts of every ``point/name`` child (``name`` empty: count the points)."""
    probe = tag("x")
    namespace = probe[1:].split("}")[0] if probe.startswith("{") else ""
    key = (namespace, point, name)
    if key not in _XPATHS:
        step = (lambda local: f"r:{local}") if namespace else (lambda local: local)
        path = f"{step(point)}/{step(name)}/text()" if name else f"count({step(point)})"
        _XPATHS[key] = etree.XPath(path, namespaces={"r": namespace} if namespace else None, smart_strings=False)
    return _XPATHS[key]


def _texts(data: etree._Element, point: str, name: str, tag: Tag) -> list[str]:
    """The text of every ``point/name`` child, by one compiled XPath (empty elements are skipped)."""
    return _xpath(point, name, tag)(data)  # type: ignore[return-value]


def _points(
    data: etree._Element, point: str, fields: tuple[str, ...], place: str, tag: Tag, values: ValueDecoder
) -> list[Array | None]:
    """The values of ``fields`` in every ``point`` child, one array per field (``None`` if absent)."""
    count = int(_xpath(point, "", tag)(data))  # type: ignore[arg-type]  # no element proxies, unlike findall
    if count == 0:  # no points (a run without melt): no field to look up
        return [None] * len(fields)
    fast = [_texts(data, point, name, tag) for name in fields]
    if all(len(texts) in (0, count) for texts in fast):  # every point has every present field: no gaps
        return [None if not texts or not count else values.array(
            texts, lambda i, name=name: f"{place}/{point}[{i + 1}]/{name}")  # type: ignore[misc]
            for name, texts in zip(fields, fast, strict=True)]
    return _points_checked(data, point, fields, place, tag, values)


def _points_checked(
    data: etree._Element, point: str, fields: tuple[str, ...], place: str, tag: Tag, values: ValueDecoder
) -> list[Array | None]:
    """The slow path of :func:`_points`: visit every point to name the first one that lacks a value."""
    elements = data.findall(tag(point))
    wanted = {tag(name): index for index, name in enumerate(fields)}
    table: list[list[str | None]] = [[None] * len(fields) for _ in elements]
    for row, element in zip(table, elements, strict=True):
        for child in element:
            index = wanted.get(child.tag)
            if index is not None and row[index] is None:
                row[index] = child.text or ""
    columns: list[Array | None] = []
    for position, name in enumerate(fields):
        texts = [row[position] for row in table]
        if all(t is None for t in texts):
            columns.append(None)
            continue
        missing = next((i for i, t in enumerate(texts) if t is None), None)
        if missing is not None:
            raise values.fail(f"{place}/{point}[{missing + 1}]", f"a <{name}> value", "none")
        columns.append(values.array(
            [t for t in texts if t is not None],
            lambda i, name=name: f"{place}/{point}[{i + 1}]/{name}",  # type: ignore[misc]
        ))
    return columns


class CurveCollector:
    """Collects the curves of one run's reactions, then builds the run matrices."""

    def __init__(self, values: ValueDecoder) -> None:
        self._values = values
        self._amplification: list[tuple[Array, Array, Array | None]] = []
        self._melt: list[tuple[Array, Array]] = []

    def add(self, data: etree._Element, place: str, tag: Tag, *, melt: bool = True) -> None:
        """Read the ``adp`` and ``mdp`` points of one ``<data>`` element (one reaction; ``mdp`` only if ``melt``)."""
        cycles, fluor, temperature = _points(data, "adp", ("cyc", "fluor", "tmp"), place, tag, self._values)
        empty = np.empty(0)
        if cycles is None or fluor is None:
            if cycles is not None or fluor is not None:
                raise self._values.fail(f"{place}/adp", "both <cyc> and <fluor>", "only one of them")
            cycles, fluor = empty, empty
        increasing = cycles.size < 2 or bool(np.all(cycles[1:] > cycles[:-1]))  # the usual case, checked cheaply
        if not increasing and np.unique(cycles).size != cycles.size:
            raise self._values.fail(f"{place}/adp", "each cycle once", "a repeated cycle number")
        self._amplification.append((cycles, fluor, temperature))
        if not melt:
            return
        melt_temperature, melt_fluor = _points(data, "mdp", ("tmp", "fluor"), place, tag, self._values)
        if (melt_temperature is None) != (melt_fluor is None):
            raise self._values.fail(f"{place}/mdp", "both <tmp> and <fluor>", "only one of them")
        self._melt.append((melt_temperature if melt_temperature is not None else empty,
                           melt_fluor if melt_fluor is not None else empty))

    def amplification(self) -> AmplificationCurves | None:
        """The ``(reactions x cycles)`` matrices, or ``None`` when no reaction has points."""
        if not any(c.size for c, _, _ in self._amplification):
            return None
        all_cycles = np.unique(np.concatenate([c for c, _, _ in self._amplification]))
        shape = (len(self._amplification), all_cycles.size)
        fluorescence = np.full(shape, np.nan)
        with_temperature = any(t is not None for _, _, t in self._amplification)
        temperature = np.full(shape, np.nan) if with_temperature else None
        for row, (cycles, fluor, temp) in enumerate(self._amplification):
            columns = np.searchsorted(all_cycles, cycles)
            fluorescence[row, columns] = fluor
            if temperature is not None and temp is not None:
                temperature[row, columns] = temp
        return AmplificationCurves(all_cycles, fluorescence, temperature)

    def melt(self) -> MeltCurves | None:
        """The padded melt matrices, or ``None`` when no reaction has a melt curve."""
        width = max((t.size for t, _ in self._melt), default=0)
        if width == 0:
            return None
        temperature = np.full((len(self._melt), width), np.nan)
        fluorescence = np.full((len(self._melt), width), np.nan)
        for row, (temp, fluor) in enumerate(self._melt):
            temperature[row, : temp.size] = temp
            fluorescence[row, : fluor.size] = fluor
        return MeltCurves(temperature, fluorescence)


def _endpoint_table(
    container: RdmlContainer, name: str, place: str, values: ValueDecoder
) -> tuple[tuple[str, ...], NDArray[np.float32], NDArray[np.int8]]:
    """Parse a per-partition table: two tab-separated columns (amplitude, score) per target."""
    if container.archive is None:
        raise values.fail(place, "an RDML zip holding the partition table", "plain XML")
    member = next((m for m in (f"partitions/{name}", name) if m in container.archive.namelist()), None)
    if member is None:
        raise values.fail(place, f"zip member partitions/{name}", "no such member")
    source = f"{values.source.split('[')[0]}[{member}]"
    lines = read_zip_member(container.archive, member, source=source).decode("utf-8", "replace").splitlines()
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise FormatError(source, "line 1", "a header of target ids", "an empty table")
    header = lines[0].split("\t")
    if len(header) % 2 or header[0::2] != header[1::2]:
        raise FormatError(source, "line 1", "each target id twice (amplitude, score)", quote(lines[0]))
    width = len(header)
    cells = [line.split("\t") for line in lines[1:]]
    ragged = next((i for i, row in enumerate(cells) if len(row) != width), None)
    if ragged is not None:
        raise FormatError(source, f"line {ragged + 2}", f"{width} tab-separated cells",
                          f"{len(cells[ragged])}")
    table = np.array(cells, dtype=object).reshape(len(cells), width)
    decoder = ValueDecoder(source)
    amplitudes = decoder.array(
        [str(v) for v in table[:, 0::2].ravel()],
        lambda i: f"line {i // (width // 2) + 2}, column {2 * (i % (width // 2)) + 1}",
    ).reshape(len(cells), width // 2)
    scores = table[:, 1::2]
    calls = np.full(scores.shape, -1, dtype=np.int8)
    for call in PartitionCall:
        calls[scores == call.code] = call.value
    if (calls < 0).any():
        row, column = np.argwhere(calls < 0)[0]
        raise FormatError(source, f"line {row + 2}, column {2 * column + 2}", "a score n, p, u or e",
                          quote(scores[row, column]))
    return tuple(header[0::2]), amplitudes.astype(np.float32), calls


def _counts(data: etree._Element, target_id: str, place: str, tag: Tag, values: ValueDecoder) -> PartitionCounts:
    """The counts of one target in a ``<partitions><data>`` element."""

    def count(name: str) -> int | None:
        text = data.findtext(tag(name))
        return None if text is None else values.integer(text, f"{place}/{name}")

    return PartitionCounts(
        target_id,
        values.integer(data.findtext(tag("pos")), f"{place}/pos"),
        values.integer(data.findtext(tag("neg")), f"{place}/neg"),
        count("undef"),
        count("excl"),
        values.optional(data.findtext(tag("conc")), f"{place}/conc"),
        data.findtext(tag("excluded")),
        data.findtext(tag("note")),
    )


def read_partitions(
    element: etree._Element,
    well: Well,
    sample_id: str,
    place: str,
    container: RdmlContainer,
    tag: Tag,
    values: ValueDecoder,
    resolve_target: Callable[[str | None, str], str],
) -> WellPartitions:
    """Read one ``<partitions>`` element (RDML 1.3 dPCR data) of a reaction."""
    volume = values.number(element.findtext(tag("volume")), f"{place}/volume")
    counts = []
    for index, data in enumerate(element.findall(tag("data")), start=1):
        data_place = f"{place}/data[{index}]"
        tar = data.find(tag("tar"))
        target_id = resolve_target(None if tar is None else tar.get("id"), f"{data_place}/tar")
        counts.append(_counts(data, target_id, data_place, tag, values))
    table_name = (element.findtext(tag("endPtTable")) or "").strip()
    targets: tuple[str, ...] = ()
    amplitudes = calls = None
    if table_name:
        targets, amplitudes, calls = _endpoint_table(container, table_name, f"{place}/endPtTable", values)
        for target_id in targets:
            resolve_target(target_id, f"{place}/endPtTable header")
    try:
        return WellPartitions(well, sample_id, volume, tuple(counts), targets, amplitudes, calls)
    except ValueError as exc:
        raise values.fail(place, "consistent partition data", str(exc)) from None

