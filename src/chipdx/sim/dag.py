"""The dependency graph of a protocol, step priorities and shared resources (magnet, heaters).

Used by :mod:`chipdx.sim.scheduler`: a step waits for the earlier steps on its droplets and for
the previous magnet step; priorities are the longest remaining chain (critical path) in frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from chipdx.sim.protocol import Op, Step

__all__ = ["FRAME_S", "Resources", "dependencies", "frames", "priorities"]

#: Seconds per actuation frame. [assumption] DropBot counts a move done after >= 0.3 s of
#: steady capacitance (dropbot.py move.py); frames at <= 40 Hz sensing.
FRAME_S = 0.5


def frames(seconds: float) -> int:
    """Frames needed for ``seconds`` (at least one)."""
    return max(1, math.ceil(seconds / FRAME_S - 1e-9))


def dependencies(steps: tuple[Step, ...]) -> list[set[int]]:
    """For each step, the earlier steps it must wait for (same droplets, the magnet)."""
    last: dict[str, int] = {}
    magnet = -1
    deps: list[set[int]] = []
    for i, step in enumerate(steps):
        mine = {last[d] for d in step.uses() if d in last}
        if step.op in (Op.CAPTURE, Op.RELEASE):
            if magnet >= 0:
                mine.add(magnet)
            magnet = i
        deps.append(mine)
        for d in (*step.uses(), *step.creates()):
            last[d] = i
    _just_in_time(steps, deps)
    return deps


def _just_in_time(steps: tuple[Step, ...], deps: list[set[int]]) -> None:
    """A droplet dispensed straight into a merge is drawn only once its partner is ready
    (keeps the grid and the reservoir ports free)."""
    last: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.op is Op.MERGE:
            for mine, other in (step.droplets, step.droplets[::-1]):
                source, partner = last.get(mine), last.get(other)
                if (source is not None and partner is not None and steps[source].op is Op.DISPENSE
                        and source not in _ancestors(partner, deps) and partner not in _ancestors(source, deps)):
                    deps[source].add(partner)
        for d in (*step.uses(), *step.creates()):
            last[d] = i


def _ancestors(i: int, deps: list[set[int]]) -> set[int]:
    seen: set[int] = set()
    stack = [i]
    while stack:
        for j in deps[stack.pop()]:
            if j not in seen:
                seen.add(j)
                stack.append(j)
    return seen


def _estimate(step: Step) -> int:
    """Rough frames of a step, for the longest-chain priority."""
    return {Op.HEAT: frames(step.seconds), Op.THERMOCYCLE: step.cycles * frames(step.denature_s + step.anneal_s),
            Op.CAPTURE: frames(step.seconds), Op.MIX: 4 * max(step.cycles, 1),
            Op.MELT: step.melt_points() * frames(max(step.seconds, FRAME_S))}.get(step.op, 4)


def priorities(steps: tuple[Step, ...], deps: list[set[int]]) -> list[int]:
    """Longest chain of estimated frames from each step to the end of the protocol."""
    rank = [_estimate(s) for s in steps]
    for i in range(len(steps) - 1, -1, -1):
        for j in deps[i]:
            rank[j] = max(rank[j], _estimate(steps[j]) + rank[i])
    return rank


@dataclass(slots=True)
class Resources:
    """The magnet and the heater setpoints in use (steps may share a heater at the same setpoint)."""

    magnet_until: int = -1
    heaters: dict[str, tuple[float, int]] = field(default_factory=dict)

    def free(self, step: Step, t: int) -> bool:
        """True when the magnet and heater set points ``step`` needs are available at frame ``t``."""
        if step.op in (Op.CAPTURE, Op.RELEASE) and self.magnet_until > t:
            return False
        for zone, temp in _heater_needs(step).items():
            entry = self.heaters.get(zone)
            if entry is not None and entry[1] > t and entry[0] != temp:
                return False
        return True

    def take(self, step: Step, end: int) -> None:
        """Hold the resources of ``step`` until frame ``end``."""
        if step.op in (Op.CAPTURE, Op.RELEASE):
            self.magnet_until = end
        for zone, temp in _heater_needs(step).items():
            entry = self.heaters.get(zone)
            until = end if entry is None or entry[0] != temp else max(end, entry[1])
            self.heaters[zone] = (temp, until)


def _heater_needs(step: Step) -> dict[str, float]:
    if step.op is Op.HEAT and step.temperature_c is not None:
        return {step.zone: step.temperature_c}
    if step.op is Op.THERMOCYCLE:
        return {"denature": step.denature_c, "anneal": step.anneal_c}
    if step.op is Op.MELT:  # the heater under the detector ramps; nothing else may use it meanwhile
        return {"anneal": step.stop_c}
    return {}
