"""Optics: crosstalk, unmixing and artefacts."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.sim.optics import CROSSTALK, OpticsParams, channel_index, read_channels, unmix


def test_crosstalk_rows_peak_in_their_own_channel() -> None:
    assert (np.argmax(CROSSTALK, axis=1) == np.arange(4)).all()


def test_unmixing_removes_most_crosstalk() -> None:
    rng = np.random.default_rng(0)
    signal = np.zeros((50, 4, 40))
    signal[:, 0, :] = np.linspace(0, 1, 40)  # FAM only
    present = np.zeros((50, 4), dtype=bool)
    present[:, :2] = True
    quiet = OpticsParams(spike_probability=0.0, step_probability=0.0)
    raw = read_channels(signal, present, rng=rng, params=quiet)
    assert raw[:, 1, -1].mean() - raw[:, 1, 0].mean() > 0.05 * 6000 * 0.9  # FAM bleeds into HEX
    clean = unmix(raw, rng=rng, params=quiet)
    assert abs(clean[:, 1, -1].mean() - clean[:, 1, 0].mean()) < 0.02 * 6000


def test_unknown_dye_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dye"):
        channel_index("TexasRed")
