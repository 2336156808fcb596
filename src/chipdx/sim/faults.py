"""Fault model of the simulated chip: what can go wrong, and how often.

Failure modes are those the open DMF projects report (labchip_hardware.md §1.3): electrodes
that never pull a droplet (poor contact, dielectric damage: Puddle's early errors), droplets
that stick for a while (coating problems, OpenDrop#5), evaporation in air that makes droplets
too small to move (Puddle's late errors; it replenished water twice in 8 PCR cycles), and
heater overshoot. Rates and magnitudes are [assumption]; the Puddle endurance data
(``../shared/data/formats/dmf/puddle_asplos2019_endurance.csv``: 21 corrected errors in
36 loops over 2 h 11 min) gives the order of magnitude of one error per few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chipdx.sim.chip import Cell, ChipSpec

__all__ = ["FaultPlan", "random_dead_electrodes"]


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Faults to inject in one run.

    Parameters
    ----------
    dead_electrodes
        Electrodes that never actuate; the controller does not know them until it fails there.
    sticky_probability
        Chance that a move does not happen on the first attempt.
    sticky_release
        Chance that each retry of a sticky move succeeds.
    air
        Air-filled chip (default oil-filled): droplets evaporate while heated.
    evaporation_ul_per_s
        Evaporation of one droplet at 95 °C in air; halves every 15 °C cooler.
    heater_overshoot_c
        Extra overshoot of the heater controller above its set point.
    retries
        Retries of a timed-out move before its electrode is marked dead.
    """

    dead_electrodes: frozenset[Cell] = frozenset()
    sticky_probability: float = 0.0
    sticky_release: float = 0.7
    air: bool = False
    evaporation_ul_per_s: float = 0.0015
    heater_overshoot_c: float = 0.0
    retries: int = 2


def random_dead_electrodes(chip: ChipSpec, k: int, *, rng: np.random.Generator) -> frozenset[Cell]:
    """``k`` dead electrodes drawn at random, sparing reservoir ports (a dead port makes a
    reservoir unusable, which is a different failure)."""
    ports = {r.port for r in chip.reservoirs}
    cells = [(x, y) for x in range(chip.columns) for y in range(chip.rows) if (x, y) not in ports]
    if k > len(cells):
        raise ValueError(f"cannot kill {k} of {len(cells)} electrodes")
    chosen = rng.choice(len(cells), size=k, replace=False)
    return frozenset(cells[int(i)] for i in sorted(chosen))
