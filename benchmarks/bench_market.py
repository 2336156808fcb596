"""Market-entry navigator benchmark (issue 13): agreement with the ground-truth table, dated rules,
bad input, speed. Prints rows of figure | measured | goal | peer.

Reads ``../shared/data/regulatory/ground_truth_ivd_classes.csv`` in place and the profiles in
``tests/data/market/products``. Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_market.py``.
"""

from __future__ import annotations

import datetime as dt
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


def lookups() -> None:
    from chipdx.market.lookup import lookup

    queries = [("fda", "real time nucleic acid amplification"), ("emdn", "coronavirus"), ("hs", "diagnostic reagents"),
               ("mfds", "실시간유전자증폭장치")]
    first, warm = [], []
    for kind, query in queries:
        start = time.perf_counter()
        lookup(kind, query, TABLE.parent)
        first.append((time.perf_counter() - start) * 1000)
        for _ in range(10):
            start = time.perf_counter()
            lookup(kind, query, TABLE.parent)
            warm.append((time.perf_counter() - start) * 1000)
    row("look-up (FDA, EMDN W, HS 2022, MFDS; one query each), in-process",
        f"repeat queries median {statistics.median(warm):.1f} ms, max {max(warm):.1f} ms; first query per file "
        f"(reads it) {min(first):.0f}-{max(first):.0f} ms", "≤ 100 ms")


def main() -> int:
    if not TABLE.exists():
        print(f"skipped: {TABLE} not found (clone shared/ beside the repo)")
        return 0
    print("| figure | measured | goal | peer |\n|---|---|---|---|")
    agreement()
    dated()
    bad_input()
    speed()
    lookups()
    return 0


if __name__ == "__main__":
    sys.exit(main())
