"""Write a dataset as RDML 1.3 (zip with ``rdml_data.xml`` and dPCR partition tables).

The element order follows the RDML 1.3 XSD. Floats are written with Python's
shortest round-trip representation, so reading the file back gives the same
numbers. Output is deterministic: same dataset, same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chipdx._version import __version__
from chipdx.io._atomic import atomic_output
from chipdx.io.rdml._read import PROVENANCE_DOCUMENT, SAMPLE_TYPE_ANNOTATION
from chipdx.model import (
    CqMethod,
    Dataset,
    PartitionCall,
    PartitionCounts,
    Reaction,
    ReportedResult,
    Run,
    Sample,
    SampleType,
    Target,
    WellPartitions,
)

__all__ = ["dataset_to_xml", "write_rdml"]

_NS = "http://www.rdml.org"
_RDML_TYPES = {t.value for t in SampleType} - {SampleType.EXTRACTION_CONTROL.value}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def escape(text: str) -> str:
    """XML character data: ``&``, ``<`` and ``>`` as entities (as ``xml.sax.saxutils.escape``).

    Local, because importing ``xml.sax.saxutils`` pulls in ``urllib`` and ``email`` (a sizeable
    share of the command line's start-up time).

    >>> escape("a < b & c")
    'a &lt; b &amp; c'
    """
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """A quoted XML attribute value, byte-identical to ``xml.sax.saxutils.quoteattr``.

    >>> print(quoteattr('say "hi"'), quoteattr("it's"), quoteattr("a&b"))
    'say "hi"' "it's" "a&amp;b"
    """
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def _num(value: float) -> str:
    return repr(float(value))


def _el(name: str, value: str | float | int | None) -> str:
    if value is None:
        return ""
    text = _num(value) if isinstance(value, float) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _provenance(dataset: Dataset) -> str:
    p = dataset.provenance
    if p is None:
        return ""
    lines = [
        f"written by: chipdx {__version__}",
        f"source: {p.source}",
        f"source format: {p.format} {p.format_version}".rstrip(),
    ]
    if p.sha256:
        lines.append(f"source sha256: {p.sha256}")
    lines.append(f"simulated: {'yes' if p.simulated else 'no'}")
    text = escape("\n".join(lines))
    return f"<documentation id={quoteattr(PROVENANCE_DOCUMENT)}><text>{text}</text></documentation>"


def _sample(sample: Sample) -> str:
    annotations = list(sample.annotations)
    sample_type = sample.type.value
    if sample_type not in _RDML_TYPES:
        annotations.append((SAMPLE_TYPE_ANNOTATION, sample_type))
        sample_type = SampleType.UNKNOWN.value
    types = [f"<type>{sample_type}</type>"]
    for target, per_target in sample.types_by_target:
        code = per_target.value
        if code not in _RDML_TYPES:
            annotations.append((f"{SAMPLE_TYPE_ANNOTATION}@{target}", code))
            code = SampleType.UNKNOWN.value
        types.append(f"<type targetId={quoteattr(target)}>{code}</type>")
    parts = [_el("description", sample.description)]
    parts += [f"<annotation>{_el('property', k)}{_el('value', v)}</annotation>" for k, v in annotations]
    parts += types
    if sample.quantity is not None:
        quantity = sample.quantity
        parts.append(f"<quantity>{_el('value', quantity.value)}{_el('unit', quantity.unit.value)}</quantity>")
    return f"<sample id={quoteattr(sample.id)}>{''.join(parts)}</sample>"


def _target(target: Target) -> str:
    parts = [
        _el("description", target.description),
        _el("type", target.type.value),
        _el("amplificationEfficiencyMethod", target.efficiency_method),
        _el("amplificationEfficiency", target.efficiency),
        _el("amplificationEfficiencySE", target.efficiency_se),
        _el("meltingTemperature", target.melting_temperature_c),
        _el("detectionLimit", target.detection_limit),
        f"<dyeId id={quoteattr(target.dye_id)}/>",
    ]
    if target.sequences is not None:
        s = target.sequences
        oligos = (("forwardPrimer", s.forward_primer), ("reversePrimer", s.reverse_primer),
                  ("probe1", s.probe1), ("probe2", s.probe2), ("amplicon", s.amplicon))
        parts.append("<sequences>" + "".join(
            f"<{name}><sequence>{escape(seq)}</sequence></{name}>" for name, seq in oligos if seq
        ) + "</sequences>")
    return f"<target id={quoteattr(target.id)}>{''.join(parts)}</target>"


def _reported(reported: ReportedResult) -> str:
    r = reported
    return "".join((
        _el("cq", r.cq), _el("N0", r.n0), _el("ampEffMet", r.efficiency_method), _el("ampEff", r.efficiency),
        _el("ampEffSE", r.efficiency_se), _el("corrF", r.correction_factor), _el("corrP", r.correction_p),
        _el("corrCq", r.corrected_cq), _el("meltTemp", r.melt_temperature_c), _el("excl", r.excluded),
        _el("note", r.note),
    ))


def _tail(reported: ReportedResult) -> str:
    r = reported
    return "".join((_el("endPt", r.end_point), _el("bgFluor", r.background_fluorescence),
                    _el("bgFluorSlp", r.background_slope), _el("quantFluor", r.quantification_fluorescence)))


def _data(run: Run, row: int, reaction: Reaction) -> str:
    parts = [f"<data><tar id={quoteattr(reaction.target_id)}/>", _reported(reaction.reported)]
    if run.amplification is not None:
        amp = run.amplification
        fluorescence = amp.fluorescence[row]
        temperature = None if amp.temperature_c is None else amp.temperature_c[row]
        for column in np.flatnonzero(~np.isnan(fluorescence)):
            tmp = "" if temperature is None or np.isnan(temperature[column]) else _el("tmp", float(temperature[column]))
            parts.append(f"<adp><cyc>{_num(amp.cycles[column])}</cyc>{tmp}<fluor>{_num(fluorescence[column])}</fluor></adp>")
    if run.melt is not None:
        for tmp, fluor in zip(*run.melt.points(row), strict=True):
            parts.append(f"<mdp><tmp>{_num(tmp)}</tmp><fluor>{_num(fluor)}</fluor></mdp>")
    parts.append(_tail(reaction.reported))
    parts.append("</data>")
    return "".join(parts)


def _counts_from_calls(partitions: WellPartitions) -> tuple[PartitionCounts, ...]:
    """Counts per target from the partition calls, for wells that come without counts."""
    if partitions.counts or partitions.calls is None:
        return partitions.counts
    calls = partitions.calls
    return tuple(
        PartitionCounts(
            target,
            int(np.sum(calls[:, i] == PartitionCall.POSITIVE)),
            int(np.sum(calls[:, i] == PartitionCall.NEGATIVE)),
            int(np.sum(calls[:, i] == PartitionCall.UNDEFINED)),
            int(np.sum(calls[:, i] == PartitionCall.EXCLUDED)),
        )
        for i, target in enumerate(partitions.targets)
    )


def _partitions(partitions: WellPartitions, table: str | None) -> str:
    parts = [f"<partitions>{_el('volume', float(partitions.volume_nl))}", _el("endPtTable", table)]
    for c in _counts_from_calls(partitions):
        parts.append(
            f"<data><tar id={quoteattr(c.target_id)}/>{_el('excluded', c.exclusion)}{_el('note', c.note)}"
            f"{_el('pos', c.positive)}{_el('neg', c.negative)}{_el('undef', c.undefined)}"
            f"{_el('excl', c.excluded)}{_el('conc', c.concentration_copies_per_ul)}</data>"
        )
    parts.append("</partitions>")
    return "".join(parts)


def partition_table(partitions: WellPartitions) -> bytes:
    """The RDML per-partition table: a header of target ids, then amplitude and score per target."""
    assert partitions.amplitudes is not None
    header = "\t".join(t for target in partitions.targets for t in (target, target))
    amplitudes = partitions.amplitudes.astype(str)
    if partitions.calls is None:
        scores = np.full(amplitudes.shape, PartitionCall.UNDEFINED.code)
    else:
        scores = np.array(list("npue"))[partitions.calls]
    columns = np.empty((amplitudes.shape[0], 2 * amplitudes.shape[1]), dtype=object)
    columns[:, 0::2] = amplitudes
    columns[:, 1::2] = scores
    rows = ["\t".join(row) for row in columns.tolist()]
    return ("\n".join([header, *rows]) + "\n").encode()


def _run(run: Run, run_key: str, tables: dict[str, bytes]) -> str:
    software = "" if run.software is None else (
        f"<dataCollectionSoftware>{_el('name', run.software.name)}{_el('version', run.software.version)}"
        "</dataCollectionSoftware>"
    )
    cq_method = None if run.cq_method is None else CqMethod(run.cq_method).value
    plate = run.plate
    parts = [
        f"<run id={quoteattr(run.id)}>", _el("description", run.description), _el("instrument", run.instrument),
        software, _el("backgroundDeterminationMethod", run.background_method),
        _el("cqDetectionMethod", cq_method),
        f"<pcrFormat><rows>{plate.rows}</rows><columns>{plate.columns}</columns>"
        f"<rowLabel>{plate.row_label.value}</rowLabel><columnLabel>{plate.column_label.value}</columnLabel></pcrFormat>",
        _el("runDate", None if run.run_date is None else run.run_date.isoformat()),
    ]
    for well_index, sample_id, rows, partitions in _wells(run):
        parts.append(f"<react id=\"{well_index}\"><sample id={quoteattr(sample_id)}/>")
        parts += [_data(run, row, run.reactions[row]) for row in rows]
        if partitions is not None:
            table = None
            if partitions.amplitudes is not None:
                table = f"{run_key}_{partitions.well.label}.tsv"
                tables[f"partitions/{table}"] = partition_table(partitions)
            parts.append(_partitions(partitions, table))
        parts.append("</react>")
    parts.append("</run>")
    return "".join(parts)


def _wells(run: Run) -> Iterator[tuple[int, str, list[int], WellPartitions | None]]:
    """Group reactions and partitions by well, in well order (one RDML ``react`` each)."""
    rows: dict[int, list[int]] = {}
    samples: dict[int, str] = {}
    for row, reaction in enumerate(run.reactions):
        rows.setdefault(reaction.well.index, []).append(row)
        samples.setdefault(reaction.well.index, reaction.sample_id)
    partitions = {p.well.index: p for p in run.partitions}
    for partition in run.partitions:
        samples.setdefault(partition.well.index, partition.sample_id)
    for index in sorted(samples):
        yield index, samples[index], rows.get(index, []), partitions.get(index)


def dataset_to_xml(dataset: Dataset) -> tuple[bytes, dict[str, bytes]]:
    """The RDML 1.3 XML of ``dataset`` and the partition tables that go beside it in the zip."""
    tables: dict[str, bytes] = {}
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rdml xmlns="{_NS}" version="1.3">', _provenance(dataset)]
    for dye in dataset.dyes:
        chemistry = None if dye.chemistry is None else dye.chemistry.value
        parts.append(f"<dye id={quoteattr(dye.id)}>{_el('description', dye.description)}"
                     f"{_el('dyeChemistry', chemistry)}</dye>")
    parts += [_sample(s) for s in dataset.samples]
    parts += [_target(t) for t in dataset.targets]
    experiments: dict[str, list[str]] = {}
    for number, run in enumerate(dataset.runs, start=1):
        experiments.setdefault(run.experiment_id, []).append(_run(run, f"run{number}", tables))
    for experiment_id, runs in experiments.items():
        parts.append(f"<experiment id={quoteattr(experiment_id)}>{''.join(runs)}</experiment>")
    parts.append("</rdml>\n")
    return "".join(parts).encode("utf-8"), tables


def write_rdml(dataset: Dataset, path: Path) -> None:
    """Write ``dataset`` to ``path`` as an RDML 1.3 zip, atomically."""
    xml, tables = dataset_to_xml(dataset)
    with atomic_output(path) as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (("rdml_data.xml", xml), *sorted(tables.items())):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
