"""Verify chipdx's QuantStudio text writer with a public parser: Benchling's ``allotropy``.

For every single-run qPCR input under ../shared/data (instrument fixtures, tidy tables, RDML
files) this script
1. reads it with chipdx and writes a QuantStudio text export;
2. parses that export with allotropy's ``APPBIO_QUANTSTUDIO`` parser (run in its own
   environment, ``.venv-allotropy``, so that allotropy's pinned dependencies stay out of chipdx's);
3. compares what allotropy read with what chipdx wrote: wells x targets, sample names, the
   reported Cq of every reaction, and every Rn reading;
4. reader check: allotropy and chipdx read the original QuantStudio fixtures (text and Design &
   Analysis xlsx), and their Cq and Rn per well and target are compared.
It prints one row per file and a total; exit code 1 if a file that allotropy reads has values
that differ. A file that allotropy refuses is reported with allotropy's reason: the QuantStudio
"Results" table needs a Ct threshold per reaction, and sources without one cannot give it.

Usage:  make verify-quantstudio   (or: python benchmarks/verify_quantstudio_writer.py --allotropy PYTHON)
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from chipdx import io
from chipdx.errors import ChipdxError
from chipdx.model import Dataset

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FOLDERS = ("quantstudio_txt", "quantstudio_xlsx", "quantstudio_eds", "biorad_cfx", "roche_lc480", "qiagen_rotorgene")

ALLOTROPY_CHECK = r"""
import json, sys
from allotropy.parser_factory import Vendor
from allotropy.to_allotrope import allotrope_from_file
out = []
for path in sys.argv[1:]:
    try:
        vendor = Vendor.APPBIO_QUANTSTUDIO_DESIGNANDANALYSIS if path.endswith(".xlsx") else Vendor.APPBIO_QUANTSTUDIO
        doc = allotrope_from_file(path, vendor)
        items = []
        for qpcr in doc["qpcr aggregate document"]["qpcr document"]:
            for m in qpcr["measurement aggregate document"]["measurement document"]:
                processed = m["processed data aggregate document"]["processed data document"][0]
                cq = processed.get("cycle threshold result (qPCR)", {}).get("value")
                cube = processed.get("normalized reporter data cube")
                rn = cube["data"]["measures"][0] if cube else []
                items.append([m["sample document"]["well location identifier"], m["target DNA description"],
                              m["sample document"]["sample identifier"], cq, rn])
        out.append({"path": path, "ok": True, "items": items})
    except Exception as exc:
        out.append({"path": path, "ok": False, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:90]}"})
print(json.dumps(out))
"""


def sources() -> list[Path]:
    files = [p for folder in FOLDERS for p in sorted((SHARED / "formats" / folder).iterdir()) if p.is_file()]
    files += sorted((SHARED / "qpcr" / "tidy_dilution_sets").rglob("*.csv.gz"))
    return files + sorted(SHARED.rglob("*.rdml"))


def expected_items(data: Dataset) -> dict[tuple[str, str], tuple[str, float | None, list[float]]]:
    """What the written file should say per (well label on the block, target)."""
    run = data.runs[0]
    size = 96 if run.plate.size <= 96 else 384
    from chipdx.model import PlateFormat

    block = PlateFormat(8, 12) if size == 96 else PlateFormat(16, 24)
    items = {}
    for i, reaction in enumerate(run.reactions):
        label = block.well(reaction.well.index).label
        rn = [float(v) for v in run.fluorescence[i] if not math.isnan(v)] if run.amplification else []
        items[(label, reaction.target_id)] = (reaction.sample_id, reaction.reported.cq, rn)
    return items


def compare(data: Dataset, items: list[list[object]]) -> str:
    expected = expected_items(data)
    for label, target, sample, cq, rn in items:
        key = (str(label), str(target))
        if key not in expected:
            return f"unexpected well/target {key}"
        want_sample, want_cq, want_rn = expected[key]
        if str(sample) != want_sample:
            return f"{key}: sample {sample!r} != {want_sample!r}"
        if (cq is None) != (want_cq is None) or (cq is not None and abs(float(cq) - float(want_cq or 0)) > 1e-9):  # type: ignore[arg-type]
            return f"{key}: Cq {cq} != {want_cq}"
        if want_rn and [round(float(v), 9) for v in rn] != [round(v, 9) for v in want_rn]:  # type: ignore[union-attr]
            return f"{key}: Rn differs"
    return ""


def compare_reader(data: Dataset, items: list[list[object]]) -> tuple[int, int, str]:
    """Reader check on an original export: (reactions both read alike, reactions allotropy read, first problem).

    Sample names are not compared: allotropy names an unnamed sample 'N/A', chipdx 'NTC' or 'well A1'.
    """
    expected = expected_items(data)
    same, problem = 0, ""
    for label, target, _sample, cq, rn in items:
        want = expected.get((str(label), str(target)))
        alone = [v for (well, _), v in expected.items() if well == str(label)]
        if want is None and str(target) == "N/A" and len(alone) == 1:
            want = alone[0]  # Primary Analysis exports name no target; chipdx uses the reporter
        if want is None:
            problem = problem or f"({label}, {target}) not read by chipdx"
            continue
        _, want_cq, want_rn = want
        cq_ok = (cq is None) == (want_cq is None) and (cq is None or abs(float(cq) - float(want_cq or 0)) < 1e-9)  # type: ignore[arg-type]
        rn_ok = not want_rn or [round(float(v), 9) for v in rn] == [round(v, 9) for v in want_rn]  # type: ignore[union-attr]
        same += cq_ok and rn_ok
        if not (cq_ok and rn_ok):
            problem = problem or f"({label}, {target}): Cq {cq} vs {want_cq}" + ("" if rn_ok else ", Rn differs")
    return same, len(items), problem


def check_reader(allotropy: str) -> list[tuple[str, int, str]]:
    """chipdx and allotropy reading the same original QuantStudio exports."""
    originals = sorted((SHARED / "formats" / "quantstudio_txt").glob("*.txt"))
    originals += sorted((SHARED / "formats" / "quantstudio_xlsx").glob("*.xlsx"))
    result = subprocess.run([allotropy, "-c", ALLOTROPY_CHECK, *map(str, originals)], capture_output=True,
                            text=True, check=False, timeout=1800)
    if result.returncode != 0:
        return [("allotropy", 0, result.stderr[-300:])]
    rows = []
    for entry, path in zip(json.loads(result.stdout), originals, strict=True):
        name = str(path.relative_to(SHARED))
        data = io.read(path)
        if not entry["ok"]:
            rows.append((name, data.n_reactions, f"allotropy refuses the original: {entry['error']}"))
            continue
        same, total, problem = compare_reader(data, entry["items"])
        rows.append((name, data.n_reactions, f"reader: {same}/{total} reactions alike (Cq, Rn)"
                     + (f"; first difference {problem}" if problem else "")))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allotropy", default=str(ROOT / ".venv-allotropy" / "bin" / "python"))
    args = parser.parse_args()
    rows: list[tuple[str, int, str]] = []
    written: dict[str, tuple[Path, Dataset]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for k, path in enumerate(sources()):
            name = str(path.relative_to(SHARED))
            try:
                data = io.read(path)
                out = Path(folder) / f"{k:03d}.txt"
                io.write(data, out, format="quantstudio-txt")
            except ChipdxError as exc:
                rows.append((name, 0, f"not written: {exc}"))
                continue
            written[str(out)] = (path, data)
        result = subprocess.run([args.allotropy, "-c", ALLOTROPY_CHECK, *written], capture_output=True,
                                text=True, check=False, timeout=1800)
        if result.returncode != 0:
            print(result.stderr[-2000:], file=sys.stderr)
            return 1
        checks = {entry["path"]: entry for entry in json.loads(result.stdout)}
    failures = 0
    for out, (path, data) in written.items():
        entry = checks[out]
        name = str(path.relative_to(SHARED))
        if not entry["ok"]:
            rows.append((name, data.n_reactions, f"allotropy refuses: {entry['error']}"))
            continue
        problem = compare(data, entry["items"])
        failures += bool(problem)
        rows.append((name, data.n_reactions, problem or f"OK: allotropy read {len(entry['items'])} reactions, "
                     "samples, targets, Cq and Rn equal"))
    print(f"{'file':70} | {'reactions':>9} | result")
    for name, n, status in rows:
        print(f"{name:70} | {n:9d} | {status}")
    print()
    print("reader check: chipdx and allotropy read the same original QuantStudio exports")
    for name, n, status in check_reader(args.allotropy):
        print(f"{name:70} | {n:9d} | {status}")
    read_ok = sum(status.startswith("OK") for _, _, status in rows)
    print(f"total: {len(rows)} inputs, {len(written)} written, {read_ok} read by allotropy with equal values, "
          f"{failures} with differing values")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
