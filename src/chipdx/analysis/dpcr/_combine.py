"""Replicate merging, ratios and fractional abundance from a dPCR result table.

* **Merging** replicate wells pools the partitions, ``lambda = -ln(1 - sum k / sum n)``
  (QuantaSoft "merged wells"), rather than averaging lambda, with the Poisson
  interval of the pooled counts. The **between-replicate** interval is a
  t-interval on the per-well concentrations (it carries pipetting and
  sub-sampling variation that the Poisson interval does not).
* **Ratios** ``R = lambda_t / lambda_r`` (copy-number variation, mutant/wild-type)
  use the delta method on ``ln R`` with ``var(ln lambda) = p / (n (1 - p) lambda^2)``
  (Dube et al. 2008); **fractional abundance** is ``R / (1 + R)`` with the interval
  mapped through the same monotone transform.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from chipdx.analysis.dpcr._quantify import CiMethod, poisson_estimate

__all__ = ["fractional_abundance", "merge_replicates"]


def merge_replicates(result: pd.DataFrame, *, by: tuple[str, ...] = ("sample", "target"),
                     method: CiMethod = "wilson") -> pd.DataFrame:
    """Merge the wells of each ``by`` group of an :func:`analyze` table.

    Returns one row per group with ``n_wells``, pooled ``n_total``/``n_positive``,
    ``copies_per_ul`` with its Poisson ``ci_low``/``ci_high`` and the
    between-replicate ``total_ci_low``/``total_ci_high`` (``NaN`` with one well).

    Examples
    --------
    >>> table = pd.DataFrame({"sample": ["s", "s"], "target": ["t", "t"], "n_total": [10000, 10000],
    ...     "n_positive": [1000, 1100], "partition_volume_nl": [0.85, 0.85], "copies_per_ul": [124.0, 137.0]})
    >>> merged = merge_replicates(table)
    >>> int(merged.n_positive.iloc[0]), int(merged.n_wells.iloc[0])
    (2100, 2)
    """
    keys = list(by)
    valid = result[result.n_total > 0]
    grouped = valid.groupby(keys, sort=False)
    merged = grouped.agg(n_wells=("n_total", "size"), n_total=("n_total", "sum"), n_positive=("n_positive", "sum"),
                         partition_volume_nl=("partition_volume_nl", "mean"), mean=("copies_per_ul", "mean"),
                         sd=("copies_per_ul", "std")).reset_index()
    estimate = poisson_estimate(merged.n_positive.to_numpy(), merged.n_total.to_numpy(),
                                merged.partition_volume_nl.to_numpy(), method=method)
    merged["lambda"] = estimate.lambda_
    merged["copies_per_ul"] = estimate.copies_per_ul
    merged["ci_low"], merged["ci_high"] = estimate.ci_low, estimate.ci_high
    from scipy import special  # heavy: imported when replicates are merged, not by the CLI

    count = merged.n_wells.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = special.stdtrit(np.maximum(count - 1, 1), 0.975) * merged["sd"].to_numpy() / np.sqrt(count)
    half = np.where(count > 1, half, np.nan)
    merged["total_ci_low"] = np.maximum(merged["mean"].to_numpy() - half, 0.0)
    merged["total_ci_high"] = merged["mean"].to_numpy() + half
    return merged.drop(columns=["mean", "sd"])


def _log_lambda_variance(k: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        lam = -np.log1p(-p)
        return np.asarray(p / (n * (1 - p) * lam * lam))


def fractional_abundance(result: pd.DataFrame, *, target: str, reference: str) -> pd.DataFrame:
    """Ratio ``target / reference`` and fractional abundance per well, with 95 % intervals.

    ``result`` is an :func:`analyze` table holding both targets in the same wells (wells of
    different runs are kept apart by the ``run`` column when the table has one).
    Returns columns ``run`` (if given), ``well``, ``sample``, ``ratio``, ``ratio_low``, ``ratio_high``,
    ``fractional_abundance``, ``fa_low``, ``fa_high`` (fractions, not per cent): the mutant
    fraction ``lambda_t / (lambda_t + lambda_r)`` that QuantaSoft reports as "FractionalAbundance".

    Examples
    --------
    >>> table = pd.DataFrame({"well": ["E03", "E03"], "sample": ["s", "s"], "target": ["Mutant", "WT"],
    ...     "n_positive": [535, 6093], "n_total": [12604, 12604]})
    >>> fa = fractional_abundance(table, target="Mutant", reference="WT")
    >>> [round(100 * float(fa[c].iloc[0]), 2) for c in ("fractional_abundance", "fa_low", "fa_high")]
    [6.16, 5.67, 6.69]
    """
    keys = [k for k in ("run", "well") if k in result.columns]
    t = result[result.target == target].set_index(keys)
    r = result[result.target == reference].set_index(keys)
    wells = t.index.intersection(r.index)
    t, r = t.loc[wells], r.loc[wells]
    k_t, n_t = t.n_positive.to_numpy(np.float64), t.n_total.to_numpy(np.float64)
    k_r, n_r = r.n_positive.to_numpy(np.float64), r.n_total.to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log1p(-k_t / n_t) / np.log1p(-k_r / n_r)
        sd = np.sqrt(_log_lambda_variance(k_t, n_t) + _log_lambda_variance(k_r, n_r))
        z = NormalDist().inv_cdf(0.975)
        low, high = ratio * np.exp(-z * sd), ratio * np.exp(z * sd)
        low = np.where(k_t == 0, 0.0, low)
        columns = {key: wells.get_level_values(key) for key in keys}
        return pd.DataFrame({
            **columns, "sample": t["sample"].to_numpy(), "ratio": ratio, "ratio_low": low, "ratio_high": high,
            "fractional_abundance": ratio / (1 + ratio), "fa_low": low / (1 + low), "fa_high": high / (1 + high)})
