"""RDML read/write speed on the public files (figure / goal): informative, no SPEC goal yet."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from chipdx import io

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = ["qpcr/ruijter2013_technical/rdml/ds_94_4_v1.3.rdml", "qpcr/rdmlpython_plates/test_mca_5_raw_data.rdml"]


def best_of(function: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    if not SHARED.exists():
        print("skip: ../shared/data is absent")
        return
    print(f"{'file':58s} {'reactions':>9s} {'read s':>7s} {'write s':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in FILES:
            path = SHARED / name
            data = io.read(path)
            read_s = best_of(lambda path=path: io.read(path))
            write_s = best_of(lambda data=data: io.write(data, Path(tmp) / "out.rdml"))
            print(f"{name:58s} {data.n_reactions:9d} {read_s:7.3f} {write_s:7.3f}")


if __name__ == "__main__":
    main()
