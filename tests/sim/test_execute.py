"""Execution: closed-loop moves, injected faults and every recovery path, and the run log."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from chipdx.sim.chip import default_chip
from chipdx.sim.execute import Execution, events_to_jsonl, execute
from chipdx.sim.faults import FaultPlan
from chipdx.sim.protocol import Program
from chipdx.sim.protocols import extraction_protocol, qpcr_protocol


def kinds(execution: Execution, event: str, key: str) -> Counter[str]:
    return Counter(e[key] for e in execution.events if e["event"] == event)


def crossing() -> Program:
    return Program("cross").dispense("sample", "d").move("d", (14, 1)).detect("d").discard("d")


def test_clean_run_logs_every_move() -> None:
    execution = execute(extraction_protocol(), default_chip(), rng=np.random.default_rng(0))
    assert execution.status == "completed"
    assert len(execution.completed_steps) == len(extraction_protocol().steps)
    moves = kinds(execution, "actuate", "event")["actuate"]
    senses = [e for e in execution.events if e["event"] == "sense"]
    assert moves == len(senses) > 20
    assert all(e["settled"] for e in senses)
    assert execution.events[0]["event"] == "run_start" and execution.events[-1]["event"] == "run_end"


def test_dead_electrode_on_the_path_is_retried_marked_and_routed_around() -> None:
    chip = default_chip()
    plain = execute(crossing().build(), chip, rng=np.random.default_rng(1))
    path = [tuple(e["on"]) for e in plain.events if e["event"] == "actuate"]
    dead = path[len(path) // 2]
    execution = execute(crossing().build(), chip, rng=np.random.default_rng(1),
                        faults=FaultPlan(dead_electrodes=frozenset({dead})))
    assert execution.status == "completed"
    actions = kinds(execution, "recovery", "action")
    assert actions["retry"] == 2 and actions["mark_dead"] == 1 and actions["reroute"] == 1
    assert execution.dead_found == frozenset({dead})
    later = [tuple(e["on"]) for e in execution.events if e["event"] == "actuate"]
    assert later.count(dead) == 1  # tried once, never again after re-routing


def test_no_route_left_aborts_with_the_reason() -> None:
    chip = default_chip()
    wall = frozenset((9, y) for y in range(chip.rows))
    execution = execute(crossing().build(), chip, rng=np.random.default_rng(2), faults=FaultPlan(dead_electrodes=wall))
    assert execution.status == "aborted"
    assert "no route" in execution.reason and "dead electrodes" in execution.reason
    assert execution.events[-1]["status"] == "aborted"
    assert kinds(execution, "recovery", "action")["abort"] == 1


def test_sticky_droplets_are_retried() -> None:
    execution = execute(crossing().build(), default_chip(), rng=np.random.default_rng(3),
                        faults=FaultPlan(sticky_probability=0.3, sticky_release=1.0))
    assert execution.status == "completed"
    assert kinds(execution, "recovery", "action")["retry"] > 0
    assert not execution.dead_found


def test_evaporation_in_air_mode_is_replenished() -> None:
    protocol = qpcr_protocol(cycles=30)
    oil = execute(protocol, default_chip(), rng=np.random.default_rng(4))
    air = execute(protocol, default_chip(), rng=np.random.default_rng(4), faults=FaultPlan(air=True))
    assert not oil.replenished
    assert sum(air.replenished.values()) >= 1
    assert kinds(air, "fault", "kind")["evaporation"] == sum(air.replenished.values())
    assert len(air.reads["Q.pcr"]) == 30


def test_heater_overshoot_is_waited_out_and_over_temperature_aborts() -> None:
    protocol = qpcr_protocol(cycles=3)
    warm = execute(protocol, default_chip(), rng=np.random.default_rng(5), faults=FaultPlan(heater_overshoot_c=3.0))
    assert warm.status == "completed"
    assert kinds(warm, "recovery", "action")["hold_until_settled"] >= 1
    hot = execute(protocol, default_chip(), rng=np.random.default_rng(5), faults=FaultPlan(heater_overshoot_c=9.0))
    assert hot.status == "aborted" and "limit" in hot.reason


def test_log_is_json_lines_and_deterministic() -> None:
    runs = [execute(extraction_protocol(), default_chip(), rng=np.random.default_rng(6),
                    faults=FaultPlan(sticky_probability=0.05)) for _ in range(2)]
    a, b = (events_to_jsonl(r.events) for r in runs)
    assert a == b
    lines = a.decode().splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)
