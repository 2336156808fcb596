"""Scheduler and router: droplets never touch, parallel beats sequential, impossible routes fail cleanly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipdx.sim.checks import random_protocol, touching
from chipdx.sim.chip import cartridge_chip, default_chip
from chipdx.sim.faults import random_dead_electrodes
from chipdx.sim.protocol import Program
from chipdx.sim.protocols import cartridge_protocol, extraction_protocol
from chipdx.sim.scheduler import NoRouteError, plan, plan_sequential


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chains=st.integers(1, 4), dead=st.integers(0, 6))
def test_router_never_lets_droplets_touch(seed: int, chains: int, dead: int) -> None:
    chip = default_chip()
    rng = np.random.default_rng(seed)
    protocol = random_protocol(chip, rng=rng, chains=chains)
    try:
        result = plan(protocol, chip, dead=set(random_dead_electrodes(chip, dead, rng=rng)))
    except NoRouteError as exc:
        message = str(exc)
        result = None
    if result is None:
        assert "dead electrodes" in message  # only a walled-off target may fail
        return
    assert touching(result, protocol) == []
    assert set(result.timings) == set(range(len(protocol.steps)))


def test_every_step_waits_for_its_droplets() -> None:
    protocol = extraction_protocol()
    result = plan(protocol, default_chip())
    timings = result.timings
    for i, step in enumerate(protocol.steps):
        for j in range(i):
            shared = set(protocol.steps[j].creates()) | set(protocol.steps[j].uses())
            if shared & set(step.uses()):
                assert timings[j].end <= timings[i].start


def test_parallel_schedule_is_shorter_than_sequential() -> None:
    chip = cartridge_chip(2)
    protocol = cartridge_protocol(("sample", "sample2"), cycles=5)
    parallel, sequential = plan(protocol, chip), plan_sequential(protocol, chip)
    assert parallel.makespan < 0.8 * sequential.makespan
    assert touching(parallel, protocol) == []


def test_route_to_a_walled_off_electrode_is_refused_with_the_reason() -> None:
    chip = default_chip()
    wall = {(9, y) for y in range(chip.rows)}
    protocol = Program("wall").dispense("sample", "d").move("d", (12, 3)).build()
    with pytest.raises(NoRouteError, match=r"step 2 \(move d\).*dead electrodes"):
        plan(protocol, chip, dead=wall)
