"""Readers on every export at hand: read, refused or misread, per format (issue 16's measured table).

Files: every fixture under ``tests/data`` (made for the suite: ``error_*`` must be refused),
every export under ``../shared/data/formats`` (real files from public repositories) and the
real-world variants labs produce, written here in the vendors' layouts (a QuantStudio settings
footer without a blank row, a ``Melt Curve Raw`` sheet, a Design & Analysis ``Primary_result``
presence/absence workbook, wells numbered 1-8 at A1-A4/B1-B4, a results-only text export).

A file is **misread** when it reads but breaks what the file itself states: an ``error_*`` fixture
read at all, a reported Cq column dropped, a dye read as ``unknown``, a stated task lost (NTC in the
file, no ``ntc`` read), a reaction placed off the file's stated well positions. **Refused** files are
listed with their one-line message; a refusal is only right when the message names the real reason.

Run on another checkout to compare (old vs new)::

    PYTHONPATH=OLD_CHECKOUT/src .venv/bin/python benchmarks/bench_readers.py
"""

from __future__ import annotations

import collections
import re
import sys
import tempfile
from pathlib import Path

from chipdx import io
from chipdx.errors import ChipdxError

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests" / "data"
SHARED = HERE.parent.parent / "shared" / "data" / "formats"
NOT_RUN_FILES = {".md", ".xsd", ".proto", ".yaml", ".json", ".txt.notes"}
CQ_HEADER = re.compile(r"(^|[\t,])(CT|Ct|Cq|Cp|Allele1 Ct)([\t,]|$)", re.MULTILINE)


def _text(path: Path) -> str:
    """The file's text for the checks (xlsx cells joined by tabs; '' for other binaries)."""
    if path.suffix == ".xlsx":
        from chipdx.io._xlsx import read_workbook, sheet_names

        try:
            sheets = read_workbook(path, sheets_wanted=set(sheet_names(path)))
        except ChipdxError:
            return ""
        return "\n".join(f"[{name}]\n" + "\n".join("\t".join(row) for row in rows) for name, rows in sheets.items())
    if path.suffix in {".gz", ".eds", ".rdml", ".zip"}:
        return ""
    return path.read_bytes()[:2_000_000].decode("utf-8", errors="replace")


def _column(text: str, name: str) -> list[str]:
    """The cells of every tab-separated table's column ``name`` (QuantStudio sections and sheets)."""
    found: list[str] = []
    index: int | None = None
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("\t")]
        if name in cells:
            index = cells.index(name)
        elif index is not None and len(cells) > index and cells[index]:
            found.append(cells[index])
        elif not any(cells):
            index = None
    return found


def _stated_positions(text: str) -> set[str]:
    """Well positions a QuantStudio table states (``Well Position`` column), as chipdx labels them."""
    cells = [c for c in _column(text, "Well Position") if re.fullmatch(r"[A-P]\d{1,2}", c)]
    return {f"{c[0]}{int(c[1:])}" for c in cells}


def _has_melt_rows(text: str) -> bool:
    """A melt table (``Melt Curve Raw`` section or sheet) with at least one data row."""
    return bool(re.search(r"Melt Curve Raw[^\n]*\n(?:[^\n]*\n)*?[^\n]*\tTemperature\t[^\n]*\n\s*\d", text))


def problems(path: Path) -> tuple[str, str]:
    """(verdict, detail) for one file: 'read', 'refused' or 'misread'."""
    try:
        data = io.read(path)
    except ChipdxError as exc:
        line = str(exc).replace(str(path), path.name)
        return "refused", f"{line[:150]} ({len(line)} chars)"
    except Exception as exc:  # a crash is a misread too: never a traceback for a user
        return "misread", f"crash {type(exc).__name__}: {exc}"[:150]
    if path.name.startswith("error_"):
        return "misread", "an error fixture was read"
    text = _text(path)
    reactions = [(run, r) for run in data.runs for r in run.reactions]
    found: list[str] = []
    if reactions and CQ_HEADER.search(text) and not any(r.reported.cq is not None for _, r in reactions):
        found.append("reported Cq dropped")
    if any(t.dye_id == "unknown" for t in data.targets) and reactions:
        found.append("dye 'unknown'")
    types = {data.sample(r.sample_id).type_for(r.target_id).value for _, r in reactions}
    tasks = {t.upper() for t in _column(text, "Task")}
    for task, code in (("NTC", "ntc"), ("IPC", "pos"), ("POSITIVE CONTROL", "pos")):
        if task in tasks and reactions and code not in types:
            found.append(f"task {task} lost")
    if _has_melt_rows(text) and not any(run.melt is not None for run in data.runs):
        found.append("melt curves lost")
    stated = _stated_positions(text) if data.provenance and data.provenance.format.startswith("quantstudio") else set()
    placed = {r.well.label for _, r in reactions}
    if stated and not placed <= stated:
        found.append(f"placed off the stated positions ({len(placed - stated)} wells)")
    detail = f"{len(reactions)} reactions, {sum(r.reported.cq is not None for _, r in reactions)} reported Cq"
    return ("misread", "; ".join(found)) if found else ("read", detail)


def main() -> int:
    sys.path.insert(0, str(HERE))
    groups: list[tuple[str, list[Path]]] = []
    for label, root in (("tests/data", TESTS), ("../shared/data/formats", SHARED)):
        if root.exists():
            files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix not in NOT_RUN_FILES
                     and p.name not in {"PROVENANCE.md", "notes.txt"}]
            groups.append((label, files))
    with tempfile.TemporaryDirectory() as tmp:
        from _reader_variants import write_variants

        groups.append(("variants (written here)", list(write_variants(Path(tmp)))))
        table: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for label, files in groups:
            print(f"\n### {label}\n")
            for path in files:
                verdict, detail = problems(path)
                kind = path.stem.split("__")[0] if label.startswith("variants") else path.relative_to(
                    TESTS if label == "tests/data" else SHARED).parts[0]
                table[(label, kind)][verdict] += 1
                print(f"- {verdict:8s} {path.name}: {detail}")
    print("\n| files | format folder | read | refused | misread |\n|---|---|---:|---:|---:|")
    for (label, kind), counts in table.items():
        print(f"| {label} | {kind} | {counts['read']} | {counts['refused']} | {counts['misread']} |")
    total = collections.Counter[str]()
    for counts in table.values():
        total.update(counts)
    print(f"| all | | {total['read']} | {total['refused']} | {total['misread']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
