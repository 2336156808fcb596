"""Check simulated files with public tools: the official RDML 1.3 XSD and rdmlpython 1.7.2 (LinRegPCR).

1. simulates a qPCR plate (probe), a dye plate with melt curves, a small dPCR plate and a
   cartridge run, writes them as RDML 1.3 and validates each against ``RDML_v1_3_REC.xsd``;
2. with ``--rdmlpython PY`` (an environment with rdmlpython 1.7.2, see ``make verify-rdml``), opens
   every file with rdmlpython and runs its LinRegPCR on the qPCR plates; the Cq slope per decade
   of the standards is compared with the truth ``-1/log10(E)``.

Usage: python benchmarks/verify_sim.py [--rdmlpython .venv-rdmlpython/bin/python] [--plates 5]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from lxml import etree

from chipdx import io
from chipdx.model import SampleType
from chipdx.sim.cartridge import random_specimens, simulate_cartridge
from chipdx.sim.dpcr import DpcrDesign, DpcrWell, simulate_dpcr
from chipdx.sim.qpcr import QpcrTruth, default_design, simulate_qpcr

XSD = Path(__file__).resolve().parents[2] / "shared" / "data" / "formats" / "rdml" / "RDML_v1_3_REC.xsd"

LINREG = r"""
import json, sys
import rdmlpython as rdml
out = []
for path in sys.argv[1:]:
    doc = rdml.Rdml(path)
    item = {"path": path, "valid": doc.isvalid(), "results": []}
    if path.endswith("_qpcr.rdml"):
        run = doc.experiments()[0].runs()[0]
        table = run.linRegPCR(updateRDML=False, saveResultsList=True)["resultsList"]
        head = table[0]
        for row in table[1:]:
            item["results"].append({"well": row[head.index("well")], "target": row[head.index("target")],
                                    "cq": row[head.index("Cq (mean eff)")], "eff": row[head.index("mean PCR eff")]})
    out.append(item)
print(json.dumps(out, default=str))
"""


def xsd_check(paths: list[Path]) -> list[str]:
    import zipfile

    schema = etree.XMLSchema(etree.parse(str(XSD)))
    lines = []
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            document = etree.fromstring(archive.read("rdml_data.xml"))
        verdict = "valid" if schema.validate(document) else str(schema.error_log.last_error)
        lines.append(f"| XSD 1.3: {path.name} | {verdict} | valid | RDML_v1_3_REC.xsd |")
    return lines


def slope_error(truth: tuple[QpcrTruth, ...], cq: dict[tuple[str, str], float]) -> list[float]:
    errors = []
    for target in sorted({t.target for t in truth}):
        rows = [t for t in truth if t.target == target and t.sample_type == "std" and t.n0_expected >= 100
                and math.isfinite(cq.get((t.well, t.target), math.nan))]
        levels = sorted({t.n0_expected for t in rows})
        medians = [np.median([cq[(t.well, t.target)] for t in rows if t.n0_expected == v]) for v in levels]
        slope = float(np.polyfit(np.log10(levels), medians, 1)[0])
        expected = -1 / math.log10(float(np.mean([t.efficiency for t in rows])))
        errors.append(abs(slope / expected - 1))
    return errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rdmlpython", help="python of an environment with rdmlpython 1.7.2")
    parser.add_argument("--plates", type=int, default=5)
    args = parser.parse_args()
    if not XSD.exists():
        print("skip: ../shared/data/formats/rdml/RDML_v1_3_REC.xsd is absent")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths, truths = [], {}
        for seed in range(args.plates):
            rng = np.random.default_rng(seed)
            dataset, truth = simulate_qpcr(default_design(rng=rng), rng=rng)
            path = folder / f"plate{seed}_qpcr.rdml"
            io.write(dataset, path)
            paths.append(path)
            truths[str(path)] = truth
        rng = np.random.default_rng(99)
        dataset, _ = simulate_qpcr(default_design(rng=rng, chemistry="dye"), rng=rng)
        io.write(dataset, folder / "dye_melt.rdml")
        wells = (DpcrWell("A1", "S1", SampleType.UNKNOWN, (("T1", 0.4),)),
                 DpcrWell("A2", "NTC", SampleType.NTC, (("T1", 0.0),)))
        io.write(simulate_dpcr(DpcrDesign(1, 2, (("T1", "FAM"),), wells), rng=rng)[0], folder / "dpcr.rdml")
        cartridge = simulate_cartridge(random_specimens(2, rng=rng), rng=rng)
        assert cartridge.dataset is not None
        io.write(cartridge.dataset, folder / "cartridge.rdml")
        paths += [folder / "dye_melt.rdml", folder / "dpcr.rdml", folder / "cartridge.rdml"]
        print("| figure | measured | goal | peer |\n|---|---|---|---|")
        for line in xsd_check(paths):
            print(line)
        if not args.rdmlpython:
            print("| rdmlpython 1.7.2 / LinRegPCR | not run (pass --rdmlpython) | – | – |")
            return 0
        result = subprocess.run([args.rdmlpython, "-c", LINREG, *map(str, paths)], capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            print(result.stderr[-2000:], file=sys.stderr)
            return 1
        checks = json.loads(result.stdout)
        opened = sum(1 for c in checks if c["valid"] is True)
        print(f"| files opened by rdmlpython 1.7.2 | {opened}/{len(checks)} | all | rdmlpython 1.7.2 |")
        errors = []
        for check in checks:
            if check["results"]:
                cq = {}
                for r in check["results"]:
                    try:
                        cq[(r["well"], r["target"])] = float(r["cq"])
                    except (TypeError, ValueError):
                        continue
                errors += slope_error(truths[check["path"]], cq)
        print(f"| LinRegPCR Cq slope per decade vs -1/log10(E), {args.plates} plates x 2 targets | "
              f"mean {np.mean(errors):.1%}, worst {max(errors):.1%} | within 5 % | rdmlpython 1.7.2 LinRegPCR |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
