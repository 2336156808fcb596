"""Read a ground-truth table of expected classes (the layout of ``ground_truth_ivd_classes.csv``).

Each cell holds a class in the system's notation and a tag: ``[V]`` stated by the cited source,
``[R]`` derived by the table's authors. Cells such as ``II-III [R]`` or ``I or II`` accept either
class; ``Biologic (BLA, CBER)`` and ``Drug (not IVD device)`` are the non-ordinal outcomes.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from chipdx.errors import FormatError

__all__ = ["COLUMNS", "Expected", "read_oracle"]

#: Ground-truth column per system code.
COLUMNS = {"eu": "eu_ivdr", "us": "us_fda", "kr": "kr_mfds", "jp": "jp_mhlw", "cn": "cn_nmpa", "ca": "ca_hc",
           "au": "au_tga", "imdrf": "imdrf_n64"}


@dataclass(frozen=True)
class Expected:
    """One non-empty cell: product id, system, accepted classes, tag (V, R or empty) and the raw text."""

    product: str
    system: str
    accepted: frozenset[str]
    tag: str
    cell: str


def _accepted(cell: str) -> frozenset[str]:
    head = cell.split("[")[0].split("(")[0].strip().lower()
    if "biologic" in head:
        return frozenset({"biologic"})
    if head.startswith("drug"):
        return frozenset({"drug"})
    if head.startswith("strip="):  # "strip=II (OTC IVD) [R]; meter=medical device [V]": the reagent's class
        head = head.removeprefix("strip=")
    head = head.removeprefix("samd ").split(",")[0]
    return frozenset(part for part in re.split(r"\s*(?:/|-|\bor\b)\s*", head) if part)


def _tag(cell: str) -> str:
    found = re.search(r"\[(V|R)\]|\((R)[,)]", cell)
    return (found.group(1) or found.group(2)) if found else ""


def read_oracle(path: Path) -> list[Expected]:
    """Every non-empty class cell of the table at *path*."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    cells = []
    for line, row in enumerate(rows, 2):
        if "id" not in row or any(column not in row for column in COLUMNS.values()):
            raise FormatError(str(path), f"line {line}", "the columns id and " + ", ".join(COLUMNS.values()),
                              ", ".join(row))
        for system, column in COLUMNS.items():
            cell = (row[column] or "").strip()
            if cell:
                cells.append(Expected(row["id"], system, _accepted(cell), _tag(cell), cell))
    return cells
