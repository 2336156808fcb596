"""qPCR instrument readers and the QuantStudio writer: fixture count and speed (figure | measured | goal | peer).

Reads every instrument fixture under ../shared/data/formats (QuantStudio txt/xlsx/eds, CFX, LightCycler 480,
Rotor-Gene) and the tidy dilution tables, converts each to RDML 1.3 (validated against the official XSD)
and, where the data fit one plate, writes a QuantStudio text export and reads it back.
No SPEC goal exists for reading speed; the goal column states the working aim (well under a second
per file on 2 cores). The peer is allotropy 0.1.150 reading the same QuantStudio fixtures, when
`.venv-allotropy` exists (make verify-quantstudio creates it).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

from chipdx import io
from chipdx.errors import ChipdxError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FOLDERS = ("quantstudio_txt", "quantstudio_xlsx", "quantstudio_eds", "biorad_cfx", "roche_lc480", "qiagen_rotorgene")
ALLOTROPY = ROOT / ".venv-allotropy" / "bin" / "python"
PEER = r"""
import sys, time
from allotropy.parser_factory import Vendor
from allotropy.to_allotrope import allotrope_from_file
start = time.perf_counter()
for path in sys.argv[1:]:
    allotrope_from_file(path, Vendor.APPBIO_QUANTSTUDIO)
print(time.perf_counter() - start)
"""


def fixtures() -> list[Path]:
    files = [p for folder in FOLDERS for p in sorted((SHARED / "formats" / folder).iterdir()) if p.is_file()]
    return files + sorted((SHARED / "qpcr" / "tidy_dilution_sets").rglob("*.csv.gz"))


def best_of(path: Path, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        io.read(path)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    if not SHARED.exists():
        print("skip: ../shared/data is absent")
        return 0
    schema = etree.XMLSchema(etree.parse(str(SHARED / "formats" / "rdml" / "RDML_v1_3_REC.xsd")))
    files, read, valid, round_trips, written = fixtures(), 0, 0, 0, 0
    slowest, slowest_name, total = 0.0, "", 0.0
    print(f"{'file':72s} {'format':17s} {'reactions':>9s} {'read s':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            name = str(path.relative_to(SHARED))
            try:
                data = io.read(path)
            except ChipdxError as exc:
                print(f"{name:72s} FAILED: {exc}")
                continue
            read += 1
            seconds = best_of(path)
            total += seconds
            if seconds > slowest:
                slowest, slowest_name = seconds, path.name
            assert data.provenance is not None
            print(f"{name:72s} {data.provenance.format:17s} {data.n_reactions:9d} {seconds:7.3f}")
            out = Path(tmp) / "out.rdml"
            io.write(data, out)
            valid += schema.validate(etree.fromstring(zipfile.ZipFile(out).read("rdml_data.xml")))
            if len(data.runs) == 1 and data.runs[0].plate.size <= 384:
                text = Path(tmp) / "out.txt"
                io.write(data, text, format="quantstudio-txt")
                written += 1
                again = io.read(text)
                round_trips += again.n_reactions == data.n_reactions
    peer = "–"
    quantstudio = sorted((SHARED / "formats" / "quantstudio_txt").glob("*.txt"))
    if ALLOTROPY.exists():
        ours = sum(best_of(p) for p in quantstudio)
        result = subprocess.run([str(ALLOTROPY), "-c", PEER, *map(str, quantstudio)], capture_output=True,
                                text=True, check=False)
        if result.returncode == 0:
            peer = f"allotropy {float(result.stdout):.2f} s (chipdx {ours:.2f} s)"
    n = len(files)
    print()
    print("| figure | measured | goal | peer |")
    print("|---|---|---|---|")
    print(f"| instrument fixtures read | {read}/{n} | {n}/{n} | – |")
    print(f"| converted RDML valid against the 1.3 XSD | {valid}/{read} | {read}/{read} | – |")
    print(f"| QuantStudio text written and read back (single-plate inputs) | {round_trips}/{written} | "
          f"{written}/{written} | – |")
    print(f"| slowest read | {slowest:.2f} s ({slowest_name}) | < 1 s | – |")
    print(f"| all {n} files read | {total:.2f} s | – | – |")
    print(f"| the 5 QuantStudio text fixtures read | see peer | – | {peer} |")
    return 0 if read == n and valid == read and round_trips == written else 1


if __name__ == "__main__":
    sys.exit(main())
