"""The on-chip melt step: YAML and Python, validation, scheduling at the detector, the cartridge's melt curves."""

from __future__ import annotations

import numpy as np
import pytest

from chipdx.sim.cartridge import RESPIRATORY_PANEL, random_specimens, simulate_cartridge
from chipdx.sim.chip import default_chip
from chipdx.sim.execute import execute
from chipdx.sim.protocol import Op, ProtocolError, load_protocol, validate
from chipdx.sim.protocols import cartridge_protocol, qpcr_protocol
from tests.conftest import TEST_DATA

FIXTURES = TEST_DATA / "protocol"


def test_yaml_melt_runs_at_the_detector_and_reads_every_step() -> None:
    protocol = load_protocol(FIXTURES / "qpcr_melt.yaml")
    chip = default_chip()
    execution = execute(protocol, chip, rng=np.random.default_rng(1))
    assert execution.status == "completed"
    reads = [e for e in execution.events if e["event"] == "melt_read"]
    assert [r["temperature_c"] for r in reads] == [70.0 + k for k in range(21)]
    assert execution.melt_reads == {"p": 21}
    heater = [e for e in execution.events if e["event"] == "heater" and e["setpoint_c"] == 90.0]
    assert heater and heater[0]["zone"] == "anneal"
    detector = set(chip.detector.cells)
    senses = [e for e in execution.events if e["event"] == "sense" and e["droplet"] == "p"]
    last_before_melt = [s for s in senses if s["t_s"] <= reads[0]["t_s"]][-1]
    assert tuple(last_before_melt["electrode"]) in detector


def test_python_builder_adds_the_melt_after_cycling() -> None:
    ops = [s.op for s in qpcr_protocol(5, melt=True).steps]
    assert ops[-1] is Op.MELT and ops[-2] is Op.THERMOCYCLE
    assert Op.MELT not in [s.op for s in qpcr_protocol(5).steps]
    assert [s.op for s in cartridge_protocol(("sample",), melt=True).steps].count(Op.MELT) == 4


def test_a_falling_melt_ramp_is_refused_before_running() -> None:
    with pytest.raises(ProtocolError, match=r"step 2 \(melt\): start_c/stop_c: expected 40 <= start_c < stop_c"):
        validate(load_protocol(FIXTURES / "error_melt_range.yaml"), default_chip())


def test_cartridge_melt_gives_melt_curves_with_the_amplicon_tm() -> None:
    rng = np.random.default_rng(4)
    result = simulate_cartridge(random_specimens(1, rng=rng), rng=rng, cycles=30, melt=True)
    assert result.dataset is not None
    run = result.dataset.runs[0]
    assert run.melt is not None
    temps, values = run.melt.temperature_c, run.melt.fluorescence
    assert values.shape[0] == len(run.reactions)
    tm = {t.id: t.tm_c for t in RESPIRATORY_PANEL}
    pc = [i for i, r in enumerate(run.reactions) if r.sample_id == "PC"]
    for i in pc:  # the positive control amplifies every target: its -dF/dT peaks at the amplicon Tm
        slope = -np.gradient(values[i], temps[i])
        assert abs(temps[i][int(np.argmax(slope))] - tm[run.reactions[i].target_id]) <= 1.0


def test_default_cartridge_has_no_melt() -> None:
    rng = np.random.default_rng(4)
    result = simulate_cartridge(random_specimens(1, rng=rng), rng=rng, cycles=30)
    assert result.dataset is not None and result.dataset.runs[0].melt is None
    assert not [e for e in result.execution.events if e["event"] == "melt_read"]
