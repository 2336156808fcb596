"""Figure docs/img/ds_94_4_f9_a1.png: the ds_94_4 standard F9 and NTC A1 against their peers.

Run: ``.venv/bin/python benchmarks/plot_ds_94_4_failures.py [OUT.png]``. The figure backs the
calls explained in docs/benchmarks.md (F9: a failed reaction, no Cq; A1: a real amplification
in a no-template control, flagged).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib as mpl
import numpy as np

mpl.use("Agg")
import matplotlib.pyplot as plt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _qpcr_data import SHARED

from chipdx import io
from chipdx.analysis.qpcr import analyze_detailed

OUT = Path(__file__).resolve().parents[1] / "docs" / "img" / "ds_94_4_f9_a1.png"


def main() -> int:
    if not SHARED.exists():
        print("skip: ../shared/data/qpcr is absent")
        return 0
    data = io.read(SHARED / "ruijter2013_technical/rdml/ds_94_4_v1.3.rdml")
    table = analyze_detailed(data)
    run = data.runs[0]
    curves, cycles = run.fluorescence, run.cycles
    kind, quantity = table["sample_type"].to_numpy(), table["quantity"].to_numpy()
    index = {well: i for i, well in enumerate(table["well"])}
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    for i in np.flatnonzero((kind == "std") & (quantity == 1500)):
        axes[0, 0].plot(cycles, curves[i], color="0.8", lw=0.6)
    axes[0, 0].plot(cycles, curves[index["F9"]], "r-o", ms=3, label="F9 (1 500 copies)")
    axes[0, 0].set_title("F9 against the other 1 500-copy wells (raw)")
    for i in np.flatnonzero(kind == "ntc"):
        axes[0, 1].plot(cycles, curves[i], "-o", ms=2, label=table["well"].iloc[i])
    axes[0, 1].set_title("the 8 NTCs (raw)")
    low = np.flatnonzero((kind == "std") & (quantity == 15))
    for i in low:
        axes[1, 0].plot(cycles, curves[i], color="0.85", lw=0.6)
    for well, style in (("A1", "b-o"), ("F9", "r-o")):
        axes[1, 0].plot(cycles, curves[index[well]], style, ms=3, label=well)
        ground = curves[index[well]] - np.median(curves[index[well], 2:12])
        axes[1, 1].semilogy(cycles, np.maximum(ground, 1), style, ms=3, label=f"{well} minus ground")
    reference = curves[low[0]] - np.median(curves[low[0], 2:12])
    axes[1, 1].semilogy(cycles, np.maximum(reference, 1), "k-", label=f"{table['well'].iloc[low[0]]} (15 copies)")
    axes[1, 0].set_title("A1 and F9 against the 15-copy wells (raw)")
    axes[1, 1].set_title("log scale, ground-phase median subtracted")
    for ax in axes.ravel():
        ax.legend(fontsize=7)
        ax.set_xlabel("cycle")
    fig.tight_layout()
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    fig.savefig(out, dpi=70)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
