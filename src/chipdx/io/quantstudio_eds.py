"""Applied Biosystems ``.eds`` experiment files (7500 / StepOne / QuantStudio v1 layout).

An ``.eds`` is a zip. chipdx reads ``apldbio/sds/experiment.xml`` (name, run end
time, instrument), ``apldbio/sds/plate_setup.xml`` (plate size; per well the sample
and a list of detector tasks: task, concentration, detector name and reporter dye)
and ``apldbio/sds/multicomponent_data.txt`` (per well, cycle and dye the
multicomponent signal). The amplification curve of a reaction is its normalised
reporter ``Rn`` = reporter signal / passive reference (ROX) signal, as the SDS
software defines it (Applied Biosystems 7500/7500 Fast Real-Time PCR System
Relative Standard Curve and Comparative CT Experiments guide, "About Rn").

Not read: calibration ``.ini`` files, TIFF images, ``post-roi.dat``, analysis
settings; there is no Cq in a v1 ``.eds`` (the software recomputes it). The newer
Design & Analysis v2 ``.eds`` (``summary.json``, ``run/quant/*.quant``) is not read.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
from lxml import etree

from chipdx.errors import FormatError, quote
from chipdx.io._qpcr_build import RunBuilder, SampleBook
from chipdx.io._quantstudio import sample_type_of_task
from chipdx.io._safety import parse_xml, read_zip_member
from chipdx.io._sniff import EDS_ROOT as _ROOT
from chipdx.io._sniff import EDS_ZIP_ERRORS as _ZIP_ERRORS
from chipdx.io._sniff import sniff_eds
from chipdx.model import Dataset, PlateFormat, Quantity, QuantityUnit, SampleType

__all__ = ["read_eds", "sniff_eds"]

_RECORD = re.compile(r"(?m)(\d+)\t(\d+)\t([A-Za-z][\w\- ]*?)\t([-+\d.Ee]+)\t([-+\d.Ee]+)")


def _member(archive: zipfile.ZipFile, name: str, source: str) -> bytes:
    if _ROOT + name not in archive.namelist():
        raise FormatError(source, f"zip member {_ROOT + name!r}", "present in an .eds file", "missing")
    return read_zip_member(archive, _ROOT + name, source=source)


def _plate(setup: etree._Element, source: str) -> PlateFormat:
    rows, columns = setup.findtext("Rows"), setup.findtext("Columns")
    try:
        return PlateFormat(int(rows or "8"), int(columns or "12"))
    except ValueError:
        raise FormatError(source, "plate_setup.xml Plate/Rows", "a whole number of rows and columns",
                          quote(f"{rows} x {columns}")) from None


def _feature(setup: etree._Element, feature_id: str) -> dict[int, etree._Element | None]:
    for feature_map in setup.findall("FeatureMap"):
        if feature_map.findtext("Feature/Id") == feature_id:
            values = {}
            for value in feature_map.findall("FeatureValue"):
                index = value.findtext("Index")
                if index is not None and index.strip().isdecimal():
                    values[int(index)] = value.find("FeatureItem")
            return values
    return {}


def _layout(setup: etree._Element, builder: RunBuilder, book: SampleBook, source: str) -> None:
    samples = _feature(setup, "sample")
    for index, item in sorted(_feature(setup, "detector-task").items()):
        if item is None:
            continue
        if index >= builder.plate.size:
            raise FormatError(source, f"plate_setup.xml FeatureValue Index {index}",
                              f"a well index below {builder.plate.size}", str(index))
        well = builder.plate.well(index + 1)
        sample_item = samples.get(index)
        name = sample_item.findtext("Sample/Name") if sample_item is not None else None
        for task in item.findall("DetectorTaskList/DetectorTask"):
            kind = sample_type_of_task(task.findtext("Task") or "")
            target = (task.findtext("Detector/Name") or "").strip()
            dye = (task.findtext("Detector/Reporter") or "").strip()
            if not target:
                continue
            concentration = task.findtext("Concentration")
            quantity = None
            if kind is SampleType.STANDARD and concentration:
                try:
                    quantity = Quantity(float(concentration), QuantityUnit.OTHER)
                except ValueError:
                    raise FormatError(source, f"plate_setup.xml well {well.label} Concentration", "a number",
                                      quote(concentration)) from None
            sample = (name or "").strip() or (f"STD_{quantity.value:g}" if quantity else f"well {well.label}")
            book.target(target, dye)
            book.sample(sample, kind, target_id=target, quantity=quantity)
            builder.reaction(well, sample, target)


def _signals(text: str) -> dict[str, dict[tuple[int, int], float]]:
    """Signal per dye and (well index from 0, cycle from 0)."""
    signals: dict[str, dict[tuple[int, int], float]] = {}
    for match in _RECORD.finditer(text):
        well, cycle, dye, _mse, signal = match.groups()
        signals.setdefault(dye.strip(), {})[(int(well), int(cycle))] = float(signal)
    return signals


def _curves(builder: RunBuilder, book: SampleBook, text: str, source: str) -> None:
    if "WELL" not in text[:2000] or "SIGNAL" not in text[:2000]:
        raise FormatError(source, "multicomponent_data.txt line 3", "a 'WELL CYCLE DYE LIST MSE SIGNAL' header",
                          quote(text[:60]))
    signals = _signals(text)
    reference = signals.get("ROX", {})
    rows_by_dye: dict[tuple[int, str], list[int]] = {}
    for row in range(builder.n_reactions):
        dye = book.targets[builder.target_of(row)].dye_id
        rows_by_dye.setdefault((builder.well_of(row).index - 1, dye), []).append(row)
    for dye, points in signals.items():
        for (index, cycle), value in points.items():
            divisor = reference.get((index, cycle))
            rn = value / divisor if divisor else value
            for row in rows_by_dye.get((index, dye), []):
                if np.isfinite(rn):
                    builder.amplification_point(row, cycle + 1.0, rn, place=f"multicomponent_data.txt well {index}")


def _run_date(experiment: etree._Element) -> dt.datetime | None:
    text = experiment.findtext("RunEndTime")
    if text and text.strip().isdecimal():
        return dt.datetime.fromtimestamp(int(text) / 1000, tz=dt.UTC).replace(tzinfo=None)
    return None


def read_eds(path: Path) -> Dataset:
    """Read a v1 ``.eds`` file into a dataset (one run; Rn from the multicomponent data)."""
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise FormatError(source, "", "an .eds file (a zip archive)", str(exc) or "not a zip") from None
    with archive:
        experiment = parse_xml(_member(archive, "experiment.xml", source), source=f"{source}: experiment.xml")
        setup = parse_xml(_member(archive, "plate_setup.xml", source), source=f"{source}: plate_setup.xml")
        text = _member(archive, "multicomponent_data.txt", source).decode("utf-8", "replace")
    book = SampleBook()
    builder = RunBuilder(_plate(setup, source), source)
    _layout(setup, builder, book, source)
    _curves(builder, book, text, source)
    run = builder.build(
        (experiment.findtext("Name") or "run").strip() or "run",
        instrument=(experiment.findtext("InstrumentTypeId") or None),
        description=(experiment.findtext("Type/Name") or None),
        run_date=_run_date(experiment),
    )
    return book.dataset((run,), format="quantstudio-eds")
