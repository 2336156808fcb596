"""Build :class:`ReportData` from a dataset and the results computed for it.

The builder lays out what analysis and interpretation computed (Cq, thresholds, melt
peaks, dPCR thresholds and rain bands, calls and reasons); the only arithmetic here is
for display: picking rows, reading a curve at its Cq, formatting numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from chipdx._version import __version__
from chipdx.analysis.dpcr import subtract_spill
from chipdx.codes import CODES
from chipdx.interpret.results import SampleResult
from chipdx.model import Dataset, Run
from chipdx.report._checklist import miqe_checklist
from chipdx.report._data import (
    ControlCheck,
    CurvePanel,
    DropletPanel,
    FlagNote,
    MeltPanel,
    PlateCell,
    PlateMap,
    ReportData,
    SampleAnswer,
    StandardCurvePanel,
    Table,
)

__all__ = ["AssayInfo", "QpcrResults", "build_report"]

MAX_DROPLET_PANELS = 8


@dataclass(frozen=True, slots=True, eq=False)
class QpcrResults:
    """What the qPCR engine computed for one run, in the run's reaction order.

    ``table`` has the ``qpcr analyze`` columns (plus ``curve_call``, ``p_amplified``,
    ``tm`` when present); ``corrected`` is the baseline-corrected fluorescence;
    ``log10_threshold`` the per-reaction quantification threshold; ``melt_temperature_c``
    and ``melt_derivative`` the melt peaks (-dF/dT) when the run has melt curves.
    """

    run: Run
    table: pd.DataFrame
    corrected: NDArray[np.float64]
    log10_threshold: NDArray[np.float64]
    melt_temperature_c: NDArray[np.float64] | None = None
    melt_derivative: NDArray[np.float64] | None = None


@dataclass(frozen=True, slots=True)
class AssayInfo:
    """The decision table and classifier a run was interpreted with, the Tm windows per target and, in words,
    the Cq the assay's cut-offs are defined on."""

    ruleset_id: str
    ruleset_sha256: str
    title: str
    model_id: str | None = None
    model_sha256: str | None = None
    melt_windows_c: tuple[tuple[str, tuple[float, float]], ...] = ()
    cq_definition: str = ""


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return ""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return "" if np.isnan(number) else f"{number:.{digits}f}"


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in table.to_dict(orient="records")]


def _n0(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    if not np.isfinite(number):
        return ""
    return f"{number:.4f}" if number >= 1e-3 else f"{number:.2e}"


def _summary(dataset: Dataset, qpcr: Sequence[QpcrResults], dpcr: pd.DataFrame | None,
             results: Sequence[SampleResult], assay: AssayInfo | None) -> tuple[tuple[str, str], ...]:
    runs = ", ".join(run.id for run in dataset.runs) or (
        "none: the input is a Cq table, it has no curves to show; the calls rest on its Cq, read as the instrument's")
    rows = [("runs", runs),
            ("samples", str(len(dataset.samples))),
            ("targets", ", ".join(f"{t.id} ({t.dye_id})" for t in dataset.targets))]
    if qpcr:
        reactions = sum(len(q.table) for q in qpcr)
        amplified = int(sum(q.table["amplified"].sum() for q in qpcr))
        rows.append(("qPCR reactions", f"{reactions} ({amplified} amplified)"))
        cycles = qpcr[0].run.cycles
        if cycles.size:
            rows.append(("cycles", f"{cycles.size} ({cycles[0]:g}-{cycles[-1]:g})"))
    if dpcr is not None:
        rows.append(("dPCR wells x targets", f"{len(dpcr)}, {int(dpcr['n_total'].sum())} partitions"))
    if assay is not None:
        rows.append(("assay", f"{assay.title} ({assay.ruleset_id})"))
        if assay.cq_definition:
            rows.append(("Cq compared", assay.cq_definition))
    specimens = [r for r in results if r.sample_type == "unkn"]
    if specimens:
        counts = Counter(r.result for r in specimens)
        rows.append(("specimens", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items()))))
    controls = Counter(r.control_status for r in results if r.sample_type != "unkn")
    if controls:
        rows.append(("controls", ", ".join(f"{k} {v}" for k, v in sorted(controls.items()))))
    if results:
        rows.append(("needs review", str(sum(r.needs_review for r in results))))
    return tuple(rows)


def _answers(results: Sequence[SampleResult]) -> tuple[SampleAnswer, ...]:
    return tuple(SampleAnswer(r.sample, r.result, r.detected, r.action, r.findings,
                              r.review_reason if r.needs_review else "")
                 for r in results if r.sample_type == "unkn")


def _controls(results: Sequence[SampleResult]) -> tuple[ControlCheck, ...]:
    return tuple(ControlCheck(r.sample, r.sample_type, r.control_status,
                              r.findings or ((r.review_reason,) if r.review_reason else ()))
                 for r in results if r.sample_type != "unkn")


def _provenance(dataset: Dataset, assay: AssayInfo | None) -> tuple[tuple[str, str], ...]:
    p = dataset.provenance
    rows = []
    if p is not None:
        rows += [("source", p.source), ("format", f"{p.format} {p.format_version}".strip()),
                 ("source SHA-256", p.sha256 or "-"), ("origin", "simulated (DLOC-Sim v1)" if p.simulated
                                                         else "instrument export")]
    instruments = sorted({run.instrument for run in dataset.runs if run.instrument})
    if instruments:
        rows.append(("instrument", ", ".join(instruments)))
    rows.append(("software", f"chipdx {__version__}"))
    if assay is not None:
        rows.append(("ruleset", f"{assay.ruleset_id} (SHA-256 {assay.ruleset_sha256[:16]}…)"))
        if assay.model_id:
            rows.append(("classifier", f"{assay.model_id} (SHA-256 {(assay.model_sha256 or '')[:16]}…)"))
    return tuple(rows)


def _plate(dataset: Dataset, qpcr: Sequence[QpcrResults], dpcr: pd.DataFrame | None,
           results: Sequence[SampleResult]) -> PlateMap | None:
    by_sample = {r.sample: r.result if r.sample_type == "unkn" else f"control {r.control_status}"
                 for r in results}
    if qpcr:
        run, table = qpcr[0].run, qpcr[0].table
        calls: dict[str, tuple[str, str]] = {}
        for key, group in table.groupby("well", sort=False):
            sample = str(group["sample"].iloc[0])
            fallback = "amplified" if "amplified" in _curve_calls(group) else "not_amplified"
            calls[str(key)] = (sample, by_sample.get(sample, fallback))
    elif dpcr is not None:
        run = next(r for r in dataset.runs if r.partitions)
        calls = {}
        for key, group in dpcr.groupby("well", sort=False):
            sample = str(group["sample"].iloc[0])
            fallback = "positive partitions" if int(group["n_positive"].sum()) else "no positive partitions"
            calls[str(key)] = (sample, by_sample.get(sample, fallback))
    else:
        return None
    cells = []
    for label, (sample, call) in calls.items():  # a str-keyed dict of (sample, call)
        try:
            well = run.plate.parse(label)
        except ValueError:
            continue
        cells.append(PlateCell(well.row, well.column, well.label, sample, call))
    legend = tuple(dict.fromkeys(c.call for c in cells))
    return PlateMap(run.plate.rows, run.plate.columns, tuple(cells), legend)


def _curve_calls(table: pd.DataFrame) -> NDArray[np.str_]:
    """Each reaction's final curve call without an assay: the classifier's when it ran, else the engine's."""
    engine = np.where(table["amplified"].to_numpy(dtype=bool), "amplified", "not_amplified")
    if "curve_call" not in table.columns:
        return engine
    classifier = table["curve_call"].astype(str).to_numpy()
    return np.where(np.isin(classifier, ("amplified", "not_amplified", "review")), classifier, engine)


def _target_calls(results: Sequence[SampleResult]) -> dict[tuple[str, str], str]:
    calls = {}
    for result in results:
        for target in result.targets:
            calls[(target.sample, target.target)] = target.call
    return calls


def _curve_panels(dataset: Dataset, qpcr: Sequence[QpcrResults],
                  results: Sequence[SampleResult]) -> tuple[CurvePanel, ...]:
    calls = _target_calls(results)
    panels = []
    for q in qpcr:
        table = q.table
        for target in dict.fromkeys(table["target"]):
            rows = np.flatnonzero((table["target"] == target).to_numpy())
            sub = table.iloc[rows]
            fallback = _curve_calls(sub)
            row_calls = tuple(calls.get((str(s), str(target)), str(f)) for s, f in zip(sub["sample"], fallback,
                                                                                         strict=True))
            thresholds = q.log10_threshold[rows]
            threshold = float(10 ** np.nanmedian(thresholds)) if np.isfinite(thresholds).any() else None
            panels.append(CurvePanel(
                target=f"{target}" if len(qpcr) == 1 else f"{target} — {q.run.id}",
                dye=dataset.target(str(target)).dye_id,
                cycles=q.run.cycles, fluorescence=q.corrected[rows],
                labels=tuple(f"{s} ({w})" for w, s in zip(sub["well"], sub["sample"], strict=True)),
                calls=row_calls, cq=sub["cq"].to_numpy(dtype=float), threshold=threshold))
    return tuple(panels)


def _melt_panels(qpcr: Sequence[QpcrResults], assay: AssayInfo | None) -> tuple[MeltPanel, ...]:
    windows = dict(assay.melt_windows_c) if assay is not None else {}
    panels = []
    for q in qpcr:
        if q.melt_temperature_c is None or q.melt_derivative is None or "tm" not in q.table.columns:
            continue
        for target in dict.fromkeys(q.table["target"]):
            rows = np.flatnonzero((q.table["target"] == target).to_numpy())
            sub = q.table.iloc[rows]
            panels.append(MeltPanel(str(target), q.melt_temperature_c[rows], q.melt_derivative[rows],
                                    tuple(f"{w} {s}" for w, s in zip(sub["well"], sub["sample"], strict=True)),
                                    sub["tm"].to_numpy(dtype=float), windows.get(str(target))))
    return tuple(panels)


def _droplet_panels(dataset: Dataset, dpcr: pd.DataFrame | None) -> tuple[DropletPanel, ...]:
    if dpcr is None:
        return ()
    panels: list[DropletPanel] = []
    for run in dataset.runs:
        for well in run.partitions:
            if well.amplitudes is None or len(panels) >= MAX_DROPLET_PANELS:
                continue
            rows = dpcr[(dpcr["run"] == run.id) & (dpcr["well"] == well.well.label)] if "run" in dpcr else dpcr
            by_target: dict[str, dict[str, Any]] = {str(r["target"]): r for r in _records(rows)}
            rows_of = [by_target.get(t) for t in well.targets]
            channels_of = [str(r["channel"]) if r is not None else "" for r in rows_of]
            # the amplitudes the engine thresholded: its spill correction applied
            amplitudes = subtract_spill(well.amplitudes[well.valid], channels_of,
                                        dpcr.attrs.get("compensation", {}).get(run.id, ()))
            thresholds = [float(r["threshold"]) if r is not None and np.isfinite(r["threshold"]) else None
                          for r in rows_of]
            positive = np.column_stack([amplitudes[:, c] > t if t is not None else np.zeros(len(amplitudes), bool)
                                        for c, t in enumerate(thresholds)])
            rain = np.zeros(amplitudes.shape, dtype=bool)
            for column, row in enumerate(rows_of):  # the engine's rain: in the band, no other channel lit
                if row is not None and np.isfinite(row["rain_low"]) and np.isfinite(row["rain_high"]):
                    alone = ~np.delete(positive, column, axis=1).any(axis=1)
                    band = amplitudes[:, column]
                    rain[:, column] = alone & (band > row["rain_low"]) & (band <= row["rain_high"])
            corrected = {into for _, into, _, _ in dpcr.attrs.get("compensation", {}).get(run.id, ())}
            channels = tuple(f"{t} ({dataset.target(t).dye_id}{', spill removed' if c in corrected else ''})"
                             for t, c in zip(well.targets, channels_of, strict=True))
            panels.append(DropletPanel(well.well.label, well.sample_id, channels, amplitudes, positive, rain,
                                       tuple(thresholds)))
    return tuple(panels)


def _tables(qpcr: Sequence[QpcrResults], dpcr: pd.DataFrame | None,
            results: Sequence[SampleResult]) -> tuple[Table, ...]:
    tables = []
    if results:
        tables.append(Table(
            "Results per sample", ("sample", "type", "result", "detected", "action", "reasons", "rules", "review"),
            tuple((r.sample, r.sample_type, r.result, ", ".join(r.detected), r.action.replace("_", " "),
                   "; ".join(r.reason_codes), "; ".join(r.rule_ids), r.review_reason if r.needs_review else "")
                  for r in results),
            note="Results follow the assay's decision table; every call needs sign-off by qualified staff."))
        tables.append(Table(
            "Calls per target", ("sample", "target", "channel", "Cq", "Cq method", "call", "result", "p(amplified)",
                                 "flags", "reasons"),
            tuple((t.sample, t.target, t.channel, _fmt(t.cq), t.cq_method, t.call, t.result, _fmt(t.p_amplified),
                   "; ".join(t.flags), "; ".join(t.reason_codes)) for r in results for t in r.targets),
            note="Cq method: the Cq compared with the assay's cut-off (sdm: second-derivative maximum; threshold: "
                 "threshold crossing; threshold-manual: a reviewer's threshold or baseline; instrument: the Cq "
                 "the file reports)."))
    for q in qpcr:
        tables.append(Table(
            f"qPCR reactions — {q.run.id}",
            ("well", "sample", "type", "target", "Cq", "efficiency", "N0", "Tm (°C)", "call", "flags"),
            tuple((str(r["well"]), str(r["sample"]), str(r["sample_type"]), str(r["target"]), _fmt(r["cq"]),
                   _fmt(r["efficiency"], 3), _n0(r["n0"]), _fmt(r.get("tm"), 1), str(r.get("curve_call", "")),
                   _codes(r["flags"], r.get("curve_flags", ""))) for r in _records(q.table)),
            note="Cq: second-derivative maximum; efficiency: fold per cycle (2.0 = 100 %); N0 in fluorescence "
                 "units; call: locked curve classifier; flags: the engine's QC flags, then the classifier's artefact "
                 "flags."))
    if dpcr is not None:
        tables.append(Table(
            "dPCR wells", ("well", "sample", "target", "partitions", "positive", "rain", "copies/µL", "95 % CI",
                           "flags"),
            tuple((str(r["well"]), str(r["sample"]), str(r["target"]), str(r["n_total"]), str(r["n_positive"]),
                   str(r["n_rain"]), _fmt(r["copies_per_ul"], 1), f"{_fmt(r['ci_low'], 1)}–{_fmt(r['ci_high'], 1)}",
                   str(r["flags"]).replace(";", "; ")) for r in _records(dpcr))))
    return tuple(tables)


def _codes(*columns: object) -> str:
    """``;``-separated code columns joined for reading, each code once, in order."""
    codes = (code for column in columns for code in str(column or "").split(";") if code)
    return "; ".join(dict.fromkeys(codes))


def _meanings() -> dict[str, str]:
    return {code: entry.meaning for code, entry in CODES.items()}


def _flag_notes(tables: Sequence[Table]) -> tuple[FlagNote, ...]:
    meanings = _meanings()
    counts: Counter[str] = Counter()
    for table in tables:
        for column in ("flags", "reasons"):
            if column in table.columns:
                index = table.columns.index(column)
                counts.update(code.strip() for row in table.rows for code in row[index].split(";") if code.strip())
    return tuple(FlagNote(code, meanings.get(code, "see docs/qpcr.md, docs/dpcr.md, docs/interpretation.md"), n)
                 for code, n in sorted(counts.items()))


def build_report(
    dataset: Dataset,
    *,
    qpcr: Sequence[QpcrResults] = (),
    dpcr: pd.DataFrame | None = None,
    results: Sequence[SampleResult] = (),
    assay: AssayInfo | None = None,
    standard_curves: Sequence[StandardCurvePanel] = (),
    rdml_beside: str | None = None,
    title: str | None = None,
    generated_at: str = "",
) -> ReportData:
    """Lay out a run and its results as :class:`ReportData` (nothing is recomputed here).

    ``standard_curves`` are the curves the pipeline fitted to the run's standards;
    ``rdml_beside`` names the RDML file written beside the report, if any (the MIQE
    checklist claims raw data only then).
    """
    tables = _tables(qpcr, dpcr, results)
    simulated = dataset.provenance is not None and dataset.provenance.simulated
    source = dataset.provenance.source if dataset.provenance is not None else "run"
    return ReportData(
        title=title or f"Run report — {source}",
        summary=_summary(dataset, qpcr, dpcr, results, assay),
        provenance=_provenance(dataset, assay),
        answers=_answers(results),
        controls=_controls(results),
        plate=_plate(dataset, qpcr, dpcr, results),
        curves=_curve_panels(dataset, qpcr, results),
        melts=_melt_panels(qpcr, assay),
        standard_curves=tuple(standard_curves),
        droplets=_droplet_panels(dataset, dpcr),
        tables=tables,
        flags=_flag_notes(tables),
        checklist=miqe_checklist(dataset, standard_curves=len(standard_curves), rdml_beside=rdml_beside),
        warnings=tuple(f"{r.sample}: needs review — {r.review_reason}" for r in results if r.needs_review),
        simulated=simulated,
        generated_at=generated_at,
    )
