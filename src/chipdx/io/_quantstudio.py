"""Applied Biosystems QuantStudio / 7500 / ViiA 7 tables to a chipdx dataset.

The text export (``[Section]`` blocks) and the Design & Analysis xlsx export
(one sheet per table) hold the same tables under slightly different column
names; both readers hand their tables to :func:`dataset_from_tables`.

Layouts: ``../shared/research/labchip_hardware.md`` §3.1 and the QuantStudio
Design and Analysis Software user guide (Thermo Fisher, MAN0018200), chapter
"Export data".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from chipdx.errors import ChipdxError, FormatError, quote
from chipdx.io._qpcr_build import RunBuilder, SampleBook, parse_number, plate_for_block
from chipdx.model import CqMethod, Dataset, Quantity, QuantityUnit, ReportedResult, SampleType, Software, Well

__all__ = ["Table", "dataset_from_tables", "sample_type_of_task"]

_TARGET = ("Target Name", "Target", "Detector")  # 'Detector': 7500 software v2 exports
_CQ = ("CT", "Ct", "Cq", "Crt", "Cт")  # 'Cт' with a Cyrillic т, as QuantStudio writes ΔΔCт

_TASKS = {
    "UNKNOWN": SampleType.UNKNOWN,
    "STANDARD": SampleType.STANDARD,
    "NTC": SampleType.NTC,
    "PC_ALLELE_1": SampleType.POSITIVE_CONTROL,
    "PC_ALLELE_2": SampleType.POSITIVE_CONTROL,
    "PC_ALLELE_BOTH": SampleType.POSITIVE_CONTROL,
    "POSITIVE_CONTROL": SampleType.POSITIVE_CONTROL,
    "POSITIVE CONTROL": SampleType.POSITIVE_CONTROL,  # Design & Analysis presence/absence workbooks
    "IPC": SampleType.POSITIVE_CONTROL,  # internal positive control (presence/absence, genotyping)
    "NEGATIVE_CONTROL": SampleType.NTC,
    "NEGATIVE CONTROL": SampleType.NTC,
    "BLOCKED_IPC": SampleType.NTC,
}


def sample_type_of_task(task: str) -> SampleType:
    """The sample type of a QuantStudio ``Task`` (unknown for tasks without an RDML match).

    >>> sample_type_of_task("STANDARD"), sample_type_of_task("ntc"), sample_type_of_task("IPC")
    (<SampleType.STANDARD: 'std'>, <SampleType.NTC: 'ntc'>, <SampleType.POSITIVE_CONTROL: 'pos'>)
    """
    return _TASKS.get(task.strip().upper(), SampleType.UNKNOWN)


@functools.lru_cache(maxsize=64)
def _lowered(header: tuple[str, ...]) -> dict[str, int]:
    lowered: dict[str, int] = {}
    for index, name in enumerate(header):
        lowered.setdefault(name.strip().lower(), index)
    return lowered


@dataclass(frozen=True, slots=True)
class Table:
    """One table of an export: a header and rows of text cells.

    ``place(row, column)`` names a cell for error messages (a line or a sheet cell).
    """

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    place: Callable[[int, int], str]

    def column(self, *names: str) -> int | None:
        """The index of the first of ``names`` present in the header (case-insensitive)."""
        lowered = _lowered(self.header)
        for name in names:
            index = lowered.get(name.lower())
            if index is not None:
                return index
        return None

    def require(self, *names: str) -> int:
        """Like :meth:`column`, raising a ``FormatError`` naming the header when absent."""
        index = self.column(*names)
        if index is None:
            found = ", ".join(self.header[:8]) or "no columns"
            raise _TableError(self.place(-1, 0), f"a column {names[0]!r} in [{self.name}]", quote(found, 80))
        return index

    def cell(self, row: int, column: int | None) -> str:
        """The text of a cell ('' when the column is absent or the row is short)."""
        if column is None or column >= len(self.rows[row]):
            return ""
        return self.rows[row][column].strip()

    def number(self, row: int, column: int | None) -> float | None:
        """A cell as a number (``None`` when empty or 'Undetermined')."""
        text = self.cell(row, column)
        try:
            return parse_number(text)
        except ValueError:
            raise _TableError(self.place(row, column or 0), "a number", quote(text)) from None

    def required(self, row: int, column: int) -> float:
        """A cell that must hold a number."""
        value = self.number(row, column)
        if value is None:
            text = self.cell(row, column)
            raise _TableError(self.place(row, column), "a number", quote(text) if text else "an empty cell")
        return value


class _TableError(ChipdxError):
    """A problem found in a table, turned into a FormatError with the file name."""

    def __init__(self, place: str, expected: str, found: str) -> None:
        super().__init__(place)
        self.place, self.expected, self.found = place, expected, found


def _sample_id(name: str, task: str, quantity: float | None, well_label: str) -> str:
    if name:
        return name
    kind = sample_type_of_task(task)
    if kind is SampleType.NTC:
        return "NTC"
    if kind is SampleType.STANDARD and quantity is not None:
        return f"STD_{quantity:g}"
    return f"well {well_label}"


class _Reader:
    """Turns the tables of one export into a run."""

    def __init__(self, tables: dict[str, Table], meta: dict[str, str], source: str) -> None:
        self.tables, self.meta, self.source = tables, meta, source
        self.book = SampleBook()
        self.builder = RunBuilder(plate_for_block(meta.get("Block Type", ""), self._labels()), source)

    def _labels(self) -> list[str]:
        labels: list[str] = []
        for table in self.tables.values():
            column = table.column("Well Position")
            labels += [table.cell(i, column) for i in range(len(table.rows)) if table.cell(i, column)]
        return labels

    def _well(self, table: Table, row: int) -> Well | None:
        position, number = table.column("Well Position"), table.column("Well")
        text = table.cell(row, position) or table.cell(row, number)
        if not text:
            return None
        column = position if table.cell(row, position) else number
        return self.builder.well(text, place=table.place(row, column or 0))

    def _targets(self, table: Table, row: int) -> list[tuple[str, str, str]]:
        """(target, dye, result-column prefix) for a row; two per row on genotyping tables."""
        assay = table.cell(row, table.column("SNP Assay Name"))
        if assay:
            alleles = []
            for n in ("1", "2"):
                name = table.cell(row, table.column(f"Allele{n} Name")) or f"Allele {n}"
                dye = table.cell(row, table.column(f"Allele{n} Reporter"))
                alleles.append((f"{assay}-{name}", dye, f"Allele{n} "))
            return alleles
        dye = table.cell(row, table.column("Reporter", "Dye"))
        target = table.cell(row, table.column(*_TARGET))
        if table.column(*_TARGET) is None:
            target = dye  # Primary Analysis exports name no target: the reporter stands for it
        return [(target, dye, "")] if target else []

    def _declare(self, table: Table, row: int) -> list[tuple[int, str]]:
        well = self._well(table, row)
        if well is None:
            return []
        task = table.cell(row, table.column("Task"))
        quantity = table.number(row, table.column("Quantity"))
        name = _sample_id(table.cell(row, table.column("Sample Name", "Sample")), task, quantity, well.label)
        rows = []
        for target, dye, prefix in self._targets(table, row):
            known = self.book.targets.get(target)
            self.book.target(target, dye or (known.dye_id if known else ""))
            standard = quantity is not None and task.upper() == "STANDARD"
            amount = Quantity(quantity, QuantityUnit.OTHER) if standard and quantity is not None else None
            sample = self.book.sample(name, sample_type_of_task(task), target_id=target, quantity=amount)
            existing = self.builder.find(well, target)
            index = existing if existing is not None else self.builder.reaction(well, sample, target)
            rows.append((index, prefix))
        return rows

    def positions(self) -> None:
        """The well numbers and the positions the file states for them, from every table holding both."""
        for table in self.tables.values():
            number, position = table.column("Well"), table.column("Well Position")
            if number is None or position is None:
                continue
            for row in range(len(table.rows)):
                label = table.cell(row, position)
                if label:
                    self.builder.state_position(table.cell(row, number), label, place=table.place(row, position))

    def setup(self) -> None:
        self.positions()
        for name in ("Sample Setup", "Results"):
            table = self.tables.get(name)
            if table is not None:
                for row in range(len(table.rows)):
                    self._declare(table, row)

    def results(self) -> None:
        table = self.tables.get("Results")
        if table is None:
            return
        for row in range(len(table.rows)):
            for index, prefix in self._declare(table, row):
                cq = table.number(row, table.column(*(prefix + name for name in _CQ)))
                omit = table.cell(row, table.column("Omit")).lower() == "true"
                self.builder.report(index, ReportedResult(
                    cq=cq,
                    melt_temperature_c=table.number(row, table.column("Tm1")),
                    quantification_fluorescence=table.number(
                        row, table.column(f"{prefix}Ct Threshold", "Threshold")),
                    baseline_start=table.number(row, table.column(f"{prefix}Baseline Start")),
                    baseline_end=table.number(row, table.column(f"{prefix}Baseline End")),
                    excluded="omitted in the source software" if omit else None,
                ))

    def calls(self) -> None:
        """Presence/absence calls (``Target Call`` sheet, ``Call`` column) kept as the reaction's reported note."""
        table = self.tables.get("Target Call")
        call_col, target_col = (None, None) if table is None else (table.column("Call"), table.column(*_TARGET))
        if table is None or call_col is None or target_col is None:
            return
        for row in range(len(table.rows)):
            well, call = self._well(table, row), table.cell(row, call_col)
            index = None if well is None or not call else self.builder.find(well, table.cell(row, target_col))
            if index is not None:
                old = self.builder.reported_of(index)
                note = f"{old.note}; call: {call}" if old.note else f"call: {call}"
                self.builder.report(index, dataclasses.replace(old, note=note))

    def _row_for(self, table: Table, row: int, target: str, place_column: int) -> int:
        well = self._well(table, row)
        if well is None:
            raise _TableError(table.place(row, 0), "a well number or position", "an empty cell")
        index = self.builder.find(well, target)
        if index is None:
            sample = table.cell(row, table.column("Sample")) or f"well {well.label}"
            self.book.target(target, "")
            self.book.sample(sample, SampleType.UNKNOWN, target_id=target)
            index = self.builder.reaction(well, sample, target)
        return index

    def amplification(self) -> bool:
        table = self.tables.get("Amplification Data")
        if table is None or not table.rows:
            return False
        cycle_col, target_col = table.require("Cycle", "Cycle Number"), table.require(*_TARGET)
        rn_col = table.require("Rn")
        for row in range(len(table.rows)):
            target = table.cell(row, target_col)
            if not target and not table.cell(row, rn_col):
                continue  # an empty well: the export lists its cycles with no target and no reading
            if not target:
                raise _TableError(table.place(row, target_col), "a target name", "an empty cell")
            index = self._row_for(table, row, target, target_col)
            cycle = table.required(row, cycle_col)
            value = table.required(row, rn_col)
            self.builder.amplification_point(index, cycle, value, place=table.place(row, cycle_col))
        return True

    def multicomponent(self) -> None:
        """Rn = reporter / passive reference from multicomponent data, when amplification data is absent."""
        table = self.tables.get("Multicomponent Data") or self.tables.get("Multicomponent")
        if table is None or not table.rows:
            return
        cycle_col = table.require("Cycle", "Cycle Number")
        reference = table.column(self.meta.get("Passive Reference", "") or "ROX")
        for row in range(len(table.rows)):
            well = self._well(table, row)
            if well is None:
                continue
            cycle = table.required(row, cycle_col)
            divisor = table.number(row, reference) if reference is not None else None
            for index in self.builder.rows_of_well(well):
                dye = self.book.targets[self.builder.target_of(index)].dye_id
                signal = table.number(row, table.column(dye))
                if signal is not None:
                    value = signal / divisor if divisor else signal
                    self.builder.amplification_point(index, cycle, value, place=table.place(row, cycle_col))

    def melt(self) -> None:
        table = self.tables.get("Melt Curve Raw Data")
        if table is None or not table.rows:
            return
        temp_col, fluor_col = table.require("Temperature"), table.require("Fluorescence")
        for row in range(len(table.rows)):
            well = self._well(table, row)
            if well is None:
                raise _TableError(table.place(row, 0), "a well number or position", "an empty cell")
            rows = self.builder.rows_of_well(well)
            temperature = table.required(row, temp_col)
            value = table.required(row, fluor_col)
            if not rows:
                rows = [self._row_for(table, row, "melt", temp_col)]
            self.builder.melt_point(rows[0], temperature, value)

    def run_details(self) -> dict[str, object]:
        meta = self.meta
        results = self.tables.get("Results")
        method = None
        if results is not None and results.rows:
            automatic = results.cell(0, results.column("Automatic Ct Threshold")).lower()
            method = {"true": CqMethod.AUTOMATED_THRESHOLD, "false": CqMethod.MANUAL_THRESHOLD}.get(automatic)
        software = meta.get("Software Name and Version")
        return {
            "instrument": meta.get("Instrument Type") or None,
            "description": meta.get("Experiment Type") or None,
            "cq_method": method,
            "software": Software(software) if software else None,
            "run_date": _date(meta.get("Experiment Run End Time") or meta.get("Run End Date/Time")
                              or meta.get("Run End Data/Time") or ""),  # 'Data' is how some v2 exports spell it
        }


def _date(text: str) -> dt.datetime | None:
    """A QuantStudio time stamp such as ``2010-10-21 00:51:26 AM EDT`` (time zone dropped)."""
    text = re.sub(r"\s+(?!AM$|PM$)[A-Z]{2,5}$", "", text.strip())
    for pattern in ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %H:%M:%S %p", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def dataset_from_tables(
    tables: dict[str, Table], meta: dict[str, str], *, source: str, format: str
) -> Dataset:
    """Build the dataset of one QuantStudio export from its tables and ``* Key = Value`` metadata."""
    reader = _Reader(tables, meta, source)
    try:
        reader.setup()
        reader.results()
        reader.calls()
        if not reader.amplification():
            reader.multicomponent()
        reader.melt()
    except _TableError as problem:
        raise FormatError(source, problem.place, problem.expected, problem.found) from None
    name = meta.get("Experiment Name") or meta.get("File Name", "").replace("\\", "/").rsplit("/", 1)[-1]
    try:
        run = reader.builder.build(name or "run", **reader.run_details())
    except ValueError as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(source, "", "a consistent plate layout", str(exc)) from None
    return reader.book.dataset((run,), format=format)
