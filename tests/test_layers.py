"""The layers of SPEC §6 hold: every import arrow points the allowed way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chipdx"

# layer -> the chipdx layers it may import ("base" = errors, codes, extras, _version)
ALLOWED: dict[str, set[str]] = {
    "base": {"base"},
    "model": {"model"},
    "io": {"base", "model", "io"},
    "sim": {"base", "model", "sim"},
    "analysis": {"base", "model", "analysis"},
    "interpret": {"base", "model", "analysis", "interpret"},
    "report": {"base", "model", "analysis", "interpret", "report"},
    "market": {"base", "market"},
    "data": {"data"},
    # device control: composes the simulator and the writers; only adapters (cli) import it
    "sila": {"base", "model", "io", "sim", "sila"},
    # the one composition: read -> analyse -> classify -> interpret -> report data
    "pipeline": {"base", "model", "io", "sim", "analysis", "interpret", "report", "data", "pipeline"},
    "store": {"base", "model", "store"},
    "lis": {"base", "model", "interpret", "lis"},
    # the adapters call the pipeline and never each other: service and batch do not import cli or each other
    "service": {"base", "model", "io", "pipeline", "store", "lis", "report", "interpret", "data", "service"},
    "batch": {"base", "model", "io", "pipeline", "batch"},
    "cli": {"base", "model", "io", "sim", "analysis", "interpret", "report", "market", "sila", "pipeline", "store",
            "lis", "service", "batch", "cli", "data"},
}
LAYERS = {"model", "io", "sim", "analysis", "interpret", "report", "market", "data", "sila", "pipeline", "store",
          "lis", "service", "batch", "cli"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside chipdx."""
    parts = module.split(".")
    if len(parts) == 1:
        return "cli"  # the package root re-exports for users, like the command line
    head = parts[1]
    if head in {"errors", "_version", "codes", "extras"}:
        return "base"
    if head == "__main__":
        return "cli"
    if head in LAYERS:
        return head
    raise AssertionError(f"module {module} is in no layer: add it to SPEC §6 and this test")


def module_name(path: Path) -> str:
    relative = path.relative_to(SRC.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, package: list[str] | None = None) -> list[tuple[int, str]]:
    """(line, module) of every chipdx import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    if package is None:
        package = module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name == "chipdx":  # ``from chipdx import io``: the layer is the name imported
                found += [(node.lineno, f"chipdx.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, name))
    return [(line, name) for line, name in found if name == "chipdx" or name.startswith("chipdx.")]


def all_modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    for path in all_modules():
        layer_of(module_name(path))


def violations(path: Path, layer: str, package: list[str] | None = None) -> list[str]:
    """Imports in ``path`` that layer ``layer`` may not make."""
    return [
        f"line {line} imports {imported} ({layer_of(imported)})"
        for line, imported in imports_of(path, package)
        if layer_of(imported) not in ALLOWED[layer]
    ]


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_the_allowed_way(path: Path) -> None:
    layer = layer_of(module_name(path))
    assert violations(path, layer) == [], (
        f"{path.relative_to(SRC)} (layer {layer}) may import only {sorted(ALLOWED[layer]) or 'nothing of chipdx'}"
    )


@pytest.mark.parametrize(
    ("layer", "line"),
    [
        ("analysis", "from chipdx.io import read"),
        ("model", "from chipdx.errors import FormatError"),
        ("market", "import chipdx.analysis.summary"),
        ("io", "from chipdx.cli import main"),
        ("analysis", "from ..io import rdml"),
        ("sila", "from chipdx.cli import main"),
        ("sila", "from chipdx.analysis import summarise"),
        ("sim", "from chipdx.sila import build_server"),
        ("pipeline", "from chipdx.cli import main"),
        ("analysis", "from chipdx.pipeline import analyze_dataset"),
        ("store", "from chipdx.pipeline import analyze_dataset"),
        ("store", "from chipdx.service import app"),
        ("lis", "from chipdx.store import Store"),
        ("service", "from chipdx.cli import main"),
        ("service", "from chipdx.batch import run_batch"),
        ("batch", "from chipdx.service import app"),
        ("batch", "from chipdx.cli._common import out"),
        ("batch", "from chipdx.analysis.qpcr import analyze"),
        ("market", "from chipdx.model import Dataset"),
    ],
)
def test_the_checker_catches_a_wrong_arrow(tmp_path: Path, layer: str, line: str) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(line + "\n")
    assert violations(bad, layer, package=["chipdx", "analysis"]) != []
