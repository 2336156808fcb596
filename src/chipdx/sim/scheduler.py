"""Compile a protocol into a timed plan: placement, routing and parallel scheduling.

List scheduling over the protocol's dependency graph (Su & Chakrabarty's list scheduling for
digital microfluidic biochips, IEEE TCAD 2006): at each event time every ready operation is
tried, longest remaining chain first, and started when its droplets can be routed (see
:mod:`chipdx.sim.routing`) and its resources (magnet, heater setpoints) are free. Operations
on different droplets therefore run in parallel. :func:`plan_sequential` is the naive
baseline: one operation at a time, in protocol order.

Time is counted in frames of :data:`FRAME_S` seconds (one electrode step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from chipdx.errors import NoRouteError
from chipdx.sim.chip import Cell, ChipSpec
from chipdx.sim.dag import FRAME_S, Resources, dependencies, frames, priorities
from chipdx.sim.protocol import Op, Protocol, Step
from chipdx.sim.routing import Reservations, Track, find_route

__all__ = ["FRAME_S", "NoRouteError", "OpTiming", "Plan", "dependencies", "plan", "plan_sequential"]

_DISPENSE_FRAMES = 4
_SPLIT_FRAMES = 2
_MERGE_FRAMES = 1



@dataclass(frozen=True, slots=True)
class OpTiming:
    """When a protocol step runs, in frames: ``start`` inclusive, ``end`` when its result exists."""

    index: int
    step: Step
    start: int
    end: int
    reads: tuple[int, ...] = ()


@dataclass(slots=True)
class Plan:
    """A timed plan: every step's timing and every droplet's track."""

    timings: dict[int, OpTiming] = field(default_factory=dict)
    reservations: Reservations = field(default_factory=lambda: Reservations(0, 0))

    @property
    def makespan(self) -> int:
        """Frames until the last step ends."""
        return max((t.end for t in self.timings.values()), default=0)


_Snapshot = dict[str, tuple[int, bool]]
_DIRECTIONS: tuple[Cell, ...] = ((1, 0), (0, 1))


class _Planner:
    """Plans single steps against the reservations; every method rolls back on failure."""

    def __init__(self, chip: ChipSpec, reservations: Reservations) -> None:
        self.chip = chip
        self.res = reservations
        self.window = 2 * (chip.columns + chip.rows)  # frames a route may take before the step waits

    # -- bookkeeping -------------------------------------------------------------------
    def snapshot(self) -> _Snapshot:
        return {name: (len(track.cells), track.gone) for name, track in self.res.tracks.items()}

    def restore(self, snap: _Snapshot) -> None:
        for name in list(self.res.tracks):
            if name not in snap:
                del self.res.tracks[name]
            else:
                track = self.res.tracks[name]
                if len(track.cells) != snap[name][0]:
                    del track.cells[snap[name][0]:]
                    track.forget()
                track.gone = snap[name][1]
        self.res.changed()

    def where(self, droplet: str, t: int) -> Cell:
        cell = self.res.tracks[droplet].at(t)
        if cell is None:
            raise NoRouteError(f"droplet {droplet!r} is not on the chip at frame {t}")
        return cell

    def route(self, droplet: str, t: int, goals: tuple[Cell, ...], *, ignore: frozenset[str] = frozenset(),
              park: bool = True, what: str = "") -> int | None:
        """Route ``droplet`` from frame ``t`` to one of ``goals``; returns the arrival frame."""
        start = self.where(droplet, t)
        skip = ignore | {droplet}
        if not self.res.reachable(start, goals):
            raise NoRouteError(f"no route for droplet {droplet!r} from {list(start)} to {what or list(goals[0])}: "
                               "blocked by dead electrodes")
        wanted = set(goals)
        if park and not any(self.res.parkable([g], t + self.window, skip) for g in goals):
            return None  # parkability only grows with time: if no goal is free by then, none is sooner

        def goal(cell: Cell, when: int) -> bool:
            return cell in wanted and (not park or self.res.parkable([cell], when, skip))

        path = find_route(self.res, start, t, goal=goal, targets=goals, ignore=skip, max_frames=self.window)
        if path is None:
            return None
        track = self.res.tracks[droplet]
        track.commit(t, path)
        self.res.changed()
        return t + len(path) - 1

    def follow(self, droplet: str, t: int, path: list[Cell]) -> int | None:
        """Re-use a known path from frame ``t`` if it is still free; returns the arrival frame."""
        skip = frozenset({droplet})
        if not path or self.where(droplet, t) != path[0]:
            return None
        for k, cell in enumerate(path[1:], start=1):
            if not self.res.usable(cell) or cell in self.res.blocked(t + k, skip):
                return None
        arrival = t + len(path) - 1
        if not self.res.parkable([path[-1]], arrival, skip):
            return None
        track = self.res.tracks[droplet]
        track.commit(t, path)
        self.res.changed()
        return arrival

    def place(self, droplet: str, cell: Cell, t: int) -> None:
        self.res.tracks[droplet] = Track(t, [cell])
        self.res.changed()

    def vanish(self, droplet: str, t: int) -> None:
        """The droplet no longer exists from frame ``t``."""
        track = self.res.tracks[droplet]
        track.extend_to(t)
        track.gone = True
        self.res.changed()

    def zone_cells(self, name: str) -> tuple[Cell, ...]:
        return self.chip.zone(name).cells

    def live(self, t: int) -> int:
        """Droplets on the chip at frame ``t`` or planned to appear later."""
        return sum(1 for track in self.res.tracks.values() if track.at(t) is not None or track.start > t)

    def unjam(self, index: int, step: Step, t: int) -> OpTiming | None:
        """Move an idle droplet out of the way (to a free electrode outside every zone), then plan ``step``."""
        dispense = step.op is Op.DISPENSE
        focus = self.chip.reservoir(step.reservoir).port if dispense else self.where(step.uses()[0], t)
        special = {c for z in (*self.chip.heaters, self.chip.magnet, self.chip.detector) for c in z.cells}
        special |= {r.port for r in self.chip.reservoirs}
        if isinstance(step.to, tuple):  # keep the step's own target clear
            special |= {(step.to[0] + dx, step.to[1] + dy) for dx in (-2, -1, 0, 1, 2) for dy in (-2, -1, 0, 1, 2)}
        storage = tuple(c for x in range(self.chip.columns) for y in range(self.chip.rows)
                        if (c := (x, y)) not in special and abs(x - focus[0]) + abs(y - focus[1]) >= 4)
        plain = self.run(index, step, t)
        if plain is not None:
            return plain
        idle = [n for n, tr in self.res.tracks.items() if tr.at(t) is not None and n not in step.uses()]
        idle.sort(key=lambda n: abs(self.where(n, t)[0] - focus[0]) + abs(self.where(n, t)[1] - focus[1]))
        groups: list[tuple[str, ...]] = [(n,) for n in idle]
        groups += [(a, b) for i, a in enumerate(idle[:4]) for b in idle[i + 1:4]]
        groups.append(tuple(idle))  # last resort: clear every idle droplet out to storage
        for group in groups:
            snap = self.snapshot()
            timing = self._relocate_then_run(group, storage, index, step, t)
            if timing is not None:
                return timing
            self.restore(snap)
        return None

    def _relocate_then_run(self, names: tuple[str, ...], storage: tuple[Cell, ...], index: int, step: Step,
                           t: int) -> OpTiming | None:
        """Send ``names`` to storage electrodes one after another, then try ``step``."""
        last = t
        for name in names:
            here = self.where(name, t)
            away = tuple(c for c in storage if max(abs(c[0] - here[0]), abs(c[1] - here[1])) >= 2)
            try:
                arrival = self.route(name, t, away)
            except NoRouteError:
                arrival = None
            if arrival is None:
                if len(names) <= 2:
                    return None
                continue
            last = max(last, arrival)
        return self.run(index, step, t) or self.run(index, step, last + 1)

    # -- operations --------------------------------------------------------------------
    def run(self, index: int, step: Step, t: int) -> OpTiming | None:
        """Plan ``step`` starting at frame ``t``; ``None`` when it must wait."""
        snap = self.snapshot()
        try:
            result = self._dispatch(index, step, t)
        except NoRouteError:
            self.restore(snap)
            raise
        if result is None:
            self.restore(snap)
        return result

    def _dispatch(self, index: int, step: Step, t: int) -> OpTiming | None:
        op = step.op
        if op is Op.DISPENSE:
            port = self.chip.reservoir(step.reservoir).port
            if not self.res.usable(port):
                raise NoRouteError(f"reservoir {step.reservoir} port {list(port)} is a dead electrode")
            if not self.res.parkable([port], t, frozenset()):
                return None
            self.place(step.droplet, port, t)
            return OpTiming(index, step, t, t + _DISPENSE_FRAMES)
        if op is Op.MERGE:
            return self._merge(index, step, t)
        if op in (Op.SPLIT, Op.CAPTURE):
            return self._fission(index, step, t)
        if op is Op.MIX:
            return self._mix(index, step, t)
        if op is Op.THERMOCYCLE:
            return self._thermocycle(index, step, t)
        if op is Op.RELEASE:
            return OpTiming(index, step, t, t + frames(step.seconds))
        goals, hold, what = self._target(step)
        arrival = self.route(step.droplet, t, goals, park=op is not Op.DISCARD, what=what)
        if arrival is None:
            return None
        if op is Op.DISCARD:
            self.vanish(step.droplet, arrival + 1)
            return OpTiming(index, step, t, arrival + 1)
        if op is Op.MELT:
            per = frames(max(step.seconds, FRAME_S))
            reads = tuple(arrival + per * k for k in range(1, step.melt_points() + 1))
            return OpTiming(index, step, t, reads[-1], reads)
        return OpTiming(index, step, t, arrival + hold, (arrival + hold,) if op is Op.DETECT else ())

    def _target(self, step: Step) -> tuple[tuple[Cell, ...], int, str]:
        if step.op is Op.DISCARD:
            return (self.chip.reservoir("waste").port,), 0, "waste"
        if step.op is Op.HEAT:
            return self.zone_cells(step.zone), frames(step.seconds), step.zone
        if step.op in (Op.DETECT, Op.MELT):
            return self.zone_cells("detector"), frames(max(step.seconds, FRAME_S)), "detector"
        if isinstance(step.to, str):
            return self.zone_cells(step.to), 1, step.to
        assert step.to is not None
        return (step.to,), 1, ""

    def _merge(self, index: int, step: Step, t: int) -> OpTiming | None:
        a, b = step.droplets
        pa = self.where(a, t)
        goals = tuple(c for c in ((pa[0] + 1, pa[1]), (pa[0] - 1, pa[1]), (pa[0], pa[1] + 1), (pa[0], pa[1] - 1))
                      if self.res.usable(c))
        if not goals:
            raise NoRouteError(f"droplet {a!r} at {list(pa)} has no usable neighbour to merge on")
        arrival = self.route(b, t, goals, ignore=frozenset({a}), park=False, what=f"droplet {a}")
        if arrival is None:
            return None
        self.vanish(b, arrival + 1)
        self.vanish(a, arrival + 1)
        self.place(step.into[0], pa, arrival + 1)
        return OpTiming(index, step, t, arrival + 1 + _MERGE_FRAMES)

    def _fission(self, index: int, step: Step, t: int) -> OpTiming | None:
        """Split (halves two electrodes apart) or magnet capture (supernatant pulled two electrodes off)."""
        capture = step.op is Op.CAPTURE
        skip = frozenset({step.droplet})
        hold = frames(step.seconds) if capture else 0

        def offsets(cell: Cell, when: int) -> tuple[Cell, Cell] | None:
            for dx, dy in (*_DIRECTIONS, (-1, 0), (0, -1)) if capture else _DIRECTIONS:
                first = cell if capture else (cell[0] - dx, cell[1] - dy)
                second = (cell[0] + 2 * dx, cell[1] + 2 * dy) if capture else (cell[0] + dx, cell[1] + dy)
                middle = (cell[0] + dx, cell[1] + dy)
                if self.res.usable(middle) and self.res.parkable([first, second], when, skip):
                    return first, second
            return None

        if capture:
            goals = self.zone_cells("magnet")
        else:
            goals = tuple((x, y) for x in range(self.chip.columns) for y in range(self.chip.rows))
        wanted = set(goals)
        if not any(offsets(c, t + self.window) is not None for c in goals):
            return None
        start = self.where(step.droplet, t)
        path = find_route(self.res, start, t, goal=lambda c, w: c in wanted and offsets(c, w) is not None,
                          targets=goals if capture else (start,), ignore=skip, max_frames=self.window)
        if path is None:
            return None
        arrival = t + len(path) - 1
        track = self.res.tracks[step.droplet]
        track.commit(t, path)
        cells = offsets(path[-1], arrival)
        assert cells is not None
        done = arrival + hold + _SPLIT_FRAMES
        self.vanish(step.droplet, done)
        names = (step.beads, step.supernatant) if capture else step.into
        for name, cell in zip(names, cells, strict=True):
            self.place(name, cell, done)
        return OpTiming(index, step, t, done)

    def _mix(self, index: int, step: Step, t: int) -> OpTiming | None:
        here = self.where(step.droplet, t)
        for dx, dy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            loop = [(here[0] + dx, here[1]), (here[0] + dx, here[1] + dy), (here[0], here[1] + dy), here]
            if all(self.res.usable(c) for c in loop):
                break
        else:
            return OpTiming(index, step, t, t + 4 * max(step.cycles, 1))  # no room: mix by oscillating in place
        now = t
        for _ in range(max(step.cycles, 1)):
            for cell in loop:
                arrival = self.route(step.droplet, now, (cell,))
                if arrival is None:  # the loop is blocked: mix by holding and oscillating in place
                    return OpTiming(index, step, t, now + 4 * max(step.cycles, 1))
                now = arrival
        return OpTiming(index, step, t, now + 1)

    def _thermocycle(self, index: int, step: Step, t: int) -> OpTiming | None:
        """Shuttle between the zones; the first cycle's paths are re-used while they stay free."""
        now, reads = t, []
        hot, cool = frames(step.denature_s), frames(step.anneal_s)
        known: dict[str, list[Cell]] = {}
        track = self.res.tracks[step.droplet]
        for _ in range(step.cycles):
            for zone, hold in (("denature", hot), ("anneal", cool)):
                arrival = self.follow(step.droplet, now, known[zone]) if zone in known else None
                if arrival is None:
                    arrival = self.route(step.droplet, now, self.zone_cells(zone), what=zone)
                    if arrival is None:
                        return None
                    known[zone] = track.cells[now - track.start:]
                now = arrival + hold
            reads.append(now)
        return OpTiming(index, step, t, now, tuple(reads))

def _setup(chip: ChipSpec, dead: set[Cell], initial: dict[str, Cell], t0: int) -> tuple[Plan, _Planner]:
    reservations = Reservations(chip.columns, chip.rows, dead=set(dead))
    for name, cell in initial.items():
        reservations.tracks[name] = Track(t0, [cell])
    return Plan(reservations=reservations), _Planner(chip, reservations)


def _describe(step: Step, index: int) -> str:
    droplets = ", ".join(step.uses() or step.creates())
    return f"step {index + 1} ({step.op.value} {droplets})"


def plan(
    protocol: Protocol,
    chip: ChipSpec,
    *,
    dead: set[Cell] | None = None,
    initial: dict[str, Cell] | None = None,
    done: set[int] | None = None,
    t0: int = 0,
) -> Plan:
    """Schedule and route every step not in ``done``, in parallel where possible.

    ``initial`` gives droplets already on the chip at frame ``t0`` (for re-planning after a
    fault). Raises :class:`NoRouteError` naming the step when a route is impossible or when
    droplets block each other for good.
    """
    steps = protocol.steps
    finished = set(done or ())
    deps = dependencies(steps)
    rank = priorities(steps, deps)
    result, planner = _setup(chip, dead or set(), initial or {}, t0)
    resources = Resources()
    pending = sorted((i for i in range(len(steps)) if i not in finished), key=lambda i: (-rank[i], i))
    ends: dict[int, int] = dict.fromkeys(finished, t0)
    cap = max(3, chip.columns * chip.rows // 14)
    retry: dict[int, tuple[int, int]] = {}  # step -> (failures, next frame to try): back off when blocked
    t = t0

    def ends_ok(i: int) -> bool:
        return all(ends.get(j, math.inf) <= t for j in deps[i])

    while pending:
        ready = [i for i in pending if ends_ok(i) and resources.free(steps[i], t) and retry.get(i, (0, t))[1] <= t]
        started = []
        for i in ready:
            if steps[i].op is Op.DISPENSE and planner.live(t) >= cap:
                continue
            timing = _attempt(planner, i, steps[i], t, unjam=False)
            if timing is None:
                failures = retry.get(i, (0, t))[0] + 1
                retry[i] = (failures, t + min(256, 2 ** min(failures, 8)))
                continue
            result.timings[i], ends[i] = timing, timing.end
            resources.take(steps[i], timing.end)
            started.append(i)
        pending = [i for i in pending if i not in started]
        running = [e for e in (*ends.values(), planner.res.horizon() - 1) if e > t]
        if pending and not started and not running:
            timing = _break_deadlock(planner, steps, pending, [i for i in pending if ends_ok(i)], t)
            result.timings[timing.index], ends[timing.index] = timing, timing.end
            resources.take(timing.step, timing.end)
            pending.remove(timing.index)
            running = [timing.end]
        waits = [retry[i][1] for i in pending if i in retry and retry[i][1] > t]
        t = min(running + waits, default=t)
    return result


def _break_deadlock(planner: _Planner, steps: tuple[Step, ...], pending: list[int], ready: list[int],
                    t: int) -> OpTiming:
    """Nothing runs and nothing starts: move idle droplets aside for the first step that then fits."""
    for i in sorted(ready):
        timing = _attempt(planner, i, steps[i], t, unjam=True)
        if timing is not None:
            return timing
    i = min(pending)
    raise NoRouteError(f"{_describe(steps[i], i)}: no free route; droplets block each other")


def _attempt(planner: _Planner, index: int, step: Step, t: int, *, unjam: bool) -> OpTiming | None:
    try:
        return planner.unjam(index, step, t) if unjam else planner.run(index, step, t)
    except NoRouteError as exc:
        raise NoRouteError(f"{_describe(step, index)}: {exc}") from None


def plan_sequential(protocol: Protocol, chip: ChipSpec, *, dead: set[Cell] | None = None) -> Plan:
    """The naive baseline: each step starts only when the previous one has ended."""
    result, planner = _setup(chip, dead or set(), {}, 0)
    t = 0
    for i, step in enumerate(protocol.steps):
        timing = planner.run(i, step, t)
        if timing is None:
            raise NoRouteError(f"{_describe(step, i)}: no free route; droplets block each other")
        result.timings[i] = timing
        t = timing.end
    return result
