"""``chipdx batch summary DIR``: what a batch folder holds, as a text table and a small HTML page with plots.

Per target: reactions, amplified, Cq and efficiency statistics (amplified reactions only);
dPCR per target: wells and median copies/µL; QC-flag counts over reactions and dPCR wells;
sample results per assay (ruleset); inputs done and failed.
"""

from __future__ import annotations

import html
import io as text_io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chipdx import io
from chipdx.batch._manifest import ERROR_SCHEMA
from chipdx.batch._tables import read_table

__all__ = ["BatchSummary", "summarise", "summary_text", "write_summary_html"]


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """The tables of a batch summary, plus the data of its plots."""

    folder: Path
    manifest: dict[str, Any]
    targets: pd.DataFrame
    dpcr: pd.DataFrame
    flags: pd.DataFrame
    results: pd.DataFrame
    errors: pd.DataFrame
    cq_by_target: dict[str, np.ndarray]
    efficiency_by_target: dict[str, np.ndarray]


def _target_table(reactions: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for target, group in reactions.groupby("target", sort=True):
        amplified = group[group["amplified"]]
        cq, eff = amplified["cq"].dropna(), amplified["efficiency"].dropna()
        rows.append({"target": target, "reactions": len(group), "amplified": len(amplified),
                     "cq_mean": cq.mean(), "cq_sd": cq.std(), "cq_median": cq.median(),
                     "efficiency_mean": eff.mean(), "efficiency_sd": eff.std()})
    return pd.DataFrame(rows, columns=["target", "reactions", "amplified", "cq_mean", "cq_sd", "cq_median",
                                       "efficiency_mean", "efficiency_sd"])


def _dpcr_table(wells: pd.DataFrame) -> pd.DataFrame:
    rows = [{"target": target, "wells": len(group), "positive_wells": int((group["n_positive"] > 0).sum()),
             "copies_per_ul_median": group["copies_per_ul"].median()}
            for target, group in wells.groupby("target", sort=True)]
    return pd.DataFrame(rows, columns=["target", "wells", "positive_wells", "copies_per_ul_median"])


def _flag_table(*frames: pd.DataFrame) -> pd.DataFrame:
    counts: Counter[str] = Counter()
    for frame in frames:
        for cell in frame["flags"].dropna():
            counts.update(code for code in str(cell).split(";") if code)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pd.DataFrame(rows, columns=["flag", "count"])


def _result_table(samples: pd.DataFrame) -> pd.DataFrame:
    if samples.empty:
        return pd.DataFrame(columns=["ruleset_id", "result", "samples"])
    return samples.groupby(["ruleset_id", "result"], sort=True).size().reset_index(name="samples")


def summarise(folder: Path) -> BatchSummary:
    """Read a batch folder's tables and compute its summary."""
    manifest = json.loads(io.read_text(folder / "manifest.json"))
    reactions, wells = read_table(folder, "reactions"), read_table(folder, "dpcr")
    errors_path = folder / "errors.parquet"
    errors = (pd.read_parquet(errors_path) if errors_path.is_file()
              else ERROR_SCHEMA.empty_table().to_pandas())
    amplified = reactions[reactions["amplified"]]
    return BatchSummary(
        folder, manifest, _target_table(reactions), _dpcr_table(wells), _flag_table(reactions, wells),
        _result_table(read_table(folder, "samples")), errors,
        {str(t): g["cq"].dropna().to_numpy() for t, g in amplified.groupby("target", sort=True)},
        {str(t): g["efficiency"].dropna().to_numpy() for t, g in amplified.groupby("target", sort=True)})


def _text(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}") if not frame.empty else "(none)"


def summary_text(summary: BatchSummary) -> str:
    """The summary as plain text tables."""
    totals = summary.manifest["totals"]
    head = (f"inputs {totals['inputs']}: {totals['done']} done, {totals['errors']} errors; rows: "
            + ", ".join(f"{k} {v}" for k, v in totals["rows"].items()))
    parts = [head, "", "qPCR per target", _text(summary.targets), "", "dPCR per target", _text(summary.dpcr), "",
             "QC flags", _text(summary.flags), "", "sample results per assay", _text(summary.results)]
    if not summary.errors.empty:
        parts += ["", "errors", _text(summary.errors[["file", "error"]])]
    return "\n".join(parts)


def _plot_svg(summary: BatchSummary) -> str:
    """Cq and efficiency per target, and QC-flag counts, as one inline SVG (empty when nothing to plot)."""
    from matplotlib.figure import Figure

    if not summary.cq_by_target and summary.flags.empty:
        return ""
    figure = Figure(figsize=(10, 3.2), layout="constrained")
    cq_axes, eff_axes, flag_axes = figure.subplots(1, 3)
    names = list(summary.cq_by_target)
    if names:
        cq_axes.boxplot([summary.cq_by_target[n] for n in names], tick_labels=names)
        eff_axes.boxplot([summary.efficiency_by_target[n] for n in names], tick_labels=names)
    cq_axes.set_title("Cq per target (amplified)")
    eff_axes.set_title("efficiency per target (amplified)")
    top = summary.flags.head(12)
    flag_axes.barh(list(top["flag"])[::-1], list(top["count"])[::-1], color="#0072B2")
    flag_axes.set_title("QC flags")
    for axes in (cq_axes, eff_axes):
        axes.tick_params(axis="x", labelrotation=45)
    buffer = text_io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _html_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>(none)</p>"
    return frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, escape=True)


def write_summary_html(summary: BatchSummary, path: Path) -> None:
    """Write the summary as one self-contained HTML page (tables and an inline SVG), atomically."""
    totals = summary.manifest["totals"]
    sections = [("qPCR per target", summary.targets), ("dPCR per target", summary.dpcr),
                ("QC flags", summary.flags), ("Sample results per assay", summary.results),
                ("Errors", summary.errors)]
    body = "".join(f"<h2>{html.escape(title)}</h2>{_html_table(frame)}" for title, frame in sections)
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>chipdx batch summary</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}</style></head><body>"
        f"<h1>Batch summary</h1><p>{html.escape(str(summary.folder.name))}: {totals['inputs']} inputs, "
        f"{totals['done']} done, {totals['errors']} errors; chipdx {html.escape(summary.manifest['chipdx_version'])}"
        f"</p>{_plot_svg(summary)}{body}</body></html>")
    with io.atomic_output(path) as stream:
        stream.write(page.encode())
