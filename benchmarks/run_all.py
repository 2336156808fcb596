"""Run every benchmark here (`bench_*.py`, then `dpcr_coverage.py`), one after another; exit 1 if any fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in [*sorted(HERE.glob("bench_*.py")), HERE / "dpcr_coverage.py"]:
        print(f"\n## {script.name}\n", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
