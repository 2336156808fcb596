"""Four-colour fluorescence optics: dyes, crosstalk, noise, drift, bleaching, spikes and steps.

Channels are FAM, HEX, ROX and Cy5. Raw filter signals are the pure-dye spectra times the
dye amounts (a real instrument's "multicomponent" model), plus noise; the instrument then
unmixes them with its *calibrated* matrix, which differs slightly from the true one, so a
little crosstalk remains, as on real instruments.

Sources
-------
* Pure-dye spectra: FAM and ROX rows are the measured values in the ABI 7500 demo run
  ``../shared/data/formats/quantstudio_eds/abi7500_standard_curve_example.eds``
  (``apldbio/sds/multicomponent_data.txt``, ``PURE_DYE_DATA``; filters 1, 2, 4, 5 taken as
  the FAM, HEX, ROX and Cy5 channels). [assumption] The HEX row re-uses TAMRA's measured
  neighbour bleed (0.139, 0.034) shifted one filter down, and the Cy5 row is a guess
  (5 % into ROX) because the demo run has no yellow or far-red dye.
* Noise, drift, bleaching, spike and step magnitudes: [assumption], ranges from
  ``../shared/research/labchip_hardware.md`` §2.3 (read noise 0.5–1 % of baseline, gain CV
  2–5 %, bleaching 0.1–0.5 % per read, Rotor-Gene "SpikeSuppression" showing spikes occur).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["CHANNELS", "CROSSTALK", "OpticsParams", "channel_index", "read_channels", "unmix"]

CHANNELS: tuple[str, ...] = ("FAM", "HEX", "ROX", "Cy5")

#: ``CROSSTALK[d, c]``: signal of one unit of dye ``d`` in channel ``c`` (rows = dyes).
CROSSTALK: NDArray[np.float64] = np.array(
    [
        [1.0, 0.06762092, 0.00034574914, 0.0],  # FAM (measured, ABI 7500 pure-dye data)
        [0.13940391, 1.0, 0.034316216, 0.0],  # HEX [assumption: TAMRA bleed shifted]
        [0.01905512, 0.0026110385, 1.0, 0.0027990118],  # ROX (measured)
        [0.0, 0.0, 0.05, 1.0],  # Cy5 [assumption]
    ]
)
CROSSTALK.flags.writeable = False


def channel_index(dye: str) -> int:
    """Index of a dye's channel; SYBR and EvaGreen read in the FAM channel.

    >>> channel_index("HEX"), channel_index("SYBR")
    (1, 0)
    """
    aliases = {"SYBR": "FAM", "EVAGREEN": "FAM", "VIC": "HEX"}
    name = aliases.get(dye.upper(), dye)
    for i, channel in enumerate(CHANNELS):
        if channel.upper() == name.upper():
            return i
    raise ValueError(f"unknown dye {dye!r}; known: {', '.join(CHANNELS)}, SYBR, EvaGreen, VIC")


@dataclass(frozen=True, slots=True)
class OpticsParams:
    """Optical model parameters, in instrument fluorescence units (RFU-like).

    All magnitudes are [assumption]; see the module docstring for the ranges they follow.
    """

    background: float = 800.0
    background_cv: float = 0.10
    amplitude: float = 6000.0
    gain_cv: float = 0.05
    read_noise: float = 1.5
    shot_noise: float = 0.005
    drift_per_cycle: float = 0.004
    drift_sd_per_cycle: float = 0.005
    bleach_per_read: float = 0.0005
    spike_probability: float = 0.0008
    spike_size: float = 0.15
    step_probability: float = 0.004
    step_size: float = 0.04
    calibration_error: float = 0.01


def read_channels(
    dye_signal: NDArray[np.float64],
    present: NDArray[np.bool_],
    *,
    rng: np.random.Generator,
    params: OpticsParams = OpticsParams(),
) -> NDArray[np.float64]:
    """Raw filter readings, shape ``(n, 4, reads)``, for dye amounts ``(n, 4, reads)``.

    ``dye_signal`` is the fraction (0–1) of each dye's full signal, dyes in :data:`CHANNELS`
    order; ``present`` (``(n, 4)``) says which dyes are in each reaction. Background
    (quenched probe or free dye), per-well gain, drift, bleaching, crosstalk and noise are
    added here.
    """
    n, n_dyes, n_reads = dye_signal.shape
    p = params
    background = p.background * (1.0 + p.background_cv * rng.standard_normal((n, n_dyes, 1)))
    gain = p.amplitude * (1.0 + p.gain_cv * rng.standard_normal((n, n_dyes, 1)))
    reads = np.arange(n_reads, dtype=np.float64)
    rate = p.drift_per_cycle + p.drift_sd_per_cycle * rng.standard_normal((n, n_dyes, 1))
    drift = 1.0 + rate * reads
    bleach = np.exp(-p.bleach_per_read * reads)
    dye = (background * drift + gain * dye_signal) * bleach * present[..., None]
    raw = np.einsum("ndr,dc->ncr", dye, CROSSTALK)
    noise_sd = np.sqrt(p.read_noise**2 + p.shot_noise * np.abs(raw))
    raw = raw + noise_sd * rng.standard_normal(raw.shape)
    out: NDArray[np.float64] = raw + _artefacts(raw.shape, rng=rng, params=p)
    return out


def _artefacts(shape: tuple[int, ...], *, rng: np.random.Generator, params: OpticsParams) -> NDArray[np.float64]:
    """Rare single-read spikes and rare level steps that persist to the end of the run."""
    p = params
    spikes = (rng.random(shape) < p.spike_probability) * p.spike_size * p.amplitude * rng.random(shape)
    n, channels, reads = shape
    has_step = rng.random((n, channels)) < p.step_probability
    start = rng.integers(1, max(reads, 2), size=(n, channels))
    size = p.step_size * p.background * rng.choice([-1.0, 1.0], size=(n, channels))
    steps = (np.arange(reads) >= start[..., None]) * (has_step * size)[..., None]
    return np.asarray(spikes + steps, dtype=np.float64)


def unmix(
    raw: NDArray[np.float64], *, rng: np.random.Generator, params: OpticsParams = OpticsParams()
) -> NDArray[np.float64]:
    """The instrument's multicomponent estimate of each dye, shape ``(n, 4, reads)``.

    The instrument's calibration matrix carries a small relative error, so unmixing leaves a
    residual crosstalk of the order of ``calibration_error`` times the true bleed.
    """
    matrix = CROSSTALK
    calibrated = matrix * (1.0 + params.calibration_error * rng.standard_normal(matrix.shape))
    pinv = np.linalg.pinv(calibrated)  # (channels, dyes)
    out: NDArray[np.float64] = np.einsum("ncr,cd->ndr", raw, pinv)
    return out
