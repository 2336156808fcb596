"""MIQE and dMIQE checklist: which items the data in hand can show, and which they cannot.

Items follow MIQE (Bustin et al. 2009, *Clin. Chem.* 55:611-622) and the digital MIQE
update (dMIQE Group 2020, *Clin. Chem.* 66:1012-1029). Only items a data file can speak
to are judged from the data; the rest (specimen handling, extraction, RNA integrity,
reverse transcription) are listed as "not in data" so a reviewer knows to look
elsewhere. The checklist reports; it never decides a result.
"""

from __future__ import annotations

from chipdx.model import Dataset, SampleType
from chipdx.report._data import ChecklistItem

__all__ = ["miqe_checklist"]

SHOWN, MISSING, NOT_IN_DATA = "shown", "missing", "not in data"

_NOT_IN_DATA = (
    ("MIQE", "specimen collection, storage and extraction method"),
    ("MIQE", "nucleic-acid quantity, purity (A260/280) and integrity (RIN/RQI)"),
    ("MIQE", "reverse transcription: enzyme, priming, amount of RNA, conditions"),
    ("MIQE", "reaction conditions: volume, primer and probe concentrations, polymerase"),
)


def _item(guideline: str, item: str, shown: bool, note: str) -> ChecklistItem:
    return ChecklistItem(guideline, item, SHOWN if shown else MISSING, note)


def _calibration(types: set[SampleType], standard_curves: int) -> ChecklistItem:
    item = "calibration curve (standards with known input)"
    if standard_curves:
        return _item("MIQE", item, True, f"{standard_curves} standard curve(s) with slope, efficiency and R² "
                                         "in the standard-curve section")
    if SampleType.STANDARD in types:
        return _item("MIQE", item, False, "standards present, but no curve could be fitted or none is shown")
    return _item("MIQE", item, False, "no standards: absolute quantities cannot be given")


def _raw_data(guideline: str, item: str, rdml_beside: str | None) -> ChecklistItem:
    if rdml_beside:
        return _item(guideline, item, True, f"the run is exported as RDML 1.3 beside this report ({rdml_beside})")
    return _item(guideline, item, False, "not exported with this report: chipdx convert RUN run.rdml writes it")


def _qpcr_items(dataset: Dataset, standard_curves: int, rdml_beside: str | None) -> list[ChecklistItem]:
    reactions = [r for run in dataset.runs for r in run.reactions]
    types = {dataset.sample(r.sample_id).type_for(r.target_id) for r in reactions}
    per_sample_target: dict[tuple[str, str], int] = {}
    for reaction in reactions:
        key = (reaction.sample_id, reaction.target_id)
        per_sample_target[key] = per_sample_target.get(key, 0) + 1
    replicated = sum(count > 1 for count in per_sample_target.values())
    instruments = sorted({run.instrument for run in dataset.runs if run.instrument})
    sequences = [t.id for t in dataset.targets if t.sequences is not None]
    references = [t.id for t in dataset.targets if t.type.value == "ref"]
    melt = any(run.melt is not None for run in dataset.runs)
    return [
        _item("MIQE", "instrument and software identified", bool(instruments),
              ", ".join(instruments) or "the file names no instrument"),
        _item("MIQE", "no-template controls (NTC)", SampleType.NTC in types,
              "NTC reactions present" if SampleType.NTC in types else "no NTC in this run"),
        _item("MIQE", "positive and extraction controls",
              bool(types & {SampleType.POSITIVE_CONTROL, SampleType.EXTRACTION_CONTROL}),
              "pos/ext samples present" if types & {SampleType.POSITIVE_CONTROL, SampleType.EXTRACTION_CONTROL}
              else "none declared"),
        _calibration(types, standard_curves),
        _item("MIQE", "technical replicates", replicated > 0,
              f"{replicated} sample-target pairs run in replicate"),
        _item("MIQE", "primer/probe sequences or assay identifiers", bool(sequences),
              ", ".join(sequences) if sequences else "no sequences in the file"),
        _item("MIQE", "reference genes for relative quantification", bool(references),
              ", ".join(references) or "none declared"),
        _item("MIQE", "specificity: melt curve for intercalating-dye assays", melt,
              "melt curves present" if melt else "no melt data (not needed for probe assays)"),
        _item("MIQE", "Cq determination method stated", True,
              "second-derivative maximum (stated under the qPCR reactions table)"),
        _raw_data("MIQE", "raw data available (RDML)", rdml_beside),
    ]


def _dpcr_items(dataset: Dataset, rdml_beside: str | None) -> list[ChecklistItem]:
    wells = [w for run in dataset.runs for w in run.partitions]
    volumes = sorted({w.volume_nl for w in wells})
    with_amplitudes = sum(w.amplitudes is not None for w in wells)
    ntc = any(dataset.sample(w.sample_id).type is SampleType.NTC for w in wells)
    return [
        _item("dMIQE", "partition volume and its source", bool(volumes),
              ", ".join(f"{v:g} nL" for v in volumes) + " (from the file or the platform default)"),
        _item("dMIQE", "partitions analysed (accepted and total) per well", True,
              "reported per well and target in the results table"),
        _item("dMIQE", "mean copies per partition (λ) and CI method", True,
              "λ = -ln(1 - k/n); 95 % CI reported per well"),
        _item("dMIQE", "threshold / classification method with 1-D/2-D plots", with_amplitudes > 0,
              f"{with_amplitudes} wells with partition amplitudes plotted" if with_amplitudes
              else "counts only: the classification cannot be checked"),
        _item("dMIQE", "NTC partitions (false positives)", ntc, "NTC wells present" if ntc else "no NTC well"),
        _raw_data("dMIQE", "data submission in RDML (partitions with per-partition tables)", rdml_beside),
    ]


def miqe_checklist(dataset: Dataset, *, standard_curves: int = 0,
                   rdml_beside: str | None = None) -> tuple[ChecklistItem, ...]:
    """The checklist for ``dataset``: qPCR items when it has reactions, dPCR items when it has partitions.

    An item is "shown" only when the report shows it: the calibration curve when
    ``standard_curves`` curves are drawn, raw data when the RDML file ``rdml_beside`` was
    written beside the report.

    >>> from chipdx.model import Dataset
    >>> [i.status for i in miqe_checklist(Dataset(()))]
    ['not in data', 'not in data', 'not in data', 'not in data']
    """
    items: list[ChecklistItem] = []
    if any(run.reactions for run in dataset.runs):
        items += _qpcr_items(dataset, standard_curves, rdml_beside)
    if any(run.partitions for run in dataset.runs):
        items += _dpcr_items(dataset, rdml_beside)
    items += [ChecklistItem(g, item, NOT_IN_DATA, "keep with the laboratory record") for g, item in _NOT_IN_DATA]
    return tuple(items)
