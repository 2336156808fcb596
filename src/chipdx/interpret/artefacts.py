"""Deterministic artefact flags of amplification curves, from their features.

Each flag is a stable code (listed in ``docs/interpretation.md``) computed for all
curves at once from :func:`~chipdx.interpret.features.curve_features` output:

``QC-SPIKE``
    one reading departs from both neighbours by more than 25 % of the curve's
    range and 15 noise SDs (optical glitch, bubble passing the detector).
``QC-STEP``
    a single cycle-to-cycle jump of more than 30 % of the range that carries more
    than 75 % of the three largest jumps (a sigmoid spreads its rise over several
    cycles); cf. step-discontinuity removal, Roche US20090287754.
``QC-DRIFT``
    a straight-line rise (linear R² > 0.95, no better as a sigmoid) of at least
    20 noise SDs: baseline creep, the "linear rise" rejected by clinical software.
``QC-HOOK``
    the curve falls by more than 20 % of its range after its maximum
    (post-plateau decline; PCRedux ``hookreg``, Burdukiewicz et al. 2022).
``QC-LATE-RISE``
    the rise starts in the last 15 % of the cycles (primer-dimer-like late rise).
``QC-TOO-SHORT``
    fewer than :data:`~chipdx.interpret.features.MIN_CYCLES` readings.

Spikes and steps make the curve class ``artefact`` and route it to review; a
drift does so when the model would otherwise call the curve amplified. Hooks
and late rises are reported but do not by themselves block release: the assay's
Cq cut-off handles late rises.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from chipdx.codes import meaning
from chipdx.interpret.features import FEATURE_NAMES

__all__ = ["ARTEFACT_DESCRIPTIONS", "BLOCKING_FLAGS", "FLAG_CODES", "artefact_flags"]

FLAG_CODES: tuple[str, ...] = ("QC-SPIKE", "QC-STEP", "QC-DRIFT", "QC-HOOK", "QC-LATE-RISE", "QC-TOO-SHORT")
"""Column order of :func:`artefact_flags`."""

ARTEFACT_DESCRIPTIONS: dict[str, str] = {code: meaning(code) for code in (*FLAG_CODES, "QC-OOD")}
"""The classifier's curve flags explained in words (reports, CLI help)."""

BLOCKING_FLAGS = frozenset({"QC-SPIKE", "QC-STEP", "QC-TOO-SHORT"})
"""Flags that always make a curve an artefact and send it to review."""


def _col(features: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    return features[:, FEATURE_NAMES.index(name)]


def artefact_flags(features: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Boolean matrix ``(n_curves, len(FLAG_CODES))`` of artefact flags.

    >>> import numpy as np
    >>> from chipdx.interpret.features import curve_features
    >>> step = np.r_[np.full(20, 100.0), np.full(20, 200.0)] + np.sin(np.arange(40))
    >>> flags = artefact_flags(curve_features(step[None, :]))
    >>> [code for code, on in zip(FLAG_CODES, flags[0]) if on]
    ['QC-STEP']
    """
    f = np.asarray(features, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        n = _col(f, "n_cycles")
        short = np.isnan(f).any(axis=1)
        spike = (_col(f, "spike_rel") > 0.25) & (_col(f, "spike_snr") > 15)
        step = (_col(f, "step_rel") > 0.3) & (_col(f, "step_share") > 0.75) & ~spike
        drift = (_col(f, "linear_r2") > 0.95) & (_col(f, "sigmoid_minus_linear") < 0.02) & (
            _col(f, "snr_end") > 20)
        hook = (_col(f, "hook_rel") > 0.2) & (_col(f, "argmax_rel") < 0.9) & (_col(f, "log_snr") > 1.5) & ~spike
        late = (_col(f, "c50") > 0.85 * n) & (_col(f, "snr_end") > 20) & ~drift
    flags = np.column_stack([spike, step, drift, hook, late, short])
    flags[short, :-1] = False
    return flags
