"""Rain allocated by what it scales with across the wells of an assay (a per-amplitude two-source mixture).

A threshold calls every partition between the clouds one way. Rain from delayed amplification
belongs to the positives and grows with them; a heavy upper tail of the negative cloud grows with
the negatives. Both look alike in one well, but not across wells with different loading: per
amplitude bin ``b`` between the negative centre and the rain band's top, the count of well ``w``
is modelled as

    c[w, b] ~ Poisson(alpha[b] * N[w] + beta[b] * P[w])

with ``N`` the partitions below the negative centre (the lower half of the negative cloud) and
``P`` those above the rain band (clear positives) of the same well. ``alpha, beta >= 0`` are
fitted per bin over the assay's wells by iteratively reweighted non-negative least squares (a
Poisson GLM with identity link; McCullagh & Nelder 1989, ch. 2). The threshold's call stays the
default: below the threshold a bin's ``beta``, above it its ``alpha``, is kept only when it
exceeds 3.5 quasi-Poisson standard errors. Each partition in bin ``b`` of well ``w`` is then
positive with the posterior ``pi = beta P / (alpha N + beta P)``, the E-step of a mixture whose
component weights are the well's own (Dempster, Laird & Rubin 1977; model-based rain as in
Jacobs et al. 2017, *Anal. Chem.*, "your umbrella for rain"; here the cross-well design is what
separates rain from the negative tail). A well's positives are ``P`` plus the posteriors summed;
the allocation's variance ``sum pi (1 - pi)`` (a Poisson-binomial count) goes into the interval.

Rain that lands inside the negative cloud (end-point fraction within a read-noise SD or so)
cannot be told from negatives by any amplitude rule, nor by the cross-well fit (it scales with
the positives, but so does the mirrored part of the cloud it sits in). Its share is bounded by
extending the rain density per positive found between 3 SD above the negative centre and the
threshold down to the centre with a power law ``c t^(kappa - 1)`` (the form delayed
amplification gives near the negatives when the delay has an exponential tail), ``kappa`` the
fitted one or at most 1/4; :func:`chipdx.analysis.dpcr.classification_interval` takes the
hidden number as uniform between 0 and that bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["RainAllocation", "allocate_rain"]

#: Bin edges above the negative centre, in negative-cloud SDs (finer where rain and the tail overlap).
_EDGES_SD = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0, 13.0, 17.0, 22.0, 28.0,
                      36.0, 46.0, 60.0, 80.0, 105.0, 140.0])
_STEP_SD = 0.5  # every edge is a multiple of this
_MIN_SPAN_SD = 4.0  # a rain band narrower than this is left to the threshold
_MIN_WELLS = 3
_MAX_COSINE = 0.98  # N and P across wells this close to proportional cannot separate the sources
_STEPS = 4
_MIN_Z = 3.5
#: The hidden share is bounded with a rain density rising towards the negative cloud at least as
#: steeply as t^(-3/4): a delay tail 4x wider than the amplification's logistic width (DLOC-Sim: 6 vs 1.5 cycles).
_KAPPA_BOUND = 0.25  # a bin's rain term must exceed this many (quasi-Poisson) standard errors


@dataclass(frozen=True, slots=True)
class RainAllocation:
    """Per well: expected positives, the allocation's variance, and positives possibly hidden in the negatives."""

    positives: NDArray[np.float64]
    variance: NDArray[np.float64]
    hidden: NDArray[np.float64]


def _edges(mu: float, sd: float, top: float) -> NDArray[np.float64] | None:
    """Bin edges (in SD above ``mu``, multiples of ``_STEP_SD``), the last one ``top`` snapped down to that grid."""
    if not (np.isfinite(mu) and np.isfinite(sd) and np.isfinite(top)) or sd <= 0 or top - mu < _MIN_SPAN_SD * sd:
        return None
    last = np.floor((top - mu) / sd / _STEP_SD) * _STEP_SD
    inner = _EDGES_SD[: int(np.searchsorted(_EDGES_SD, last - _STEP_SD / 2))]
    return np.concatenate([inner, [last]])


def _bin_index(values: NDArray[np.float32], mu: float, sd: float, edges_sd: NDArray[np.float64]) -> NDArray[np.intp]:
    """``searchsorted(edges, values, side="right")`` for edges on a grid of ``_STEP_SD``: a table look-up."""
    grid = np.rint(edges_sd / _STEP_SD).astype(np.int64)
    cells = (values - np.float32(mu)) * np.float32(1 / (_STEP_SD * sd))
    cells += 1  # grid cell + 1, so that truncation below is a floor for every cell that matters
    np.clip(cells, 0, grid[-1] + 1, out=cells)
    table = np.searchsorted(grid, np.arange(-1, grid[-1] + 1), side="right")
    return np.asarray(table[cells.astype(np.int32)])


def _fit_sources(counts: NDArray[np.float64], negatives: NDArray[np.float64], positives: NDArray[np.float64],
                 above: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per bin, ``alpha, beta >= 0`` of ``counts[w, b] ~ alpha N[w] + beta P[w]`` (IRLS, Poisson weights).

    The threshold's call is the default: below it (``above`` false) a bin keeps ``beta`` only
    where it is significant, above it ``alpha`` (``> _MIN_Z`` standard errors, quasi-Poisson:
    the Poisson errors scaled by the bin's Pearson dispersion, so wells whose clouds differ in
    shape do not pass for rain); otherwise that term is 0 and the bin keeps the threshold's call.
    """
    n, p = negatives[:, None], positives[:, None]
    both = np.ones(counts.shape[1], dtype=bool)
    alpha, beta = _irls(counts, n, p, beta_free=both, alpha_free=both)
    fitted = np.maximum(alpha * n + beta * p, 0.5)
    weight = 1.0 / fitted
    snn, snp, spp = (weight * n * n).sum(0), (weight * n * p).sum(0), (weight * p * p).sum(0)
    det = snn * spp - snp * snp
    dof = max(counts.shape[0] - 2, 1)
    dispersion = np.maximum(((counts - fitted) ** 2 / fitted).sum(0) / dof, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_beta = np.sqrt(np.where(det > 0, snn / det, np.inf) * dispersion)
        se_alpha = np.sqrt(np.where(det > 0, spp / det, np.inf) * dispersion)
    beta_free = above | (beta > _MIN_Z * se_beta)
    alpha_free = ~above | (alpha > _MIN_Z * se_alpha)
    if beta_free.all() and alpha_free.all():
        return alpha, beta
    return _irls(counts, n, p, beta_free=beta_free, alpha_free=alpha_free)


def _irls(counts: NDArray[np.float64], n: NDArray[np.float64], p: NDArray[np.float64], *,
          beta_free: NDArray[np.bool_],
          alpha_free: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Non-negative IRLS of the two-source model; a term is fixed at 0 where it is not free."""
    fitted = np.maximum(counts, 0.5)
    alpha = beta = np.zeros(counts.shape[1])
    for _ in range(_STEPS):
        weight = 1.0 / np.maximum(fitted, 0.5)
        snn, snp, spp = (weight * n * n).sum(0), (weight * n * p).sum(0), (weight * p * p).sum(0)
        tn, tp = (weight * n * counts).sum(0), (weight * p * counts).sum(0)
        det = snn * spp - snp * snp
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where(det > 0, (tn * spp - tp * snp) / det, 0.0)
            beta = np.where(det > 0, (tp * snn - tn * snp) / det, 0.0)
            only_n = np.where(snn > 0, np.maximum(tn, 0) / snn, 0.0)
            only_p = np.where(spp > 0, np.maximum(tp, 0) / spp, 0.0)
        negative_only = (beta < 0) | ~beta_free
        alpha, beta = np.where(negative_only, only_n, alpha), np.where(negative_only, 0.0, beta)
        positive_only = (alpha < 0) | ~alpha_free
        alpha, beta = np.where(positive_only, 0.0, alpha), np.where(positive_only, only_p, beta)
        fitted = alpha * n + beta * p
    return alpha, beta


def _hidden_share(edges: NDArray[np.float64], beta: NDArray[np.float64], sd: float, threshold: float) -> float:
    """Bound on the rain per positive between the negative centre and 3 SD above it that the bins did not allocate.

    Near the negative cloud the rain density per positive is taken as a power law
    ``rho(t) = c t^(kappa - 1)`` of the offset ``t`` (in SD) — what delayed amplification
    gives when the delay density has an exponential tail (end-point fraction logistic in
    the delay). Only the bins from 3 SD (where the negative cloud no longer reaches) up to the
    threshold and 13 SD count: rain there is what the threshold missed and the cross-well fit
    found significant; an assay without it gets no bound. ``kappa`` is fitted by weighted
    least squares on logs to those bins with rain (at least 3) and kept in [0.1, 1/4] (the
    bound; 1/4 without a fit); ``c`` comes from the rain they hold. The mass from 0 to 3 SD,
    ``c 3^kappa / kappa``, less what the bins below 3 SD allocated, is the share returned.
    """
    low, high = (edges[:-1] - edges[0]) / sd, (edges[1:] - edges[0]) / sd
    ceiling = min(13.0, (threshold - edges[0]) / sd)
    near = (low >= 3.0 - 1e-9) & (high <= ceiling + 1e-9)
    if not beta[near].any():
        return 0.0
    kappa = _KAPPA_BOUND
    fitted = near & (beta > 0)
    if fitted.sum() >= 3:
        x = np.log((low + high)[fitted] / 2)
        y = np.log(beta[fitted] / (high - low)[fitted])
        slope = float(np.polyfit(x, y, 1, w=np.sqrt(beta[fitted]))[0])  # weights ~ sqrt(counts)
        kappa = min(max(1 + slope, 0.1), _KAPPA_BOUND)
    # c from the rain next to the cloud: sum beta = c sum (high^kappa - low^kappa) / kappa
    scale = float(beta[near].sum()) * kappa / float((high[near] ** kappa - low[near] ** kappa).sum())
    extrapolated = scale * float(np.power(3.0, kappa)) / kappa
    seen = float(beta[high <= 3.0 + 1e-9].sum())
    return max(extrapolated - seen, 0.0)


def allocate_rain(values: NDArray[np.float32], well_ids: NDArray[np.int32], n_wells: int, *, mu: float, sd: float,
                  top: float, threshold: float) -> RainAllocation | None:
    """Allocate the partitions of one assay's wells (one channel) between positives and negatives.

    ``values`` and ``well_ids`` hold the partitions considered (valid, in the assay's wells);
    ``mu``/``sd`` are their negative cloud's centre and SD, ``top`` the rain band's upper edge,
    ``threshold`` the channel's threshold (the default call where the wells do not tell).
    Returns None when the cross-well design cannot separate rain from the negative tail
    (fewer than 3 wells, or negatives and positives in nearly fixed proportion across wells).
    """
    edges_sd = _edges(mu, sd, top)
    if edges_sd is None or values.size == 0:
        return None
    edges = mu + sd * edges_sd
    bins = len(edges) + 1
    index = _bin_index(values, mu, sd, edges_sd)  # 0: below mu; len(edges): above top
    flat = np.bincount(well_ids.astype(np.int64) * bins + index, minlength=n_wells * bins)
    hist: NDArray[np.float64] = flat.reshape(n_wells, bins).astype(np.float64)
    negatives, positives, counts = hist[:, 0], hist[:, -1], hist[:, 1:-1]
    present = (negatives + positives) > 0
    n, p = negatives[present], positives[present]
    if present.sum() < _MIN_WELLS or not (n.any() and p.any()):
        return None
    if float(n @ p) / float(np.linalg.norm(n) * np.linalg.norm(p)) > _MAX_COSINE:
        return None  # N and P nearly proportional across wells: the two sources cannot be told apart
    above = (edges[:-1] + edges[1:]) / 2 > threshold
    alpha, beta = _fit_sources(counts[present], negatives[present], positives[present], above)
    rain = beta * positives[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        posterior = np.where(rain > 0, rain / (alpha * negatives[:, None] + rain), above.astype(np.float64))
    allocated = (counts * posterior).sum(axis=1)
    variance = (counts * posterior * (1 - posterior)).sum(axis=1)
    hidden = _hidden_share(edges, beta, sd, threshold) * (positives + allocated)
    return RainAllocation(positives + allocated, variance, hidden)
