"""Run a protocol on the simulated chip with closed-loop sensing, fault injection and recovery.

The executor compiles the protocol (:func:`chipdx.sim.scheduler.plan`) and plays the plan
frame by frame. Every electrode step is a closed-loop move (:class:`~chipdx.sim.sensing.Sensor`):
it completes when capacitance settles. A move that times out is retried; when retries fail,
the electrode is marked dead, the droplets roll back to the last frame and the rest of the
protocol is re-planned around it (Puddle's detect, roll back and re-plan; Willsey et al.,
ASPLOS 2019). A droplet too small to settle in air mode is topped up (replenished), as Puddle
did during thermocycling. Heater overshoot is logged and waited out; a zone driven above its
limit aborts the run. When no route exists the run aborts with the reason. Every actuation,
sensor summary, fault and recovery is an event of the run log.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from chipdx.sim.chip import Cell, ChipSpec
from chipdx.sim.faults import FaultPlan
from chipdx.sim.protocol import Op, Protocol, validate
from chipdx.sim.scheduler import FRAME_S, NoRouteError, Plan, plan
from chipdx.sim.sensing import Sensor, SensorParams

__all__ = ["Execution", "events_to_jsonl", "execute"]

_NOMINAL_OVERSHOOT_C = 0.3  # a tuned PID controller [assumption]
_SETTLE_WAIT_S = 5.0
_MAX_REPLANS = 25


@dataclass(frozen=True, slots=True, eq=False)
class Execution:
    """What happened in one run."""

    protocol: str
    status: Literal["completed", "aborted"]
    reason: str
    duration_s: float
    events: tuple[dict[str, Any], ...]
    completed_steps: frozenset[int]
    replans: int
    dead_found: frozenset[Cell]
    reads: dict[str, tuple[float, ...]]
    peak_temperature_c: dict[int, float]
    replenished: dict[str, int]
    makespan_frames: int
    melt_reads: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _State:
    chip: ChipSpec
    faults: FaultPlan
    sensor: Sensor
    rng: np.random.Generator
    steps: list[Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    dead: set[Cell] = field(default_factory=set)
    extra_s: float = 0.0
    volume: dict[str, float] = field(default_factory=dict)
    last_seen: dict[str, float] = field(default_factory=dict)
    zone_temp: dict[str, float] = field(default_factory=dict)
    cycles_done: dict[int, int] = field(default_factory=dict)
    reads: dict[str, list[float]] = field(default_factory=dict)
    peaks: dict[int, float] = field(default_factory=dict)
    replenished: dict[str, int] = field(default_factory=dict)
    melt_reads: dict[str, int] = field(default_factory=dict)
    aborted: str = ""
    on_event: Callable[[dict[str, Any]], None] | None = None

    def clock(self, frame: int) -> float:
        return round(frame * FRAME_S + self.extra_s, 3)

    def emit(self, frame: int, event: str, **fields: Any) -> None:
        self.events.append({"t_s": self.clock(frame), "frame": frame, "event": event, **fields})
        if self.on_event is not None:
            self.on_event(self.events[-1])


def events_to_jsonl(events: tuple[dict[str, Any], ...]) -> bytes:
    """The run log as JSON Lines (stable key order, so the same run gives the same bytes)."""
    return "".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n" for e in events).encode()


def _timeline(p: Plan, t0: int, state: _State) -> list[tuple[int, int, str, Any]]:
    """Moves, step starts/ends and reads of a plan from frame ``t0``, in order."""
    items: list[tuple[int, int, str, Any]] = []
    for name, track in p.reservations.tracks.items():
        cells = track.array()
        if len(cells) > 1:
            for k in np.flatnonzero(np.any(cells[1:] != cells[:-1], axis=1)) + 1:
                frame = track.start + int(k)
                if frame > t0:
                    source = (int(cells[k - 1][0]), int(cells[k - 1][1]))
                    items.append((frame, 1, "move", (name, source, (int(cells[k][0]), int(cells[k][1])))))
    for i, timing in p.timings.items():
        if i in state.done:
            continue
        items.append((timing.start, 0, "op_start", i))
        items.append((timing.end, 3, "op_end", i))
        items += [(frame, 2, "read", (i, c)) for c, frame in enumerate(timing.reads, start=1)]
    items.sort(key=lambda item: (item[0], item[1], str(item[3])))
    return items


def _temperature(state: _State, cell: Cell) -> float:
    for zone in state.chip.heaters:
        if cell in zone.cells:
            return state.zone_temp.get(zone.name, 25.0)
    return 25.0


def _evaporate(state: _State, frame: int, name: str, cell: Cell) -> None:
    if not state.faults.air:
        return
    now = state.clock(frame)
    dt = now - state.last_seen.get(name, now)
    rate = state.faults.evaporation_ul_per_s * 2.0 ** ((_temperature(state, cell) - 95.0) / 15.0)
    state.volume[name] = state.volume.get(name, 1.0) - rate * dt / state.chip.unit_volume_ul


def _move(state: _State, frame: int, name: str, source: Cell, cell: Cell) -> bool:
    """One closed-loop electrode step; False when the electrode must be marked dead."""
    _evaporate(state, frame, name, source)
    state.last_seen[name] = state.clock(frame)
    state.emit(frame, "actuate", droplet=name, on=list(cell), off=list(source))
    dead = cell in state.faults.dead_electrodes
    sticky = state.rng.random() < state.faults.sticky_probability
    fraction = min(1.0, state.volume.get(name, 1.0))
    reading = state.sensor.move(cell, 0.0 if dead or sticky else fraction, rng=state.rng)
    if not reading.settled and not dead and not sticky and fraction < state.sensor.params.min_fraction:
        state.emit(frame, "fault", kind="evaporation", droplet=name, volume_fraction=round(fraction, 3),
                   capacitance_pf=reading.capacitance_pf)
        state.volume[name] = 1.0
        state.replenished[name] = state.replenished.get(name, 0) + 1
        state.extra_s += 2 * FRAME_S
        state.emit(frame, "recovery", action="replenish", droplet=name)
        reading = state.sensor.move(cell, 1.0, rng=state.rng)
    attempt = 0
    while not reading.settled and attempt < state.faults.retries:
        if attempt == 0:
            state.emit(frame, "fault", kind="move_timeout", droplet=name, electrode=list(cell),
                       capacitance_pf=reading.capacitance_pf)
        attempt += 1
        state.extra_s += reading.settle_s
        state.emit(frame, "recovery", action="retry", droplet=name, electrode=list(cell), attempt=attempt)
        arrives = not dead and (not sticky or state.rng.random() < state.faults.sticky_release)
        reading = state.sensor.move(cell, fraction if arrives else 0.0, rng=state.rng)
    state.emit(frame, "sense", droplet=name, electrode=list(cell), settled=reading.settled,
               capacitance_pf=reading.capacitance_pf, settle_ms=round(reading.settle_s * 1000), samples=reading.samples)
    if reading.settled:
        return True
    state.extra_s += reading.settle_s
    state.emit(frame, "recovery", action="mark_dead", electrode=list(cell))
    return False


def _heaters(state: _State, frame: int, index: int) -> None:
    """Set heater zones for a heat or thermocycle step; log overshoot; abort above a zone's limit."""
    step = state.steps[index]
    if step.op is Op.MELT:  # the heater under the detector ramps to the melt's end, up to the heaters' limit
        wanted = {"anneal": step.stop_c}
    else:
        wanted = {step.zone: step.temperature_c} if step.op is Op.HEAT else {
            "denature": step.denature_c, "anneal": step.anneal_c}
    peak_all = 0.0
    for zone_name, setpoint in wanted.items():
        zone = state.chip.heater(zone_name)
        if step.op is Op.MELT:
            zone = dataclasses.replace(zone, max_c=max(z.max_c for z in state.chip.heaters))
        extra = state.faults.heater_overshoot_c * float(state.rng.uniform(0.5, 1.0))
        peak = round(setpoint + _NOMINAL_OVERSHOOT_C + extra, 2)
        state.zone_temp[zone_name] = setpoint
        state.emit(frame, "heater", zone=zone_name, setpoint_c=setpoint, peak_c=peak)
        peak_all = max(peak_all, peak)
        if peak > zone.max_c:
            state.emit(frame, "fault", kind="over_temperature", zone=zone_name, peak_c=peak, limit_c=zone.max_c)
            state.aborted = f"heater zone {zone_name} reached {peak:g} °C, above its {zone.max_c:g} °C limit"
            return
        if peak - setpoint > 2.0:
            state.emit(frame, "fault", kind="heater_overshoot", zone=zone_name, overshoot_c=round(peak - setpoint, 2))
            state.extra_s += _SETTLE_WAIT_S
            state.emit(frame, "recovery", action="hold_until_settled", zone=zone_name, wait_s=_SETTLE_WAIT_S)
    state.peaks[index] = peak_all


def _walk(state: _State, p: Plan, t0: int) -> int | None:
    """Play the plan from ``t0``; returns the frame of an unrecoverable move, or ``None``."""
    for frame, _, kind, payload in _timeline(p, t0, state):
        if kind == "move":
            name, source, cell = payload
            if not _move(state, frame, name, source, cell):
                state.dead.add(cell)
                return frame
        elif kind == "op_start":
            step = state.steps[payload]
            state.emit(frame, "step_start", step=payload + 1, op=step.op.value, droplets=list(step.uses()))
            if step.op in (Op.HEAT, Op.THERMOCYCLE, Op.MELT):
                _heaters(state, frame, payload)
                if state.aborted:
                    return None
        elif kind == "read" and state.steps[payload[0]].op is Op.MELT:
            index, point = payload
            step = state.steps[index]
            state.melt_reads[step.droplet] = point
            state.emit(frame, "melt_read", droplet=step.droplet, point=point,
                       temperature_c=round(step.start_c + (point - 1) * step.step_c, 3))
        elif kind == "read":
            index, _cycle = payload
            state.cycles_done[index] = state.cycles_done.get(index, 0) + 1
            droplet = state.steps[index].droplet
            state.reads.setdefault(droplet, []).append(state.clock(frame))
            state.emit(frame, "detect", droplet=droplet, cycle=state.cycles_done[index])
        else:
            state.done.add(payload)
            state.emit(frame, "step_end", step=payload + 1, op=state.steps[payload].op.value)
    return None


def _resume(state: _State, p: Plan, frame: int) -> dict[str, Cell]:
    """After a failed move at ``frame``: roll back to ``frame - 1``; returns droplet positions."""
    back = frame - 1
    tracks = p.reservations.tracks
    positions = {n: cell for n, tr in tracks.items() if (cell := tr.at(back)) is not None}
    for i, step in enumerate(state.steps):
        if i in state.done or i not in p.timings or p.timings[i].start > back:
            continue
        made = step.creates()
        if made and all(tracks[d].start <= back for d in made if d in tracks) and all(d in tracks for d in made):
            state.done.add(i)
        elif step.op is Op.THERMOCYCLE and state.cycles_done.get(i, 0):
            remaining = step.cycles - state.cycles_done[i]
            state.steps[i] = dataclasses.replace(step, cycles=max(remaining, 1))
            state.cycles_done[i] = 0
            if remaining <= 0:
                state.done.add(i)
        elif step.op is Op.MELT:
            state.melt_reads.pop(step.droplet, None)  # an interrupted ramp starts again
    state.emit(frame, "recovery", action="reroute", dead=[list(c) for c in sorted(state.dead)],
               droplets=len(positions))
    return positions


def execute(
    protocol: Protocol,
    chip: ChipSpec,
    *,
    rng: np.random.Generator,
    faults: FaultPlan | None = None,
    sensing: SensorParams | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> Execution:
    """Validate, compile and run ``protocol``; faults are injected as ``faults`` says.

    ``on_event`` is called with every run-log event as it happens (for live progress).
    """
    validate(protocol, chip, source=protocol.name)
    faults = faults or FaultPlan()
    state = _State(chip, faults, Sensor(chip.columns, chip.rows, rng=rng, params=sensing), rng, list(protocol.steps),
                   on_event=on_event)
    state.emit(0, "run_start", protocol=protocol.name, steps=len(protocol.steps), grid=[chip.columns, chip.rows],
               mode="air" if faults.air else "oil", simulated=True)
    frame, replans, makespan = 0, 0, 0
    positions: dict[str, Cell] = {}
    while True:
        try:
            current = plan(Protocol(protocol.name, tuple(state.steps)), chip, dead=set(state.dead),
                           initial=positions, done=set(state.done), t0=frame)
        except NoRouteError as exc:
            state.aborted = f"no route: {exc}"
            break
        makespan = current.makespan
        state.emit(frame, "plan", makespan_frames=makespan, steps_left=len(state.steps) - len(state.done),
                   replan=replans)
        failed = _walk(state, current, frame)
        if failed is None or state.aborted:
            break
        replans += 1
        if replans > _MAX_REPLANS:
            state.aborted = f"gave up after {_MAX_REPLANS} re-plans"
            break
        positions, frame = _resume(state, current, failed), failed
    status: Literal["completed", "aborted"] = "aborted" if state.aborted else "completed"
    end_frame = makespan if not state.aborted else (state.events[-1]["frame"] if state.events else 0)
    if state.aborted:
        state.emit(end_frame, "recovery", action="abort", reason=state.aborted)
    state.emit(end_frame, "run_end", status=status, reason=state.aborted, replans=replans,
               dead_found=[list(c) for c in sorted(state.dead)])
    return Execution(protocol.name, status, state.aborted, state.clock(end_frame), tuple(state.events),
                     frozenset(state.done), replans, frozenset(state.dead),
                     {k: tuple(v) for k, v in state.reads.items()}, dict(state.peaks), dict(state.replenished),
                     makespan, dict(state.melt_reads))
