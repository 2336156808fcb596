"""One error tree: every exception class of chipdx is defined in ``chipdx.errors`` and derives from it."""

from __future__ import annotations

import ast
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chipdx.errors as errors
from chipdx.errors import ChipdxError, InvalidParameterError, NotFittedError
from chipdx.interpret import CurveClassifier

SRC = Path(__file__).resolve().parents[1] / "src" / "chipdx"
EXCEPTION_BASES = {"Exception", "BaseException", "ValueError", "TypeError", "RuntimeError", "KeyError",
                   "OSError", "LookupError", "AttributeError", "Warning", "UserWarning"}


def exception_classes_outside(errors_module: Path, package: Path) -> list[str]:
    """``file:line class`` for every class defined outside ``errors_module`` whose bases name an exception.

    A base counts when it is a builtin exception or a class of the errors module (``...Error``,
    ``...Warning``), so a stray ``class X(ChipdxError)`` outside the tree's module is found too.
    """
    tree_names = {node.name for node in ast.walk(ast.parse(errors_module.read_text()))
                  if isinstance(node, ast.ClassDef)}
    found = []
    for path in sorted(package.rglob("*.py")):
        if path == errors_module:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
                     for base in node.bases}
            if bases & (EXCEPTION_BASES | tree_names):
                found.append(f"{path.relative_to(package.parent)}:{node.lineno} {node.name}")
    return found


def test_every_exception_class_is_defined_in_errors() -> None:
    # io._quantstudio._TableError is a private signal inside one reader, always turned into a FormatError
    stray = [line for line in exception_classes_outside(SRC / "errors.py", SRC) if not line.endswith("_TableError")]
    assert stray == [], f"define these in chipdx/errors.py: {stray}"


def test_the_walker_finds_a_planted_exception(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(SRC / "errors.py", package / "errors.py")
    (package / "a.py").write_text("class Oops(ValueError):\n    pass\n\nclass Fine:\n    pass\n")
    (package / "b.py").write_text("from pkg.errors import ChipdxError\n\nclass Mine(ChipdxError):\n    pass\n")
    assert exception_classes_outside(package / "errors.py", package) == ["pkg/a.py:1 Oops", "pkg/b.py:3 Mine"]


def test_every_error_of_the_tree_is_a_chipdx_error() -> None:
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass)
               if issubclass(obj, Exception) and not issubclass(obj, Warning) and obj.__module__ == errors.__name__]
    assert len(classes) >= 15
    assert all(issubclass(cls, ChipdxError) for cls in classes)


@pytest.mark.parametrize(("params", "name"), [
    ({"band_on": "nonsense"}, "band_on"), ({"alpha": 0.0}, "alpha"), ({"alpha": 1.5}, "alpha"),
    ({"n_splits": 1}, "n_splits"), ({"max_iter": 0}, "max_iter"), ({"ood_quantile": "high"}, "ood_quantile"),
    ({"l2_regularization": -1.0}, "l2_regularization"), ({"max_leaf_nodes": True}, "max_leaf_nodes"),
])
def test_the_classifier_refuses_a_bad_parameter_at_fit(params: dict[str, object], name: str) -> None:
    f, y = np.random.default_rng(0).normal(size=(40, 40)), np.arange(40) % 2
    with pytest.raises(InvalidParameterError, match=f"parameter {name}: expected .*, found "):
        CurveClassifier(**params).fit(f, y)  # type: ignore[arg-type]


def test_the_classifier_says_not_fitted_before_fit() -> None:
    clf = CurveClassifier()
    for use in (lambda: clf.predict(np.ones((2, 40))), clf.review_band, lambda: clf.classify(np.ones((2, 40)))):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            use()


def test_an_unknown_file_gets_a_short_line_and_help_lists_the_formats(tmp_path: Path) -> None:
    from chipdx import io

    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 8)
    done = subprocess.run([sys.executable, "-m", "chipdx.cli", "info", str(garbage)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    line = done.stderr.strip()
    assert "\n" not in line
    assert len(line) - len(str(garbage)) <= 200, line
    assert "chipdx --help" in line
    shown = subprocess.run([sys.executable, "-m", "chipdx.cli", "--help"], capture_output=True, text=True,
                           check=True).stdout
    for file_format in io.formats():
        if file_format.reader is not None:
            assert file_format.name in shown
            assert file_format.description in shown
