"""Direct (manual) control of the simulated chip: dispense, move and sense one droplet at a time.

Protocols (:mod:`chipdx.sim.execute`) plan and recover on their own; this is the lower level a
device-control client drives step by step, as the DropBot and PurpleDrop user interfaces do.
Moves follow a breadth-first shortest path over electrodes not known to be dead that keeps a
one-electrode gap to every other droplet (Chebyshev distance >= 2, the static fluidic constraint
of Su & Chakrabarty, DAC 2005). Each electrode step is a closed-loop move on the chip's
:class:`~chipdx.sim.sensing.Sensor`; a step that does not settle marks the electrode dead and
stops the droplet on its last good electrode (no automatic retry: the client decides).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from chipdx.errors import ManualError
from chipdx.sim.chip import Cell, ChipSpec
from chipdx.sim.faults import FaultPlan
from chipdx.sim.sensing import Sensor

__all__ = ["ManualChip", "ManualError", "MoveResult", "describe_chip"]



@dataclass(frozen=True, slots=True)
class MoveResult:
    """One manual move: the electrodes visited, whether the target was reached, the last reading."""

    droplet: str
    path: tuple[Cell, ...]
    arrived: bool
    capacitance_pf: float
    dead_found: tuple[Cell, ...]


def describe_chip(chip: ChipSpec) -> dict[str, Any]:
    """A JSON-ready description of ``chip`` (flagged simulated).

    >>> from chipdx.sim.chip import default_chip
    >>> describe_chip(default_chip())["grid"]
    [16, 8]
    """
    return {
        "grid": [chip.columns, chip.rows], "pitch_mm": chip.pitch_mm, "gap_um": chip.gap_um,
        "unit_droplet_ul": round(chip.unit_volume_ul, 3),
        "reservoirs": [{"name": r.name, "port": list(r.port), "volume_ul": r.volume_ul} for r in chip.reservoirs],
        "heaters": [{"name": z.name, "cells": [list(c) for c in z.cells], "min_c": z.min_c, "max_c": z.max_c}
                    for z in chip.heaters],
        "magnet": [list(c) for c in chip.magnet.cells], "detector": [list(c) for c in chip.detector.cells],
        "simulated": True,
    }


class ManualChip:
    """A chip under direct control: droplets by name, their electrodes and the sensor.

    >>> import numpy as np
    >>> from chipdx.sim.chip import default_chip
    >>> chip = ManualChip(default_chip(), rng=np.random.default_rng(0))
    >>> chip.dispense("sample", "s")[0]
    (1, 0)
    >>> chip.move("s", (3, 3)).arrived
    True
    """

    def __init__(self, chip: ChipSpec, *, rng: np.random.Generator, faults: FaultPlan | None = None) -> None:
        self.chip = chip
        self.faults = faults or FaultPlan()
        self.rng = rng
        self.sensor = Sensor(chip.columns, chip.rows, rng=rng)
        self.droplets: dict[str, Cell] = {}
        self.known_dead: set[Cell] = set()
        self.actuations = 0

    def _crowded(self, cell: Cell, moving: str) -> bool:
        """True when ``cell`` is next to (or on) a droplet other than ``moving``."""
        return any(max(abs(cell[0] - c[0]), abs(cell[1] - c[1])) < 2
                   for name, c in self.droplets.items() if name != moving)

    def dispense(self, reservoir: str, droplet: str) -> tuple[Cell, float]:
        """Draw ``droplet`` from ``reservoir`` onto its port; returns the port and its capacitance (pF)."""
        names = [r.name for r in self.chip.reservoirs]
        if reservoir not in names:
            raise ManualError(f"reservoir: expected one of {', '.join(names)}, found {reservoir!r}")
        if not droplet or droplet in self.droplets:
            raise ManualError(f"droplet: expected a new droplet name, found {droplet!r}")
        port = self.chip.reservoir(reservoir).port
        if self._crowded(port, droplet):
            raise ManualError(f"dispense: expected the {reservoir} port {list(port)} clear, found a droplet next to it")
        reading = self.sensor.move(port, 1.0, rng=self.rng)
        self.actuations += 1
        self.droplets[droplet] = port
        return port, reading.capacitance_pf

    def _path(self, droplet: str, start: Cell, goal: Cell) -> list[Cell] | None:
        """Shortest path from ``start`` to ``goal`` over free, not-known-dead electrodes."""
        before: dict[Cell, Cell | None] = {start: None}
        queue = deque([start])
        while queue:
            cell = queue.popleft()
            if cell == goal:
                path = [cell]
                while (prev := before[path[-1]]) is not None:
                    path.append(prev)
                return path[::-1]
            for nxt in ((cell[0] + 1, cell[1]), (cell[0] - 1, cell[1]), (cell[0], cell[1] + 1), (cell[0], cell[1] - 1)):
                if (nxt not in before and self.chip.inside(nxt) and nxt not in self.known_dead
                        and not self._crowded(nxt, droplet)):
                    before[nxt] = cell
                    queue.append(nxt)
        return None

    def move(self, droplet: str, to: Cell) -> MoveResult:
        """Move ``droplet`` to electrode ``to``, one sensed electrode step at a time."""
        if droplet not in self.droplets:
            raise ManualError(f"droplet: expected one of {sorted(self.droplets) or 'none yet'}, found {droplet!r}")
        if not self.chip.inside(to):
            grid = f"{self.chip.columns} x {self.chip.rows}"
            raise ManualError(f"electrode: expected one inside {grid}, found {list(to)}")
        path = self._path(droplet, self.droplets[droplet], to)
        if path is None:
            raise ManualError(f"move {droplet}: expected a free route to {list(to)}, found none "
                              f"(other droplets keep a one-electrode gap; dead electrodes {len(self.known_dead)})")
        visited, capacitance = [path[0]], 0.0
        for cell in path[1:]:
            self.actuations += 1
            arrives = cell not in self.faults.dead_electrodes
            reading = self.sensor.move(cell, 1.0 if arrives else 0.0, rng=self.rng)
            capacitance = reading.capacitance_pf
            if not reading.settled:
                self.known_dead.add(cell)
                return MoveResult(droplet, tuple(visited), False, capacitance, (cell,))
            visited.append(cell)
            self.droplets[droplet] = cell
        return MoveResult(droplet, tuple(visited), True, capacitance, ())

    def read_capacitance(self) -> dict[str, Any]:
        """One calibrated capacitance frame of all electrodes, summarised (pF)."""
        p = self.sensor.params
        level = np.zeros((self.chip.columns, self.chip.rows))
        for cell in self.droplets.values():
            level[cell] = p.c_full_pf
        raw = level + self.sensor.offsets + p.noise_pf * self.rng.standard_normal(level.shape)
        value = raw - self.sensor.calibrated
        empty = level == 0
        return {
            "electrodes": int(value.size),
            "droplets": {name: round(float(value[cell]), 3) for name, cell in sorted(self.droplets.items())},
            "baseline_mean_pf": round(float(value[empty].mean()), 4),
            "baseline_sd_pf": round(float(value[empty].std(ddof=1)), 4),
            "full_droplet_pf": p.c_full_pf,
            "simulated": True,
        }

    def state(self) -> dict[str, Any]:
        """The chip state as JSON-ready data (flagged simulated)."""
        return {
            "grid": [self.chip.columns, self.chip.rows],
            "droplets": {name: list(cell) for name, cell in sorted(self.droplets.items())},
            "known_dead": [list(c) for c in sorted(self.known_dead)],
            "actuations": self.actuations,
            "simulated": True,
        }
