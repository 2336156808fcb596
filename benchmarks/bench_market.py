"""Market-entry navigator benchmark (issue 13): agreement with the ground-truth table, dated rules,
bad input, speed. Prints rows of figure | measured | goal | peer.

Reads ``../shared/data/regulatory/ground_truth_ivd_classes.csv`` in place and the profiles in
``tests/data/market/products``. Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_market.py``
(about 20 s); ``--lookups-only`` runs only the look-up speed rows (about 5 s). The look-up indexes are built
in a temporary folder, so every run measures the first build too.
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from chipdx.market import SYSTEMS, classify_all, load_profile
from chipdx.market.oracle import read_oracle

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO.parent / "shared" / "data" / "regulatory" / "ground_truth_ivd_classes.csv"
PRODUCTS = REPO / "tests" / "data" / "market" / "products"
DEVICE = REPO / "src" / "chipdx" / "market" / "devices" / "chipdx-resp-4plex.yaml"
ON = dt.date(2026, 12, 3)
PEER = "RegDesk / Rimsys / Emergo RAMS: closed, no rule trace"


def row(figure: str, measured: str, goal: str, peer: str = "–") -> None:
    print(f"| {figure} | {measured} | {goal} | {peer} |", flush=True)


def agreement() -> None:
    cells = read_oracle(TABLE)
    answers = {}
    for product in sorted({c.product for c in cells}):
        for answer in classify_all(load_profile(PRODUCTS / f"{product}.yaml"), ON):
            answers[(product, answer.system)] = (answer.klass or "").lower()
    for tag, goal in (("V", "100 %"), ("R", "reported, each disagreement explained")):
        chosen = [c for c in cells if c.tag == tag]
        right = [c for c in chosen if answers[(c.product, c.system)] in c.accepted]
        wrong = ", ".join(f"{c.product} {c.system} ({c.cell.split('[')[0].strip()} vs "
                          f"{answers[(c.product, c.system)] or 'none'})" for c in chosen if c not in right)
        row(f"ground truth [{tag}] cells right", f"{len(right)}/{len(chosen)} ({100 * len(right) / len(chosen):.0f} %)"
            + (f"; differ: {wrong}" if wrong else ""), goal, PEER)
    per_system = Counter(c.system for c in cells if c.tag == "V")
    row("[V] cells per system", ", ".join(f"{s} {per_system[s]}" for s in SYSTEMS), "–")


def dated() -> None:
    cases = [("GT01", "eu", "2025-03-17", "D"), ("GT01", "eu", "2025-03-18", "B"), ("GT02", "eu", "2025-03-17", "D"),
             ("GT02", "eu", "2025-03-18", "C"), ("GT04", "us", "2022-05-15", "III"), ("GT04", "us", "2022-05-16", "II"),
             ("GT03", "us", "2022-11-03", "III"), ("GT03", "us", "2022-11-04", "II"),
             ("GT01", "us", "2021-03-16", ""), ("GT01", "us", "2021-03-17", "II"),
             ("GT17", "kr", "2025-04-07", ""), ("GT17", "kr", "2025-04-08", "3")]
    right = 0
    for product, system, on, expected in cases:
        answer = classify_all(load_profile(PRODUCTS / f"{product}.yaml"), dt.date.fromisoformat(on), (system,))[0]
        right += (answer.klass or "") == expected
    row("--as-of the day before and the day of each dated change", f"{right}/{len(cases)} right", "all", PEER)


HOSTILE = {
    "unknown field": "name: x\ncolour: red\n",
    "wrong value": "name: x\npurposes: [cure]\n",
    "malformed YAML": "name: [unclosed\n",
    "billion laughs": 'a: &a ["lol","lol","lol"]\nb: &b [*a,*a,*a]\nc: &c [*b,*b,*b]\n',
    "not UTF-8": "name: \udcff\n",
    "2 MiB file": "name: " + "x" * (2 << 20) + "\n",
}


def bad_input() -> None:
    good = 0
    with tempfile.TemporaryDirectory() as folder:
        for label, text in HOSTILE.items():
            path = Path(folder) / "p.yaml"
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
            out = Path(folder) / "out.csv"
            done = subprocess.run([sys.executable, "-m", "chipdx", "market", "classify", str(path), "-o", str(out)],
                                  capture_output=True, text=True, check=False)
            one_line = done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
            ok = done.returncode == 1 and one_line and not out.exists()
            good += ok
            print(f"    {label}: exit {done.returncode}, {done.stderr.strip()[:110]}", flush=True)
    row("bad profiles (unknown field, wrong value, malformed, billion laughs, not UTF-8, 2 MiB): exit 1, one line, "
        "nothing written", f"{good}/{len(HOSTILE)}", "all")


def speed() -> None:
    profiles = [load_profile(p) for p in sorted(PRODUCTS.glob("GT*.yaml"))] + [load_profile(DEVICE)]
    code = ("import time, datetime; from pathlib import Path; from chipdx.market import classify_all, load_profile; "
            f"p = load_profile(Path({str(DEVICE)!r})); t = time.perf_counter(); "
            "classify_all(p, datetime.date(2026, 12, 3)); print((time.perf_counter() - t) * 1000)")
    cold = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    times = []
    for _ in range(20):
        for profile in profiles:
            start = time.perf_counter()
            classify_all(profile, ON)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    row("classify one profile in all 8 systems, in-process (median / p95 over 19 profiles x 20)",
        f"{statistics.median(times):.2f} ms / {times[int(0.95 * len(times))]:.2f} ms (first call in a new process, "
        f"reading the 8 rulesets: {cold:.0f} ms)", "≤ 50 ms")


QUERIES = [("fda", "real time nucleic acid amplification"), ("emdn", "coronavirus"), ("hs", "diagnostic reagents"),
           ("mfds", "실시간유전자증폭장치"), ("fda", "reagent"), ("emdn", "reagents")]


def _first_query_in_a_new_process(kind: str, query: str, index: Path) -> tuple[float, float, float]:
    """Wall and CPU ms of the first look-up in a fresh interpreter, index on disk; and the import's ms."""
    code = ("import time; from pathlib import Path; i = time.perf_counter(); "
            "from chipdx.market.lookup import lookup; w, c = time.perf_counter(), time.process_time(); "
            f"lookup({kind!r}, {query!r}, Path({str(TABLE.parent)!r}), index_folder=Path({str(index)!r})); "
            "print((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000, (w - i) * 1000)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu, imported = done.stdout.split()
    return float(wall), float(cpu), float(imported)


def _cli(kind: str, query: str, index: Path) -> tuple[float, float]:
    """Wall and CPU ms of a whole ``chipdx market lookup`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "chipdx", "market", "lookup", kind, query, "--data", str(TABLE.parent),
                    "--index-dir", str(index)], capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.perf_counter() - start) * 1000, (after.ru_utime + after.ru_stime - before.ru_utime
                                                  - before.ru_stime) * 1000


def lookups(repeats: int = 20) -> None:
    """Look-up speed: index build (once per file), first query in a new process, repeats, whole CLI."""
    from chipdx.market.lookup import lookup

    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder)
        build = []
        for kind in ("fda", "emdn", "hs", "mfds"):
            start, cpu = time.perf_counter(), time.process_time()
            lookup(kind, "x", TABLE.parent, index_folder=index)
            build.append(f"{kind} {(time.perf_counter() - start) * 1000:.0f} ms (CPU "
                         f"{(time.process_time() - cpu) * 1000:.0f})")
        first = [_first_query_in_a_new_process(kind, query, index) for kind, query in QUERIES]
        warm = []
        for _ in range(repeats):
            for kind, query in QUERIES:
                start = time.perf_counter()
                lookup(kind, query, TABLE.parent, index_folder=index)
                warm.append((time.perf_counter() - start) * 1000)
        cli = [_cli(kind, query, index) for kind, query in QUERIES[:4]]
    row("look-up: index build, once per file (parse + FTS5, SQLite on disk, keyed by SHA-256)", "; ".join(build),
        "once", "–")
    row("look-up: first query in a new process, index on disk (FDA, EMDN, HS, MFDS; 6 queries)",
        f"wall {min(f[0] for f in first):.1f}-{max(f[0] for f in first):.1f} ms, CPU "
        f"{min(f[1] for f in first):.1f}-{max(f[1] for f in first):.1f} ms (importing chipdx.market.lookup: "
        f"{min(f[2] for f in first):.0f}-{max(f[2] for f in first):.0f} ms more)", "≤ 100 ms")
    warm.sort()
    row(f"look-up: repeat queries in-process (median / max over {len(warm)})",
        f"{statistics.median(warm):.2f} / {max(warm):.1f} ms", "≤ 100 ms")
    row("look-up: whole `chipdx market lookup` process (Python start-up + chipdx CLI imports + query)",
        f"wall {min(w for w, _ in cli):.0f}-{max(w for w, _ in cli):.0f} ms, CPU "
        f"{min(c for _, c in cli):.0f}-{max(c for _, c in cli):.0f} ms", "≤ 100 ms (query)", "–")


def main() -> int:
    if not TABLE.exists():
        print(f"skipped: {TABLE} not found (clone shared/ beside the repo)")
        return 0
    print(f"load average {Path('/proc/loadavg').read_text(encoding='utf-8').split()[0]}")
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    if "--lookups-only" not in sys.argv:
        agreement()
        dated()
        bad_input()
        speed()
    lookups()
    return 0


if __name__ == "__main__":
    sys.exit(main())
