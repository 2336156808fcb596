"""DLOC-Sim v1: the simulated digital lab-on-a-chip (chip, protocols, scheduler, chemistry, optics).

Layer ``sim``: imports only :mod:`chipdx.model`, :mod:`chipdx.errors` and itself. Every
simulator returns the same model objects as the readers, flagged
``Provenance(simulated=True)``, plus ground truth. Randomness comes only from an ``rng``
argument (``numpy.random.default_rng(seed)``): the same seed gives the same outputs.
"""

from chipdx.sim.cartridge import CartridgeResult, random_specimens, simulate_cartridge
from chipdx.sim.chip import ChipSpec, cartridge_chip, default_chip
from chipdx.sim.dpcr import default_dpcr_design, simulate_dpcr
from chipdx.sim.execute import Execution, execute
from chipdx.sim.faults import FaultPlan
from chipdx.sim.protocol import Op, Program, Protocol, ProtocolError, Step, load_protocol, validate
from chipdx.sim.qpcr import default_design, simulate_qpcr
from chipdx.sim.scheduler import NoRouteError, plan, plan_sequential

__all__ = [
    "CartridgeResult",
    "ChipSpec",
    "Execution",
    "FaultPlan",
    "NoRouteError",
    "Op",
    "Program",
    "Protocol",
    "ProtocolError",
    "Step",
    "cartridge_chip",
    "default_chip",
    "default_design",
    "default_dpcr_design",
    "execute",
    "load_protocol",
    "plan",
    "plan_sequential",
    "random_specimens",
    "simulate_cartridge",
    "simulate_dpcr",
    "simulate_qpcr",
    "validate",
]
