"""Verify chipdx's RDML with public tools: every public .rdml -> chipdx -> RDML 1.3, then check it.

For each `.rdml` file under ../shared/data this script
1. reads it with chipdx (time, reactions),
2. writes RDML 1.3 and reads it back (every value must match),
3. validates the written XML against the official RDML 1.3 XSD with lxml,
4. opens it with rdmlpython 1.7.2 (run in its own environment, because it needs numpy < 2),
   which validates it too and counts experiments, runs and reactions.
It prints one table row per file and a total line; exit code 1 if anything fails.

Usage:  make verify-rdml     (or: python benchmarks/verify_rdml.py --rdmlpython PATH/TO/python)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from lxml import etree

from chipdx import io
from chipdx.model import Dataset, Dye, PartitionCounts, PlateFormat, Provenance, Run, Sample, Target, WellPartitions

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
XSD = SHARED / "formats" / "rdml" / "RDML_v1_3_REC.xsd"

RDMLPYTHON_CHECK = r"""
import json, sys
import rdmlpython as rdml
out = []
for path in sys.argv[1:]:
    try:
        doc = rdml.Rdml(path)
        runs = [run for exp in doc.experiments() for run in exp.runs()]
        reacts = sum(len(run._node.findall("{http://www.rdml.org}react")) for run in runs)
        datas = sum(len(r.findall("{http://www.rdml.org}data"))
                    + len(r.findall("{http://www.rdml.org}partitions/{http://www.rdml.org}data"))
                    for run in runs for r in run._node.findall("{http://www.rdml.org}react"))
        out.append({"path": path, "ok": True, "version": doc.version(), "valid": doc.isvalid(),
                    "experiments": len(doc.experiments()), "runs": len(runs), "reacts": reacts, "data": datas})
    except Exception as exc:
        out.append({"path": path, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
print(json.dumps(out))
"""


def same_values(a: Dataset, b: Dataset) -> bool:
    if (a.samples, a.targets, a.dyes) != (b.samples, b.targets, b.dyes) or len(a.runs) != len(b.runs):
        return False
    for x, y in zip(a.runs, b.runs, strict=True):
        if x.reactions != y.reactions or not np.array_equal(x.fluorescence, y.fluorescence, equal_nan=True):
            return False
        if (x.melt is None) != (y.melt is None):
            return False
        if x.melt is not None and y.melt is not None and not np.array_equal(
                x.melt.fluorescence, y.melt.fluorescence, equal_nan=True):
            return False
        for p, q in zip(x.partitions, y.partitions, strict=True):
            if p.counts != q.counts or not np.array_equal(p.amplitudes, q.amplitudes) or not np.array_equal(
                    p.calls, q.calls):
                return False
    return True


def partition_dataset() -> Dataset:
    """A made-up two-well duplex dPCR run (RDML 1.3 partitions), to check that rdmlpython opens them too."""
    rng = np.random.default_rng(7)
    plate = PlateFormat(8, 12)
    wells = []
    for label in ("A1", "B1"):
        positive = rng.random((2000, 2)) < (0.2, 0.05)
        amplitudes = np.where(positive, rng.normal(8000, 600, (2000, 2)), rng.normal(1500, 200, (2000, 2)))
        calls = positive.astype(np.int8)
        counts = tuple(PartitionCounts(t, int(positive[:, i].sum()), int((~positive[:, i]).sum()))
                       for i, t in enumerate(("N1", "RP")))
        wells.append(WellPartitions(plate.parse(label), "specimen", 0.85, counts, ("N1", "RP"),
                                    amplitudes.astype(np.float32), calls))
    run = Run("dpcr", plate, partitions=tuple(wells))
    return Dataset((run,), (Sample("specimen"),), (Target("N1", "FAM"), Target("RP", "HEX")),
                   (Dye("FAM"), Dye("HEX")), Provenance("verify_rdml.py", "generated", simulated=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rdmlpython", help="python of an environment with rdmlpython 1.7.2 installed")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skip: {SHARED} is absent (clone shared/ beside the repository)")
        return 0
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    files = sorted(SHARED.rglob("*.rdml"))
    rows, failures = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        outputs = []
        dpcr = Path(tmp) / "dpcr_partitions_made_up.rdml"
        io.write(partition_dataset(), dpcr)
        for number, path in enumerate([*files, dpcr]):
            start = time.perf_counter()
            data = io.read(path)
            read_s = time.perf_counter() - start
            out = Path(tmp) / f"{number:02d}_{path.stem}.rdml"
            io.write(data, out)
            again = io.read(out)
            xml = etree.fromstring(zipfile.ZipFile(out).read("rdml_data.xml"))
            valid = schema.validate(xml)
            round_trip = same_values(data, again)
            assert data.provenance is not None
            name = str(path.relative_to(SHARED)) if path.is_relative_to(SHARED) else f"(made up) {path.name}"
            reactions = data.n_reactions + sum(len(w.counts) for r in data.runs for w in r.partitions)
            rows.append([name, data.provenance.format_version, str(reactions),
                         f"{read_s:.2f}", "yes" if round_trip else "NO", "yes" if valid else "NO"])
            failures += (not valid) + (not round_trip)
            outputs.append(str(out))
        rdmlpython: list[dict[str, object]] = []
        if args.rdmlpython:
            result = subprocess.run([args.rdmlpython, "-c", RDMLPYTHON_CHECK, *outputs], capture_output=True,
                                    text=True, check=False)
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                return 1
            rdmlpython = json.loads(result.stdout)
    header = ["file", "version", "reactions", "read s", "round trip", "XSD 1.3", "rdmlpython 1.7.2"]
    for row, check in zip(rows, rdmlpython or [{}] * len(rows), strict=True):
        if not check:
            row.append("not run")
        elif check.get("ok") and check.get("valid"):
            row.append(f"opens, valid, {check['runs']} runs, {check['data']} reactions")
            if int(str(check["data"])) != int(row[2]):
                row[-1] += " (COUNT DIFFERS)"
                failures += 1
        else:
            row.append(f"FAILS: {check.get('error', 'invalid')}")
            failures += 1
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    opened = sum(1 for c in rdmlpython if c.get("ok") and c.get("valid"))
    n = len(rows)
    print(f"\n{len(files)} public files + 1 made-up dPCR file: {n}/{n} read; {sum(r[5] == 'yes' for r in rows)}/{n} "
          f"valid against the 1.3 XSD; {sum(r[4] == 'yes' for r in rows)}/{n} round trips; "
          f"{opened if args.rdmlpython else 'not checked'}/{n} open in rdmlpython 1.7.2")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
