"""``chipdx market dossier [-o DIR]``: chipdx's own device, classified and checked against its own evidence.

The profile is built from the demo assay (``resp-4plex-demo``: its pathogen targets become the
analytes) on the template ``chipdx/market/devices/chipdx-resp-4plex.yaml``; the evidence table is
filled from what the project measures itself — the standard curve (efficiency, R², linear range,
LoD) and replicate precision of a simulated DLOC-Sim plate run through ``chipdx.analysis``, the
cross-validated figures of the shipped classifier's model card, and the IEC 62304 software safety
class — each marked with what a real submission would still need.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from chipdx.cli._common import EXIT_OK, csv_text, emit, out

__all__ = ["add_dossier", "measured_evidence"]

ASSAY = "resp-4plex-demo"
TEMPLATE = "devices/chipdx-resp-4plex.yaml"
SEED = 2026
TARGET_NAMES = {"FluA": "Influenza A", "FluB": "Influenza B"}
EVIDENCE_COLUMNS = ("evidence_key", "what", "measured", "source", "status", "a_real_submission_still_needs")


def device_profile() -> Any:
    """The device profile: template fields, analytes = the assay's pathogen targets."""
    from chipdx.interpret.assays import load_assay
    from chipdx.market import parse_profile

    template = yaml.safe_load(resources.files("chipdx.market").joinpath(TEMPLATE).read_text(encoding="utf-8"))
    risks = {a["name"]: a.get("risk", "moderate") for a in template["analytes"]}
    assay = load_assay(ASSAY)
    analytes = []
    for target in assay.targets:
        if target.role == "pathogen":
            name = TARGET_NAMES.get(target.name, target.name)
            analytes.append({"name": name, "category": "transmissible_agent", "risk": risks.get(name, "moderate")})
    profile = parse_profile({**template, "analytes": analytes}, f"{ASSAY}@{assay.version} + {TEMPLATE}")
    return replace(profile, name=f"{profile.name} [{assay.ruleset_id}]"), template | {"analytes": analytes}


def _standard_curve_rows() -> list[tuple[str, ...]]:
    from chipdx.analysis.qpcr import analyze_detailed
    from chipdx.analysis.qpcr.standard_curve import fit_standard_curve
    from chipdx.sim.qpcr import default_design, simulate_qpcr

    rng = np.random.default_rng(SEED)
    dataset, _ = simulate_qpcr(default_design(rng=rng), rng=rng)
    table = analyze_detailed(dataset)
    standards = table[(table["sample_type"] == "std") & table["quantity"].notna()]
    rows: list[tuple[str, ...]] = []
    source = f"DLOC-Sim default plate, seed {SEED}, chipdx.analysis.qpcr (simulated)"
    for target, group in standards.groupby("target", sort=True):
        curve = fit_standard_curve(group["cq"].to_numpy(float), group["quantity"].to_numpy(float))
        sd = group.groupby("quantity")["cq"].std().dropna()
        rows.append(("analytical_performance", f"linearity and efficiency, {target} (CLSI EP06 design)",
                     f"efficiency {curve.efficiency:.3f}, R² {curve.r_squared:.4f}, linear range "
                     f"{curve.linear_range[0]:g}-{curve.linear_range[1]:g} copies", source, "simulated only",
                     "EP06 on the real cartridge with real matrix, ≥ 5 levels"))
        rows.append(("analytical_performance", f"limit of detection, {target} (CLSI EP17 design)",
                     f"LoD {curve.lod:g} copies/reaction" if curve.lod is not None else
                     f"no probit LoD: every level detected down to {group['quantity'].min():g} copies",
                     source, "simulated only", "EP17 LoB/LoD with ≥ 60 replicates per level on real specimens"))
        rows.append(("analytical_performance", f"repeatability of Cq, {target} (CLSI EP05 design)",
                     f"median SD of triplicate Cq {float(np.median(sd)):.3f} cycles over {len(sd)} levels", source,
                     "simulated only", "EP05 20 days x 2 runs x 2 replicates, reproducibility across sites"))
    return rows


def _model_card_rows() -> list[tuple[str, ...]]:
    from chipdx.interpret.model_store import DEFAULT_MODEL

    card = resources.files("chipdx.interpret").joinpath(f"models/{DEFAULT_MODEL}.md").read_text(encoding="utf-8")
    metrics = dict(re.findall(r"^\| (cv_[a-z_]+) \| ([0-9.]+) \|$", card, flags=re.MULTILINE))
    wanted = ("cv_accuracy", "cv_sensitivity", "cv_specificity", "cv_coverage", "cv_released_accuracy")
    measured = ", ".join(f"{k.removeprefix('cv_')} {metrics[k]}" for k in wanted if k in metrics)
    what = f"AI curve classifier {DEFAULT_MODEL}: grouped cross-validation (model card)"
    rows: list[tuple[str, ...]] = [("software_file", what,
             measured, f"chipdx/interpret/models/{DEFAULT_MODEL}.md; holdout in docs/benchmarks.md", "held (bench)",
             "clinical performance of the whole system on prospective specimens; PCCP for model updates")]
    return rows


def measured_evidence() -> list[tuple[str, ...]]:
    """The project's own evidence rows, each with what a submission would still need."""
    rows = _standard_curve_rows() + _model_card_rows()
    rows.append(("software_file", "IEC 62304 software safety class", "B (derived: a false call is mitigated by "
                 "external risk controls — assay decision table with Cq cut-offs, RNase P specimen control, "
                 "conformal review band sending unsure curves to a person)", "IEC 62304:2006+A1:2015 4.3; "
                 "shared/research/regulatory.md §1.10", "derived", "software development file, SOUP list, "
                 "architecture and risk-control verification; C if the external controls are removed"))
    rows.append(("clinical_performance_study", "clinical performance", "none", "–", "missing",
                 "prospective study on symptomatic patients vs a comparator (e.g. 866.3981 special controls)"))
    rows.append(("iso13485_certificate", "QMS", "none", "–", "missing", "ISO 13485 certificate / MDSAP audit"))
    return rows


def _dossier(args: argparse.Namespace) -> int:
    from chipdx.market import classify_all
    from chipdx.market.export import CSV_COLUMNS, row
    from chipdx.market.html import render_plan
    from chipdx.market.plan import plan, reuse
    from chipdx.market.roadmap import roadmap

    folder: Path = args.output
    folder.mkdir(exist_ok=True)
    profile, raw = device_profile()
    on = args.as_of or dt.date.today()
    answers = classify_all(profile, on)
    evidence = measured_evidence()
    plans = plan(profile, on, None, ("eu", "us", "kr", "jp", "cn", "ca", "au"))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    emit(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), folder / "profile.yaml")
    emit(csv_text(CSV_COLUMNS, [row(a) for a in answers]), folder / "classification.csv")
    emit(csv_text(EVIDENCE_COLUMNS, evidence), folder / "evidence.csv")
    emit(render_plan(profile.name, on.isoformat(), plans, roadmap(plans, ("kr", "eu", "us")), reuse(plans),
                     f"generated {stamp} by chipdx market dossier"), folder / "plan.html")
    classes = ", ".join(f"{a.system} {a.klass}" for a in answers)
    out(f"wrote     {folder}/profile.yaml, classification.csv, evidence.csv, plan.html ({classes})")
    return EXIT_OK


def add_dossier(sub: Any, date_type: Any) -> None:
    """Add ``market dossier`` (*date_type* parses ``--as-of``)."""
    dossier = sub.add_parser("dossier", help="chipdx's own device: profile, classes in 8 systems, evidence, plan",
                             description=__doc__.split("\n\n")[1] if __doc__ else None)
    dossier.add_argument("-o", "--output", type=Path, default=Path("dossier"), help="folder (default: dossier)")
    dossier.add_argument("--as-of", "--on", dest="as_of", type=date_type, default=None, metavar="YYYY-MM-DD",
                         help="apply the rules in force on this date (default: today)")
    dossier.set_defaults(handler=_dossier)
