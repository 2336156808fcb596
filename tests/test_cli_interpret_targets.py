"""`chipdx interpret` calls only the assay's targets: on the demo's three runs written as one RDML
(cartridge, dPCR and melt plates) it returns the same samples and results as `chipdx demo`'s composition."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from chipdx import io
from chipdx.cli._demo import DEMO_ASSAY, demo_datasets
from chipdx.pipeline import combine


def test_interpret_on_the_demo_runs_together_gives_the_demo_samples(tmp_path: Path) -> None:
    cartridge, dpcr, melt = demo_datasets()
    together = tmp_path / "demo-runs.rdml"
    io.write(combine(cartridge.dataset, dpcr, melt), together)
    demo = tmp_path / "demo"
    subprocess.run([sys.executable, "-m", "chipdx.cli", "demo", "--out", str(demo)], check=True,
                   capture_output=True)
    calls = tmp_path / "calls.csv"
    subprocess.run([sys.executable, "-m", "chipdx.cli", "interpret", str(together), "--assay", DEMO_ASSAY,
                    "-o", str(calls)], check=True, capture_output=True)
    with calls.open() as mine, (demo / "calls.csv").open() as theirs:
        rows, expected = list(csv.DictReader(mine)), list(csv.DictReader(theirs))
    assert len(expected) == 6
    assert [(r["sample"], r["result"]) for r in rows] == [(r["sample"], r["result"]) for r in expected]
    assert not any("MISSING-TARGET" in r["reason_codes"] for r in rows)
