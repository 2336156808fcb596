"""The format registry imports a reader module only when its format is read: sniffing imports none."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chipdx import io

DATA = Path(__file__).parents[1] / "data"

#: In a fresh interpreter: sniff or read one file, then list the reader modules (and lxml) imported.
PROBE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from chipdx import io
    readers = {{f.reader.__module__ for f in io.formats() if f.reader is not None}}
    before = sorted(m for m in readers | {{"lxml", "chipdx.io._xlsx"}} if m in sys.modules)
    io.{call}(Path({path!r}))
    after = sorted(m for m in readers | {{"lxml", "chipdx.io._xlsx"}} if m in sys.modules)
    print(json.dumps([before, after]))
""")


def probe(call: str, path: Path) -> tuple[list[str], list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(call=call, path=str(path))], capture_output=True,
                          text=True, timeout=120, check=True)
    before, after = json.loads(done.stdout)
    return before, after


CASES = [
    (DATA / "qx" / "golden_A01_Amplitude.csv", {"chipdx.io.qx", "chipdx.io.qx_results"}),
    (DATA / "quantstudio_txt" / "golden_quirks_384.txt", {"chipdx.io.quantstudio_txt"}),
    (DATA / "partition_table" / "golden.csv.gz", {"chipdx.io.partition_table"}),
    (DATA / "qiacuity" / "golden_partitions.csv", {"chipdx.io.qiacuity"}),
]


@pytest.mark.parametrize(("path", "modules"), CASES, ids=[p.name for p, _ in CASES])
def test_sniffing_imports_no_reader_and_reading_only_its_own(path: Path, modules: set[str]) -> None:
    before, sniffed = probe("detect", path)
    assert before == [] and sniffed == []  # importing chipdx.io and sniffing: no reader, no lxml
    _, read = probe("read", path)
    assert set(read) == modules


def test_every_declared_reader_and_writer_exists_in_its_module() -> None:
    for file_format in io.formats():
        for function in (file_format.reader, file_format.writer, file_format.amplification_reader):
            if function is not None:
                module = importlib.import_module(function.__module__)
                assert callable(getattr(module, function.__name__)), (file_format.name, function.__name__)


def test_reader_modules_are_package_attributes() -> None:
    assert io.qx.read_qx is importlib.import_module("chipdx.io.qx").read_qx
    with pytest.raises(AttributeError):
        _ = io.no_such_module  # type: ignore[attr-defined]
