"""Independent checks of a plan: droplets never touch unless a step joins or separates them,
and random protocols for property tests and the routing benchmark."""

from __future__ import annotations

import numpy as np

from chipdx.sim.chip import ChipSpec
from chipdx.sim.protocol import Op, Program, Protocol
from chipdx.sim.scheduler import Plan

__all__ = ["random_protocol", "touching"]


def _relatives(protocol: Protocol) -> set[frozenset[str]]:
    """Pairs of droplets allowed to be adjacent: merge partners and their product, split parts."""
    pairs: set[frozenset[str]] = set()
    for step in protocol.steps:
        if step.op is Op.MERGE:
            group = [*step.droplets, *step.into]
        elif step.op in (Op.SPLIT, Op.CAPTURE):
            group = [step.droplet, *step.creates()]
        else:
            continue
        pairs |= {frozenset((a, b)) for a in group for b in group if a != b}
    return pairs


def touching(plan: Plan, protocol: Protocol) -> list[str]:
    """Every frame where two unrelated droplets are on neighbouring electrodes (statically, or
    one frame apart); an empty list means the plan keeps the one-electrode gap everywhere."""
    tracks = plan.reservations.tracks
    names = sorted(tracks)
    frames = max(plan.makespan, plan.reservations.horizon()) + 2
    where = np.full((len(names), frames, 2), -1000, dtype=np.int64)
    for k, name in enumerate(names):
        track = tracks[name]
        cells = track.array()
        lo = max(track.start, 0)
        where[k, lo:min(track.end, frames)] = cells[lo - track.start:min(track.end, frames) - track.start]
        if not track.gone and track.end < frames:
            where[k, track.end:] = cells[-1]
    allowed = _relatives(protocol)
    problems = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if frozenset((names[i], names[j])) in allowed:
                continue
            a, b = where[i], where[j]
            for shift_a, shift_b in ((a, b), (a[1:], b[:-1]), (a[:-1], b[1:])):
                present = (shift_a[:, 0] > -1000) & (shift_b[:, 0] > -1000)
                near = present & (np.abs(shift_a - shift_b).max(axis=1) <= 1)
                if near.any():
                    problems.append(f"{names[i]} and {names[j]} touch at frame {int(np.argmax(near))}")
                    break
    return problems


def random_protocol(chip: ChipSpec, *, rng: np.random.Generator, chains: int = 3, name: str = "random") -> Protocol:
    """A random protocol: ``chains`` independent droplet chains (dispense, moves, merge, mix,
    heat, split, detect, discard) drawing on the chip's reservoirs."""
    program = Program(name)
    sources = [r.name for r in chip.reservoirs if r.name != "waste"]
    for c in range(chains):
        a, b = f"c{c}a", f"c{c}b"
        program.dispense(sources[int(rng.integers(len(sources)))], a)
        if rng.random() < 0.7:
            x, y = int(rng.integers(chip.columns)), int(rng.integers(chip.rows))
            program.move(a, (x, y))
        if rng.random() < 0.6:
            program.dispense(sources[int(rng.integers(len(sources)))], b).merge(a, b, f"c{c}m")
            a = f"c{c}m"
        if rng.random() < 0.5:
            program.mix(a, 2)
        if rng.random() < 0.5:
            zone = chip.heaters[int(rng.integers(len(chip.heaters)))]
            program.heat(a, zone.name, min(zone.max_c, 60.0), 5.0)
        if rng.random() < 0.4:
            program.split(a, f"c{c}s1", f"c{c}s2").discard(f"c{c}s2")
            a = f"c{c}s1"
        program.detect(a).discard(a)
    return program.build()
