"""The core installs and runs without any extra: with every optional library hidden, the main commands work,
``--help`` loads no analysis stack, and each extra's feature says in one line which extra to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chipdx import io
from chipdx.extras import EXTRAS

DATA = Path(__file__).parent / "data"

#: Run chipdx's CLI in a fresh interpreter where every extra's modules fail to import.
HIDE = textwrap.dedent("""
    import importlib.abc, sys
    HIDDEN = {hidden!r}
    class Hide(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in HIDDEN:
                raise ModuleNotFoundError(f"No module named {{name!r}} (hidden by the test)")
            return None
    sys.meta_path.insert(0, Hide())
    from chipdx.cli import main
    try:
        code = main({argv!r})
    except SystemExit as exit:
        code = exit.code
    print("LOADED", *sorted(m for m in {watch!r} if m in sys.modules))
    sys.exit(code)
""")
HIDDEN = sorted({module for modules in EXTRAS.values() for module in modules} | {"playwright"})


def run_without_extras(*argv: str, watch: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    script = HIDE.format(hidden=HIDDEN, argv=list(argv), watch=watch)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


def a_run_file() -> Path:
    return DATA / "quantstudio_txt" / "golden_quirks_384.txt"


#: The modules that read run files (imported when their format is read, never for ``--help``).
READERS = tuple(sorted({f.reader.__module__ for f in io.formats() if f.reader is not None}))


def test_help_is_fast_to_load_without_extras() -> None:
    watch = ("pandas", "scipy", "sklearn", "matplotlib", "lxml", "chipdx.io._xlsx", *READERS, *HIDDEN)
    done = run_without_extras("--help", watch=watch)
    assert done.returncode == 0, done.stderr
    assert "LOADED\n" in done.stdout  # none of the analysis stack, no reader, none of the extras
    assert "qx-amplitude" in done.stdout  # the formats epilog, from the registry alone


def test_analysis_and_html_report_work_without_extras(tmp_path: Path) -> None:
    run = a_run_file()
    analyzed = run_without_extras("qpcr", "analyze", str(run), "-o", str(tmp_path / "out.csv"))
    assert analyzed.returncode == 0, analyzed.stderr
    reported = run_without_extras("report", str(run), "-o", str(tmp_path / "report.html"))
    assert reported.returncode == 0, reported.stderr
    assert (tmp_path / "report.html").stat().st_size > 1000


@pytest.mark.parametrize(("argv", "extra"), [
    (("report", "{run}", "-o", "{tmp}/report.pdf"), "pdf"),
    (("sila", "serve", "--out", "{tmp}/runs"), "sila"),
    (("batch", "{run}", "--out", "{tmp}/batch"), "batch"),
    (("serve", "--data-dir", "{tmp}/lab", "--port", "1"), "service"),
])
def test_a_missing_extra_is_one_line_naming_it(tmp_path: Path, argv: tuple[str, ...], extra: str) -> None:
    args = [a.format(run=a_run_file(), tmp=tmp_path) for a in argv]
    done = run_without_extras(*args)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install 'chipdx[{extra}]'" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "report.pdf").exists()
