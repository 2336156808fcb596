"""Chemistry: magnetic-bead extraction yield, inhibitor carry-over, probe and dye signals.

Extraction is a binomial chain (lysis, capture, loss per magnet/transfer step, elution);
wash buffer left on the beads carries ethanol and guanidinium into the PCR droplet and lowers
the per-cycle efficiency with a Hill/IC50 form ``E_eff - 1 = (E_0 - 1) / prod(1 + c_k / IC50_k)``.
Structure from ``../shared/research/labchip_hardware.md`` §2.1 (carry-over of wash buffer
into eluates: Sci Rep 2020, s41598-020-58586-3; ethanol and phenol as PCR inhibitors: QIAGEN
FAQ 1494). Every numeric default is an [assumption] within the ranges given there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Chemistry",
    "ExtractionParams",
    "ExtractionResult",
    "extract",
    "inhibited_efficiency",
    "signal_fraction",
]

Chemistry = Literal["probe", "dye"]

#: Copies at which a hydrolysis probe is 63 % cleaved. [assumption]
PROBE_COPIES = 1.0e12
#: Copies at which an intercalating dye is half saturated. [assumption]
DYE_COPIES = 2.0e12


@dataclass(frozen=True, slots=True)
class ExtractionParams:
    """Binomial-chain and carry-over parameters ([assumption] values, ranges from §2.1)."""

    p_lysis: float = 0.9
    capture_mean: float = 0.85
    capture_sd: float = 0.05
    p_bead_loss: float = 0.02
    p_elution: float = 0.8
    elution_temp_gain: float = 0.01  # +1 % elution per °C above 56 °C, capped at 0.95
    carry_fraction: float = 0.02  # residual wash volume / elution volume before drying
    dry_tau_s: float = 60.0
    carry_log_sd: float = 0.5
    wash_residual: float = 0.02  # fraction of the previous liquid left on the beads per wash
    ethanol_wash_percent: float = 70.0
    guanidinium_lysis_mm: float = 4000.0
    ic50_ethanol_percent: float = 4.0
    ic50_guanidinium_mm: float = 60.0


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    """What comes out of one extraction."""

    copies: dict[str, int]
    p_total: float
    ethanol_percent: float
    guanidinium_mm: float
    efficiency_factor: float


def _capture(params: ExtractionParams, rng: np.random.Generator) -> float:
    m, s = params.capture_mean, params.capture_sd
    common = m * (1 - m) / s**2 - 1.0
    return float(rng.beta(m * common, (1 - m) * common))


def extract(
    copies: dict[str, int],
    *,
    rng: np.random.Generator,
    params: ExtractionParams = ExtractionParams(),
    washes: int = 2,
    dry_s: float = 60.0,
    elution_temp_c: float = 65.0,
    elution_ul: float = 10.0,
    pcr_ul: float = 20.0,
) -> ExtractionResult:
    """Run the binomial chain on the copies of each target in one specimen.

    ``N_eluted ~ Binomial(N, p_lysis · p_capture · (1 - p_loss)^steps · p_elution)``, drawn
    step by step so that the intermediate counts are integers too.
    """
    p = params
    p_capture = _capture(p, rng)
    steps = washes + 2  # capture + washes + elution transfer
    p_elution = min(0.95, p.p_elution + p.elution_temp_gain * max(0.0, elution_temp_c - 56.0))
    out: dict[str, int] = {}
    for target, n in copies.items():
        k = rng.binomial(n, p.p_lysis)
        k = rng.binomial(k, p_capture)
        for _ in range(steps):
            k = rng.binomial(k, 1.0 - p.p_bead_loss)
        out[target] = int(rng.binomial(k, p_elution))
    spread = math.exp(p.carry_log_sd * float(rng.standard_normal()))  # pellet-to-pellet variation
    carry = p.carry_fraction * spread * math.exp(-dry_s / p.dry_tau_s) * elution_ul / pcr_ul
    ethanol = p.ethanol_wash_percent * carry
    guanidinium = p.guanidinium_lysis_mm * p.wash_residual**washes * p.carry_fraction * spread * elution_ul / pcr_ul
    factor = 1.0 / ((1.0 + ethanol / p.ic50_ethanol_percent) * (1.0 + guanidinium / p.ic50_guanidinium_mm))
    p_total = p.p_lysis * p_capture * (1 - p.p_bead_loss) ** steps * p_elution
    return ExtractionResult(out, p_total, ethanol, guanidinium, factor)


def inhibited_efficiency(
    efficiency: NDArray[np.float64] | float, factor: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Amplification factor after inhibition: the copy probability is scaled by ``factor``.

    >>> float(inhibited_efficiency(1.9, 0.5))
    1.45
    """
    return 1.0 + (np.asarray(efficiency, dtype=np.float64) - 1.0) * np.asarray(factor, dtype=np.float64)


def signal_fraction(copies: NDArray[np.float64], chemistry: Chemistry) -> NDArray[np.float64]:
    """Fraction (0–1) of full fluorescence for amplicon copies.

    A hydrolysis probe's signal is the cumulative cleaved probe, which saturates as probe is
    used up; an intercalating dye's signal follows dsDNA mass and saturates with dye binding.
    """
    if chemistry == "probe":
        return -np.expm1(-copies / PROBE_COPIES)
    return copies / (copies + DYE_COPIES)
