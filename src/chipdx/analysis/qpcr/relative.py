"""Relative quantification: delta-delta-Cq, efficiency-corrected (Pfaffl) ratios, geNorm stability.

* delta-delta-Cq (Livak & Schmittgen 2001) is the Pfaffl ratio with E = 2.
* Pfaffl (2001, *Nucleic Acids Res* 29:e45): ratio = E_t^dCq_t / E_ref^dCq_ref with
  dCq = Cq(calibrator) - Cq(sample); several reference genes enter as the geometric
  mean of their relative quantities (Vandesompele et al. 2002, *Genome Biol* 3:research0034).
* Error propagation: first-order (Taylor) on log2 ratios from the replicate SDs of
  the mean Cq (as qpcR ``propagate``/``ratiocalc`` by first-order terms).
* geNorm M: mean SD of the pairwise log2 ratios of a reference gene with every other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["genorm_stability", "relative_quantities"]


def _summary(table: pd.DataFrame) -> pd.DataFrame:
    amplified = table[table["amplified"].astype(bool) & table["cq"].notna()]
    grouped = amplified.groupby(["sample", "target"])["cq"]
    summary = grouped.agg(["mean", "std", "count"]).reset_index()
    summary["sem"] = (summary["std"].fillna(0.0) / np.sqrt(summary["count"])).astype(float)
    return summary


def relative_quantities(table: pd.DataFrame, *, references: Sequence[str], calibrator: str | None = None,
                        efficiencies: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Normalised relative quantities of every target of interest in every sample.

    Parameters
    ----------
    table
        Rows with at least ``sample``, ``target``, ``cq`` and ``amplified`` (the output of
        :func:`~chipdx.analysis.qpcr.table.analyze`).
    references
        Reference gene targets (one or more).
    calibrator
        Sample whose ratio is 1; default: the first sample in name order.
    efficiencies
        Fold per cycle per target; missing targets use 2.0 (delta-delta-Cq).

    Returns
    -------
    pandas.DataFrame
        ``sample, target, ratio, log2_ratio, sd_log2, ci_low, ci_high, method``.
    """
    if not references:
        raise ValueError("relative quantification needs at least one reference gene")
    summary = _summary(table)
    efficiencies = dict(efficiencies or {})
    summary["log2e"] = np.log2([efficiencies.get(t, 2.0) for t in summary["target"]])
    samples = sorted(summary["sample"].unique())
    if not samples:
        return pd.DataFrame(columns=["sample", "target", "ratio", "log2_ratio", "sd_log2", "ci_low", "ci_high",
                                     "method"])
    calibrator = calibrator if calibrator is not None else samples[0]
    mean = summary.pivot(index="sample", columns="target", values="mean")
    sem = summary.pivot(index="sample", columns="target", values="sem").fillna(0.0)
    log2e = summary.groupby("target")["log2e"].first()
    missing = [r for r in references if r not in mean.columns]
    if missing or calibrator not in mean.index:
        raise ValueError(f"no amplified data for {missing or calibrator!r}")
    # log2 relative quantity per target: (Cq_cal - Cq_sample) * log2 E
    log2_rq = (mean.loc[calibrator] - mean) * log2e
    var_rq = (sem**2 + sem.loc[calibrator] ** 2) * log2e**2
    refs = list(references)
    norm_log2 = log2_rq[refs].mean(axis=1)
    norm_var = var_rq[refs].sum(axis=1) / len(refs) ** 2
    rows = []
    method = "delta-delta-Cq" if not efficiencies else "Pfaffl (efficiency-corrected)"
    for target in [t for t in mean.columns if t not in refs]:
        log2_ratio = log2_rq[target] - norm_log2
        sd = np.sqrt(var_rq[target] + norm_var)
        for sample in mean.index:
            value = float(log2_ratio[sample])
            if not np.isfinite(value):
                continue
            s = float(sd[sample])
            rows.append({"sample": sample, "target": target, "ratio": 2.0**value, "log2_ratio": value,
                         "sd_log2": s, "ci_low": 2.0 ** (value - 1.96 * s), "ci_high": 2.0 ** (value + 1.96 * s),
                         "method": method})
    return pd.DataFrame(rows, columns=["sample", "target", "ratio", "log2_ratio", "sd_log2", "ci_low", "ci_high",
                                       "method"])


def genorm_stability(table: pd.DataFrame, *, references: Sequence[str]) -> pd.Series:
    """geNorm M value of each reference gene (lower = more stable; Vandesompele 2002).

    >>> t = pd.DataFrame({"sample": list("aabbcc"), "target": ["R1", "R2"] * 3,
    ...                   "cq": [20, 25, 21, 26, 22, 27.5], "amplified": True})
    >>> genorm_stability(t, references=["R1", "R2"]).round(3).tolist()
    [0.289, 0.289]
    """
    mean = _summary(table).pivot(index="sample", columns="target", values="mean")[list(references)].dropna()
    log2 = -mean  # log2 relative quantity with E = 2, up to a constant
    values = {}
    for gene in references:
        others = [g for g in references if g != gene]
        values[gene] = float(np.mean([np.std(log2[gene] - log2[o], ddof=1) for o in others])) if others else np.nan
    return pd.Series(values, name="M")
