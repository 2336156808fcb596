"""Protocol runs behind the ``ProtocolRunner`` feature, free of SiLA: request, execution, outputs.

:func:`parse_request` checks everything a client sends before anything moves (protocol name or
YAML text, options) and raises :class:`~chipdx.sim.protocol.ProtocolError` with one line.
:func:`run` executes the request on the simulated chip, reports every run-log event to a
callback (live progress) and writes the outputs into one folder per run: the run log always;
for the cartridge also RDML 1.3, the QuantStudio text export and ``truth.csv``; a
``summary.json`` beside them. Every output is flagged simulated (RDML provenance, ``simulated``
in the log's ``run_start`` event and in the summary).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from chipdx.io import atomic_output, write
from chipdx.io.records import write_records
from chipdx.sim.cartridge import random_specimens, simulate_cartridge
from chipdx.sim.chip import ChipSpec, cartridge_chip, default_chip
from chipdx.sim.execute import Execution, events_to_jsonl, execute
from chipdx.sim.faults import FaultPlan, random_dead_electrodes
from chipdx.sim.protocol import Protocol, ProtocolError, parse_protocol, validate
from chipdx.sim.protocols import dpcr_protocol, extraction_protocol, qpcr_protocol

__all__ = ["BUILT_IN", "RunRequest", "RunResult", "parse_request", "run"]

#: Protocols a client can run by name (besides ``yaml``).
BUILT_IN: tuple[str, ...] = ("extraction", "qpcr", "dpcr", "cartridge")
_SOURCE = "RunProtocol"
_OPTIONS: dict[str, tuple[type, Any]] = {
    "specimens": (int, 3), "cycles": (int, 40), "melt": (bool, False), "dead_electrodes": (int, 0),
    "air": (bool, False),
}
_RANGES: dict[str, tuple[int, int]] = {"specimens": (1, 5), "cycles": (20, 50), "dead_electrodes": (0, 20)}


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A checked request: what to run, with which seed and options."""

    name: str
    protocol: Protocol | None  # ``None`` for the cartridge, which builds its own
    seed: int
    options: dict[str, Any]

    def chip(self) -> ChipSpec:
        """The chip this request runs on."""
        return cartridge_chip(self.options["specimens"]) if self.name == "cartridge" else default_chip()


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run did and wrote."""

    status: str
    outputs: tuple[Path, ...]
    summary: dict[str, Any]


def _options(text: str) -> dict[str, Any]:
    """Defaults overridden by the client's JSON options, each checked for type and range."""
    try:
        given: Any = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ProtocolError(_SOURCE, "Options", "a JSON object", f"invalid JSON ({exc.msg})") from None
    if not isinstance(given, dict):
        raise ProtocolError(_SOURCE, "Options", "a JSON object", type(given).__name__)
    options = {key: default for key, (_, default) in _OPTIONS.items()}
    for key, value in given.items():
        if key not in _OPTIONS:
            raise ProtocolError(_SOURCE, "Options", f"keys among {', '.join(_OPTIONS)}", repr(key))
        kind = _OPTIONS[key][0]
        if type(value) is not kind:
            raise ProtocolError(_SOURCE, f"Options: {key}", f"a {kind.__name__}", repr(value))
        bounds = _RANGES.get(key)
        if bounds is not None and not bounds[0] <= given[key] <= bounds[1]:
            raise ProtocolError(_SOURCE, f"Options: {key}", f"{bounds[0]}-{bounds[1]}", str(value))
        options[key] = value
    return options


def parse_request(name: str, yaml_text: str, seed: int, options_text: str) -> RunRequest:
    """Check a client's request; raise :class:`ProtocolError` (one line) when it cannot run.

    >>> parse_request("qpcr", "", 1, '{"cycles": 30}').protocol.steps[-1].cycles
    30
    """
    options = _options(options_text)
    if seed < 0:
        raise ProtocolError(_SOURCE, "Seed", "a non-negative integer", str(seed))
    if name == "cartridge":
        return RunRequest(name, None, seed, options)
    if name == "yaml":
        try:
            document = yaml.safe_load(yaml_text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            place = f"ProtocolYaml line {mark.line + 1}" if mark is not None else "ProtocolYaml"
            problem = getattr(exc, "problem", None) or "a syntax error"
            raise ProtocolError(_SOURCE, place, "valid YAML", problem) from None
        protocol = parse_protocol(document, source="ProtocolYaml")
    elif name == "extraction":
        protocol = extraction_protocol()
    elif name == "qpcr":
        protocol = qpcr_protocol(options["cycles"], melt=options["melt"])
    elif name == "dpcr":
        protocol = dpcr_protocol()
    else:
        raise ProtocolError(_SOURCE, "Protocol", f"one of {', '.join((*BUILT_IN, 'yaml'))}", repr(name))
    request = RunRequest(name, protocol, seed, options)
    validate(protocol, request.chip(), source="ProtocolYaml" if name == "yaml" else name)
    return request


def _faults(request: RunRequest, chip: ChipSpec, rng: np.random.Generator) -> FaultPlan:
    k = request.options["dead_electrodes"]
    dead = random_dead_electrodes(chip, k, rng=rng) if k else frozenset()
    return FaultPlan(dead_electrodes=dead, air=request.options["air"])


def _write(path: Path, data: bytes) -> Path:
    with atomic_output(path) as stream:
        stream.write(data)
    return path


def _summary(request: RunRequest, execution: Execution, **extra: Any) -> dict[str, Any]:
    counts = Counter(e["kind"] for e in execution.events if e["event"] == "fault")
    actions = Counter(e["action"] for e in execution.events if e["event"] == "recovery")
    return {
        "protocol": request.name if request.protocol is None else request.protocol.name, "seed": request.seed,
        "options": request.options, "status": execution.status, "reason": execution.reason,
        "simulated_duration_s": execution.duration_s, "steps_completed": len(execution.completed_steps),
        "replans": execution.replans, "faults": dict(sorted(counts.items())),
        "recoveries": dict(sorted(actions.items())), **extra, "simulated": True,
    }


def run(request: RunRequest, folder: Path, *, on_event: Callable[[dict[str, Any]], None] | None = None) -> RunResult:
    """Execute ``request`` into ``folder`` (created); ``on_event`` sees every run-log event live."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(request.seed)
    chip = request.chip()
    outputs: list[Path] = []
    extra: dict[str, Any] = {}
    if request.protocol is None:  # draws in the order of `chipdx simulate cartridge`: same seed, same files
        specimens = random_specimens(request.options["specimens"], rng=rng)
        faults = _faults(request, chip, rng)
        result = simulate_cartridge(specimens, rng=rng, faults=faults, cycles=request.options["cycles"],
                                    melt=request.options["melt"], on_event=on_event)
        execution = result.execution
        if result.dataset is not None:
            write(result.dataset, folder / "cartridge.rdml")
            write(result.dataset, folder / "cartridge_quantstudio.txt", format="quantstudio-txt")
            write_records(folder / "truth.csv", result.truth)
            outputs += [folder / "cartridge.rdml", folder / "cartridge_quantstudio.txt", folder / "truth.csv"]
            extra = {"reactions": len(result.truth), "samples": sorted({t.sample for t in result.truth}),
                     "melt_curves": result.dataset.runs[0].melt is not None}
    else:
        faults = _faults(request, chip, rng)
        execution = execute(request.protocol, chip, rng=rng, faults=faults, on_event=on_event)
    outputs.append(_write(folder / "run_log.jsonl", events_to_jsonl(execution.events)))
    summary = _summary(request, execution, **extra)
    outputs.append(_write(folder / "summary.json", (json.dumps(summary, indent=1, sort_keys=True) + "\n").encode()))
    return RunResult(execution.status, tuple(outputs), summary)
