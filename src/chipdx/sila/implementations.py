"""Implementations of the three features on the simulated chip.

Hand-written against the ``sila2`` server API (no generated code): an implementation is a
:class:`~sila2.server.FeatureImplementationBase` whose methods are named after the feature's
commands (``get_<Property>`` for properties) and take the parameters by identifier plus
``metadata`` (and ``instance`` for observable commands); responses are dicts keyed by response
identifier. Problems the client can fix come back as the feature's defined execution errors
with one line naming what was expected and what was found.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sila2.server import FeatureImplementationBase, MetadataDict, ObservableCommandInstanceWithIntermediateResponses

from chipdx.errors import ChipdxError
from chipdx.sila.features import defined_error
from chipdx.sila.runs import BUILT_IN, parse_request, run
from chipdx.sim.chip import cartridge_chip, default_chip
from chipdx.sim.faults import FaultPlan, random_dead_electrodes
from chipdx.sim.manual import ManualChip, describe_chip

if TYPE_CHECKING:
    from sila2.server import SilaServer

__all__ = ["ChipControllerImpl", "ProtocolRunnerImpl", "SimulationControllerImpl"]


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


class SimulationControllerImpl(FeatureImplementationBase):
    """Always in simulation mode: DLOC-Sim v1 has no physical chip to switch to."""

    def __init__(self, parent_server: SilaServer) -> None:
        super().__init__(parent_server=parent_server)

    def StartSimulationMode(self, *, metadata: MetadataDict) -> dict[str, Any]:  # noqa: N802 (SiLA identifier)
        """Already in simulation mode: nothing to do."""
        del metadata
        return {}

    def StartRealMode(self, *, metadata: MetadataDict) -> dict[str, Any]:  # noqa: N802
        """Refused: there is no real chip behind this server."""
        del metadata
        raise defined_error("SimulationController", "StartRealModeFailed",
                            "real mode: expected a physical chip, found DLOC-Sim v1 (simulation only)")

    def get_SimulationMode(self, *, metadata: MetadataDict) -> bool:  # noqa: N802
        """True, always."""
        del metadata
        return True


class ChipControllerImpl(FeatureImplementationBase):
    """Direct droplet control on one simulated chip (loaded with ``LoadChip``)."""

    def __init__(self, parent_server: SilaServer) -> None:
        super().__init__(parent_server=parent_server)
        self._lock = threading.Lock()
        self._chip: ManualChip | None = None

    def _loaded(self) -> ManualChip:
        if self._chip is None:
            raise defined_error("ChipController", "ChipError", "chip: expected one loaded with LoadChip, found none")
        return self._chip

    def LoadChip(self, Layout: str, Columns: int, Rows: int, DeadElectrodes: int, Seed: int,  # noqa: N802, N803
                 *, metadata: MetadataDict) -> dict[str, Any]:
        """Load a fresh default or cartridge chip, optionally with random dead electrodes."""
        del metadata
        if Layout not in ("default", "cartridge"):
            raise defined_error("ChipController", "ChipError",
                                f"Layout: expected default or cartridge, found {Layout!r}")
        if not (16 <= Columns <= 64 and 8 <= Rows <= 32 and 0 <= DeadElectrodes <= 20 and Seed >= 0):
            raise defined_error("ChipController", "ChipError", "LoadChip: expected Columns 16-64, Rows 8-32, "
                                f"DeadElectrodes 0-20, Seed >= 0, found {Columns}, {Rows}, {DeadElectrodes}, {Seed}")
        chip = cartridge_chip(5, Columns, Rows) if Layout == "cartridge" else default_chip(Columns, Rows)
        rng = np.random.default_rng(Seed)
        dead = random_dead_electrodes(chip, DeadElectrodes, rng=rng) if DeadElectrodes else frozenset()
        with self._lock:
            self._chip = ManualChip(chip, rng=rng, faults=FaultPlan(dead_electrodes=dead))
        return {"Description": _json(describe_chip(chip)), "Simulated": True}

    def Dispense(self, Reservoir: str, Droplet: str, *, metadata: MetadataDict) -> dict[str, Any]:  # noqa: N802, N803
        """Draw a droplet onto a reservoir's port."""
        del metadata
        with self._lock:
            chip = self._loaded()
            try:
                port, capacitance = chip.dispense(Reservoir, Droplet)
            except ChipdxError as exc:
                raise defined_error("ChipController", "ChipError", str(exc)) from None
        result = {"droplet": Droplet, "electrode": list(port), "settled": True, "capacitance_pf": capacitance,
                  "simulated": True}
        return {"Result": _json(result), "Simulated": True}

    def MoveDroplet(self, Droplet: str, X: int, Y: int, *, metadata: MetadataDict) -> dict[str, Any]:  # noqa: N802, N803
        """Move a droplet electrode by electrode, sensing each step."""
        del metadata
        with self._lock:
            chip = self._loaded()
            try:
                moved = chip.move(Droplet, (X, Y))
            except ChipdxError as exc:
                raise defined_error("ChipController", "ChipError", str(exc)) from None
        result = {"droplet": moved.droplet, "path": [list(c) for c in moved.path], "arrived": moved.arrived,
                  "electrode": list(moved.path[-1]), "steps": len(moved.path) - 1,
                  "capacitance_pf": moved.capacitance_pf, "dead_found": [list(c) for c in moved.dead_found],
                  "simulated": True}
        return {"Result": _json(result), "Simulated": True}

    def ReadCapacitance(self, *, metadata: MetadataDict) -> dict[str, Any]:  # noqa: N802
        """One sensor frame of the whole grid, summarised."""
        del metadata
        with self._lock:
            summary = self._loaded().read_capacitance()
        return {"Summary": _json(summary), "Simulated": True}

    def get_ChipState(self, *, metadata: MetadataDict) -> str:  # noqa: N802
        """Droplets, electrodes known dead and actuations so far, as JSON."""
        del metadata
        with self._lock:
            return _json(self._loaded().state())


class ProtocolRunnerImpl(FeatureImplementationBase):
    """Runs protocols into ``output_root/<run id>``; ``pace_s`` slows step reports to watch them live."""

    def __init__(self, parent_server: SilaServer, *, output_root: Path, pace_s: float = 0.0) -> None:
        super().__init__(parent_server=parent_server)
        self.output_root = output_root
        self.pace_s = pace_s

    def get_BuiltInProtocols(self, *, metadata: MetadataDict) -> list[str]:  # noqa: N802
        """The built-in protocol names."""
        del metadata
        return list(BUILT_IN)

    def RunProtocol(self, Protocol: str, ProtocolYaml: str, Seed: int, Options: str,  # noqa: N802, N803
                    *, metadata: MetadataDict,
                    instance: ObservableCommandInstanceWithIntermediateResponses[Any]) -> dict[str, Any]:
        """Check, execute and write one run, streaming progress; see :mod:`chipdx.sila.runs`."""
        del metadata
        try:
            request = parse_request(Protocol, ProtocolYaml, Seed, Options)
        except ChipdxError as exc:
            raise defined_error("ProtocolRunner", "InvalidProtocol", str(exc)) from None
        instance.begin_execution()
        run_id = f"{Protocol}-seed{Seed}-{instance.execution_uuid.hex[:8]}"
        progress = _Progress(instance, self.pace_s)
        result = run(request, self.output_root / run_id, on_event=progress)
        instance.progress = 1.0  # type: ignore[misc]  # sila2 declares the setter apart from the getter
        instance.send_intermediate_response({"Progress": 1.0, "Event": f"run {result.status}",
                                             "SimulatedTime": float(result.summary["simulated_duration_s"])})
        return {"RunId": run_id, "Status": result.status, "Outputs": [str(p) for p in result.outputs],
                "Summary": _json(result.summary), "Simulated": True}


class _Progress:
    """Turns run-log events into progress and intermediate responses."""

    def __init__(self, instance: ObservableCommandInstanceWithIntermediateResponses[Any], pace_s: float) -> None:
        self.instance = instance
        self.pace_s = pace_s
        self.steps = 1
        self.done = 0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "run_start":
            self.steps = max(int(event["steps"]), 1)
            text = f"run {event['protocol']} started: {self.steps} steps"
        elif kind == "step_end":
            self.done += 1
            text = f"step {event['step']}/{self.steps} {event['op']} done"
        elif kind in ("fault", "recovery"):
            text = f"{kind} {event.get('kind') or event.get('action')}"
        else:
            return
        fraction = min(self.done / self.steps, 0.99)
        self.instance.progress = fraction  # type: ignore[misc]  # (see above)
        self.instance.send_intermediate_response({"Progress": fraction, "Event": text,
                                                  "SimulatedTime": float(event["t_s"])})
        if self.pace_s > 0 and kind == "step_end":
            time.sleep(self.pace_s)
