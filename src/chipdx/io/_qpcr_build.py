"""Building a chipdx dataset from the rows of a qPCR instrument export.

Instrument exports list readings row by row (well, target, cycle, value). Every
reader collects them into a :class:`RunBuilder`, which turns them into the
``(reactions x cycles)`` matrices of the model in one vectorised step and keeps
the sample, target and dye records consistent.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from chipdx.errors import FormatError, quote
from chipdx.model import (
    AmplificationCurves,
    Dataset,
    Dye,
    MeltCurves,
    PlateFormat,
    Provenance,
    Quantity,
    Reaction,
    ReportedResult,
    Run,
    Sample,
    SampleType,
    Target,
    Well,
)

__all__ = ["RunBuilder", "SampleBook", "parse_number", "plate_for_block"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MISSING = frozenset({"", "nan", "na", "n/a", "-", "undetermined", "none", "non numérique", "nicht numerisch"})


def parse_number(text: str, *, decimal: str = ".", thousands: str = ",") -> float | None:
    """Read a number as instruments write it; ``None`` for an empty or 'no value' cell.

    Raises ``ValueError`` for text that is not a number.

    >>> parse_number("36,431.130"), parse_number("12,5", decimal=",", thousands=""), parse_number("Undetermined")
    (36431.13, 12.5, None)
    """
    value = text.strip().strip('"')
    if value.lower() in _MISSING:
        return None
    if thousands:
        value = value.replace(thousands, "")
    if decimal != ".":
        value = value.replace(decimal, ".")
    value = value.replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(value):
        raise ValueError(f"not a number: {text!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text!r}")
    return number


def plate_for_block(block: str, wells: list[str] | None = None) -> PlateFormat:
    """The plate of a block description (``"384-Well Block"``), else one that fits ``wells``.

    >>> plate_for_block("384-Well Block").size, plate_for_block("96-Well Block (0.2mL)").size
    (384, 96)
    """
    match = re.search(r"(\d+)\s*-?\s*well", block, flags=re.IGNORECASE)
    sizes = {96: (8, 12), 384: (16, 24), 48: (6, 8), 1536: (32, 48)}
    if match and int(match.group(1)) in sizes:
        return PlateFormat(*sizes[int(match.group(1))])
    rows = columns = 1
    for label in set(wells or []):
        try:
            well = PlateFormat(32, 48).parse(label)
        except ValueError:
            continue  # a bad label is reported where the well is read, with its line
        rows, columns = max(rows, well.row + 1), max(columns, well.column + 1)
    return PlateFormat.fitting(rows, columns)


@dataclass
class SampleBook:
    """Samples, targets and dyes met while reading, merged into consistent records."""

    samples: dict[str, Sample] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    dyes: dict[str, Dye] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def sample(
        self, sample_id: str, sample_type: SampleType, *, target_id: str, quantity: Quantity | None = None
    ) -> str:
        """Declare (or extend) a sample and return its id.

        A differing type for a new target is kept per target. The same name used with
        another type for the same target (a task set per well, as QuantStudio allows)
        becomes a sample of its own, named ``"<name> [<type>]"``.
        """
        old = self.samples.get(sample_id)
        if old is not None and (sample_id, target_id) in self._seen and old.type_for(target_id) is not sample_type:
            return self.sample(f"{sample_id} [{sample_type.value}]", sample_type, target_id=target_id,
                               quantity=quantity)
        self._seen.add((sample_id, target_id))
        if old is None:
            self.samples[sample_id] = Sample(sample_id, sample_type, quantity)
            return sample_id
        changes: dict[str, object] = {}
        if old.quantity is None and quantity is not None:
            changes["quantity"] = quantity
        if old.type_for(target_id) is not sample_type:
            changes["types_by_target"] = (*old.types_by_target, (target_id, sample_type))
        if changes:
            self.samples[sample_id] = Sample(
                old.id,
                old.type,
                changes.get("quantity", old.quantity),  # type: ignore[arg-type]
                changes.get("types_by_target", old.types_by_target),  # type: ignore[arg-type]
                old.description,
                old.annotations,
            )
        return sample_id

    def target(self, target_id: str, dye_id: str) -> str:
        """Declare a target read with ``dye_id`` (the first dye seen for a target wins)."""
        dye_id = dye_id or "unknown"
        self.dyes.setdefault(dye_id, Dye(dye_id))
        self.targets.setdefault(target_id, Target(target_id, dye_id))
        return target_id

    def dataset(self, runs: tuple[Run, ...], *, format: str, version: str = "") -> Dataset:
        """The dataset holding ``runs`` and every record declared here."""
        return Dataset(
            runs,
            samples=tuple(self.samples.values()),
            targets=tuple(self.targets.values()),
            dyes=tuple(self.dyes.values()),
            provenance=Provenance(source="", format=format, format_version=version),
        )


@dataclass
class RunBuilder:
    """Collects reactions and their readings, then builds one :class:`~chipdx.model.Run`."""

    plate: PlateFormat
    source: str
    _keys: dict[tuple[int, str], int] = field(default_factory=dict)
    _well_cache: dict[str, Well] = field(default_factory=dict)
    _stated: dict[int, str] = field(default_factory=dict)
    _reactions: list[Reaction] = field(default_factory=list)
    _amp: list[tuple[int, float, float, str]] = field(default_factory=list)
    _melt: list[tuple[int, float, float]] = field(default_factory=list)

    def state_position(self, number: str, label: str, *, place: str) -> None:
        """Record that the file numbers the well at ``label`` as ``number``.

        A number read later (a table with a ``Well`` column only) is placed at the label the
        file states for it, not by counting along the plate's rows: files that number only
        the wells in use (1-8 for A1-A4, B1-B4) are placed as they say.
        """
        if not re.fullmatch(r"\s*\d+(\.0+)?\s*", number):
            return  # not a number: refused with its place where the well is read
        key, stated = int(float(number)), self.well(label, place=place).label
        known = self._stated.setdefault(key, stated)
        if known != stated:
            raise FormatError(self.source, place, f"well {key} at {known} as stated before", quote(label))

    def well(self, label_or_number: str, *, place: str) -> Well:
        """The well named by a label (``A1``, ``  A01``) or a number (``1``, ``1.0``).

        A number goes to the position the file states for it (:meth:`state_position`), else
        it counts along the plate's rows (1 = A1, 2 = A2, ...).
        """
        cached = self._well_cache.get(label_or_number)
        if cached is not None:
            return cached
        text = label_or_number.strip()
        try:
            numbered = re.fullmatch(r"\d+(\.0+)?", text)
            if numbered and int(float(text)) in self._stated:
                text = self._stated[int(float(text))]
                numbered = None
            well = self.plate.well(int(float(text))) if numbered else self.plate.parse(text)
        except ValueError:
            raise FormatError(
                self.source, place, f"a well of a {self.plate.rows}x{self.plate.columns} plate", quote(text)
            ) from None
        self._well_cache[label_or_number] = well
        return well

    def reaction(self, well: Well, sample_id: str, target_id: str) -> int:
        """The row of (well, target), added on first use."""
        key = (well.index, target_id)
        row = self._keys.get(key)
        if row is None:
            row = self._keys[key] = len(self._reactions)
            self._reactions.append(Reaction(well, sample_id, target_id))
        return row

    def find(self, well: Well, target_id: str) -> int | None:
        """The row of (well, target), or ``None``."""
        return self._keys.get((well.index, target_id))

    def rows_of_well(self, well: Well) -> list[int]:
        """All rows read in one well."""
        return [row for (index, _), row in self._keys.items() if index == well.index]

    def well_of(self, row: int) -> Well:
        """The well of a row."""
        return self._reactions[row].well

    def target_of(self, row: int) -> str:
        """The target id of a row."""
        return self._reactions[row].target_id

    def reported_of(self, row: int) -> ReportedResult:
        """The values attached to a row so far."""
        return self._reactions[row].reported

    def report(self, row: int, result: ReportedResult) -> None:
        """Attach the values the file reports for a reaction."""
        old = self._reactions[row]
        self._reactions[row] = Reaction(old.well, old.sample_id, old.target_id, result)

    def amplification_point(self, row: int, cycle: float, value: float, *, place: str) -> None:
        """One amplification reading."""
        self._amp.append((row, cycle, value, place))

    def melt_point(self, row: int, temperature: float, value: float) -> None:
        """One melt reading (kept in file order)."""
        self._melt.append((row, temperature, value))

    @property
    def n_reactions(self) -> int:
        """Reactions collected so far."""
        return len(self._reactions)

    def _amplification(self) -> AmplificationCurves | None:
        if not self._amp:
            return None
        rows = np.array([p[0] for p in self._amp], dtype=np.intp)
        cycles_read = np.array([p[1] for p in self._amp], dtype=np.float64)
        values = np.array([p[2] for p in self._amp], dtype=np.float64)
        cycles, columns = np.unique(cycles_read, return_inverse=True)
        flat = rows * cycles.size + columns
        unique, counts = np.unique(flat, return_counts=True)
        if np.any(counts > 1):
            twice = int(np.argmax(counts > 1))
            later = np.flatnonzero(flat == unique[twice])[1]
            raise FormatError(self.source, self._amp[later][3], "one reading per well, target and cycle",
                              f"cycle {cycles_read[later]:g} again")
        matrix = np.full((len(self._reactions), cycles.size), np.nan)
        matrix[rows, columns] = values
        return AmplificationCurves(cycles, matrix)

    def _melt_curves(self) -> MeltCurves | None:
        if not self._melt:
            return None
        rows = np.array([p[0] for p in self._melt], dtype=np.intp)
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
        counts = np.bincount(rows, minlength=len(self._reactions))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        positions = np.arange(rows.size) - starts[rows]
        temperature = np.full((len(self._reactions), int(counts.max())), np.nan)
        fluorescence = np.full_like(temperature, np.nan)
        temperature[rows, positions] = np.array([p[1] for p in self._melt])[order]
        fluorescence[rows, positions] = np.array([p[2] for p in self._melt])[order]
        return MeltCurves(temperature, fluorescence)

    def build(self, run_id: str, **details: object) -> Run:
        """The run, with readings placed in ``(reactions x cycles)`` matrices (``NaN`` = not read)."""
        if not self._reactions:
            raise FormatError(self.source, "", "at least one well with a target", "no reactions")
        return Run(
            run_id or "run",
            self.plate,
            tuple(self._reactions),
            amplification=self._amplification(),
            melt=self._melt_curves(),
            **details,  # type: ignore[arg-type]
        )

