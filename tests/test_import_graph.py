"""The import graph of chipdx: no circles inside a package, no reach into another package's private
module, and the service and batch adapters never import each other or the command line (``cli`` is the
outermost adapter: its ``serve`` and ``batch`` commands start them, SPEC §6 "cli <- everything").

Circles count every import between two modules of one package, deferred ones included (an import
moved into a function or under ``TYPE_CHECKING`` to dodge a circle is still a circle in the design).
The private-module and adapter checks count imports at module level and inside functions alike.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chipdx"
ADAPTERS = ("cli", "service", "batch")
INNER_ADAPTERS = ("service", "batch")  # adapters that may import no other adapter


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _eager(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run at import time (functions and classes' methods left out)."""
    for node in body:
        if isinstance(node, ast.If):
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
                yield from _eager(node.orelse)
                continue
            yield from _eager(node.body)
            yield from _eager(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _eager(block)
        elif isinstance(node, ast.With):
            yield from _eager(node.body)
        else:
            yield node


def eager_imports(root: Path, path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of the package ``root`` that runs when ``path`` is imported.

    ``from a.b import c`` counts as an import of ``a.b.c`` when that is a module, else of ``a.b``.
    """
    top = root.name
    name = module_name(root, path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in _eager(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else (node.module or "")
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = _path_of(root, candidate) is not None
                found.append((node.lineno, candidate if is_module else base))
    return [(line, m) for line, m in found if m == top or m.startswith(top + ".")]


def _path_of(root: Path, module: str) -> Path | None:
    relative = Path(*module.split(".")[1:])
    for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def graph(root: Path) -> dict[str, set[str]]:
    """Every import between the package's modules, deferred ones (in functions, under
    ``TYPE_CHECKING``) included: an import deferred to dodge a circle is still a circle in the design."""
    modules = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    return {name: {m for _, m in eager_imports(root, path) + _lazy_imports(root, path) + _typing_imports(root, path)
                   if m in modules and m != name}
            for name, path in modules.items()}


def _typing_imports(root: Path, path: Path) -> list[tuple[int, str]]:
    everything = {(n.lineno, n.module) for n in ast.walk(ast.parse(path.read_text()))
                  if isinstance(n, ast.ImportFrom) and not n.level and n.module}
    return [(line, m) for line, m in everything if m.startswith(root.name + ".")]


def _package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def circles(root: Path) -> list[list[str]]:
    """Import cycles among the modules of one package (``chipdx.x.*``), each as a path a → b → a.

    A package's ``__init__`` re-exporting its modules, which import siblings, is not a circle: an
    edge *into* a package ``__init__`` from its own submodules is left out (it runs first anyway).
    """
    edges = graph(root)
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def inner(a: str, b: str) -> bool:
        same = _package_of(a) == _package_of(b) and a.count(".") >= 1
        into_own_init = a.startswith(b + ".")
        return same and not into_own_init

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if not inner(node, nxt):
                continue
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


def private_reach_ins(root: Path) -> list[str]:
    """Imports of a private module (``_name``) of another package."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(root, path)
        for line, module in sorted(set(eager_imports(root, path) + _lazy_imports(root, path))):
            parts = module.split(".")
            private = [i for i, part in enumerate(parts) if part.startswith("_") and part != "__init__"]
            if not private:
                continue
            owner = ".".join(parts[: private[0]])
            if importer != owner and not importer.startswith(owner + "."):
                bad.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return bad


def _lazy_imports(root: Path, path: Path) -> list[tuple[int, str]]:
    """Imports inside functions (they still must not reach into private modules)."""
    top = root.name
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and not inner.level and inner.module:
                    found.append((inner.lineno, inner.module))
                elif isinstance(inner, ast.Import):
                    found += [(inner.lineno, alias.name) for alias in inner.names]
    return [(line, m) for line, m in found if m.startswith(top + ".")]


def adapter_to_adapter(root: Path) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(root, path).split(".")
        if len(importer) < 2 or importer[1] not in INNER_ADAPTERS:
            continue
        for line, module in eager_imports(root, path) + _lazy_imports(root, path):
            parts = module.split(".")
            if len(parts) > 1 and parts[1] in ADAPTERS and parts[1] != importer[1]:
                bad.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return bad


def test_no_circles_inside_a_package() -> None:
    assert circles(SRC) == []


def test_no_private_module_of_another_package_is_imported() -> None:
    assert private_reach_ins(SRC) == []


def test_adapters_never_import_each_other() -> None:
    assert adapter_to_adapter(SRC) == []


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A fake ``chipdx`` with one circle, one private reach-in and one adapter-to-adapter import."""
    root = tmp_path / "chipdx"
    files = {
        "__init__.py": "",
        "analysis/__init__.py": "",
        "analysis/curves.py": "from chipdx.analysis.detection import detect\n",
        "analysis/detection.py": "from chipdx.analysis import curves\n\ndef detect():\n    pass\n",
        "analysis/fine.py": "from chipdx.analysis import curves\n",
        "analysis/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                             "    from chipdx.analysis.hidden import X\n",
        "analysis/hidden.py": "def f():\n    from chipdx.analysis.typed import Y\n",
        "io/__init__.py": "",
        "io/_text.py": "",
        "cli/__init__.py": "",
        "cli/main.py": "from chipdx.io._text import x\n\ndef run():\n    from chipdx.batch import go\n",
        "batch/__init__.py": "def go():\n    pass\n",
        "service/__init__.py": "",
        "service/jobs.py": "def submit():\n    from chipdx.batch import go\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_checker_finds_a_planted_circle(planted: Path) -> None:
    assert circles(planted) == [["chipdx.analysis.curves", "chipdx.analysis.detection", "chipdx.analysis.curves"],
                                ["chipdx.analysis.hidden", "chipdx.analysis.typed", "chipdx.analysis.hidden"]]


def test_the_checker_finds_a_planted_private_import(planted: Path) -> None:
    assert private_reach_ins(planted) == ["chipdx/cli/main.py:1 imports chipdx.io._text"]


def test_the_checker_finds_a_planted_adapter_to_adapter_import(planted: Path) -> None:
    assert adapter_to_adapter(planted) == ["chipdx/service/jobs.py:2 imports chipdx.batch"]
