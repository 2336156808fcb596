"""The simulator training-curve generator (tools/make_sim_training_curves.py)."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path
from types import ModuleType

from chipdx.io.tables import read_curve_table

TOOL = Path(__file__).resolve().parents[2] / "tools" / "make_sim_training_curves.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sim_training_curves", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labels_follow_truth_and_leave_ambiguous_curves_out() -> None:
    tool = _tool()
    assert tool.label(0, 1.9, 40) == "negative"
    assert tool.label(2, 1.95, 50) == "ambiguous"  # 1-3 copies: stochastic Cq
    assert tool.label(1000, 1.9, 40) == "positive"
    assert tool.label(10, 1.3, 40) == "ambiguous"  # inhibited: would come up after the last cycle


def test_generator_is_reproducible_and_readable(tmp_path: Path) -> None:
    tool = _tool()
    runs = {"sim_plate_probe": 1, "sim_plate_dye": 1, "sim_cartridge": 1}
    first = tool.generate(tmp_path / "a", runs)
    tool.generate(tmp_path / "b", runs)
    for name in ("curves_long.csv.gz", "labels.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    table = read_curve_table(tmp_path / "a" / "curves_long.csv.gz")
    with (tmp_path / "a" / "labels.csv").open(newline="") as stream:
        labels = list(csv.DictReader(stream))
    assert len(labels) == table.fluorescence.shape[0]
    assert {r["dataset"] for r in labels} == set(runs)
    assert all((r["majority"] == "negative") == (r["n0"] == "0") for r in labels)
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["generator"] == first["generator"]
