"""Droplet protocols: operations, a Python builder, YAML loading and static validation.

A protocol is an ordered list of steps on named droplets. Steps that touch different droplets
are independent and the scheduler runs them in parallel; the order only matters per droplet
(and for shared resources: heaters, the magnet). YAML form::

    protocol: demo
    steps:
      - dispense: {reservoir: sample, droplet: s}
      - move: {droplet: s, to: magnet}          # a zone name or [x, y]
      - merge: {droplets: [s, l], into: m}
      - mix: {droplet: m, cycles: 3}
      - heat: {droplet: m, zone: extraction, temperature_c: 56, seconds: 120}
      - capture: {droplet: m, beads: b, supernatant: w, seconds: 30}
      - release: {droplet: b, seconds: 5}
      - split: {droplet: m, into: [a, b]}
      - thermocycle: {droplet: p, cycles: 40, denature_c: 95, anneal_c: 60}
      - detect: {droplet: p, seconds: 1}
      - melt: {droplet: p, start_c: 65, stop_c: 95, step_c: 0.5, seconds: 5}   # read per step
      - discard: {droplet: w}

Every problem is reported before execution as one :class:`ProtocolError` line naming the
step, what was expected and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from chipdx.errors import ProtocolError, quote
from chipdx.sim.chip import Cell, ChipSpec

__all__ = ["Op", "Program", "Protocol", "ProtocolError", "Step", "load_protocol", "parse_protocol", "validate"]



class Op(StrEnum):
    """Droplet operations."""

    DISPENSE = "dispense"
    MOVE = "move"
    MERGE = "merge"
    SPLIT = "split"
    MIX = "mix"
    HEAT = "heat"
    CAPTURE = "capture"
    RELEASE = "release"
    DETECT = "detect"
    DISCARD = "discard"
    THERMOCYCLE = "thermocycle"
    MELT = "melt"


@dataclass(frozen=True, slots=True)
class Step:
    """One operation. Only the fields its :class:`Op` uses are set."""

    op: Op
    droplet: str = ""
    droplets: tuple[str, ...] = ()
    into: tuple[str, ...] = ()
    reservoir: str = ""
    to: Cell | str | None = None
    zone: str = ""
    temperature_c: float | None = None
    seconds: float = 0.0
    cycles: int = 0
    units: int = 1
    beads: str = ""
    supernatant: str = ""
    denature_c: float = 95.0
    denature_s: float = 15.0
    anneal_c: float = 60.0
    anneal_s: float = 30.0
    start_c: float = 65.0
    stop_c: float = 95.0
    step_c: float = 0.5

    def melt_points(self) -> int:
        """Reads of a melt ramp: one at ``start_c`` and one per ``step_c`` up to ``stop_c``."""
        return round((self.stop_c - self.start_c) / self.step_c) + 1 if self.step_c > 0 else 0

    def consumes(self) -> tuple[str, ...]:
        """Droplets that no longer exist after this step."""
        if self.op is Op.MERGE:
            return self.droplets
        if self.op in (Op.SPLIT, Op.CAPTURE, Op.DISCARD):
            return (self.droplet,)
        return ()

    def creates(self) -> tuple[str, ...]:
        """Droplets that this step makes."""
        if self.op is Op.DISPENSE:
            return (self.droplet,)
        if self.op is Op.MERGE:
            return self.into
        if self.op is Op.SPLIT:
            return self.into
        if self.op is Op.CAPTURE:
            return (self.beads, self.supernatant)
        return ()

    def uses(self) -> tuple[str, ...]:
        """Droplets that must exist before this step."""
        if self.op is Op.DISPENSE:
            return ()
        return self.droplets if self.op is Op.MERGE else (self.droplet,)


@dataclass(frozen=True, slots=True)
class Protocol:
    """A named, ordered list of steps."""

    name: str
    steps: tuple[Step, ...]


_REQUIRED: dict[Op, tuple[str, ...]] = {
    Op.DISPENSE: ("reservoir", "droplet"), Op.MOVE: ("droplet", "to"), Op.MERGE: ("droplets", "into"),
    Op.SPLIT: ("droplet", "into"), Op.MIX: ("droplet",), Op.HEAT: ("droplet", "zone", "temperature_c", "seconds"),
    Op.CAPTURE: ("droplet", "beads", "supernatant"), Op.RELEASE: ("droplet",), Op.DETECT: ("droplet",),
    Op.DISCARD: ("droplet",), Op.THERMOCYCLE: ("droplet", "cycles"), Op.MELT: ("droplet",),
}
#: Melt ramp limits (°C): the heater under the detector ramps up to the chips' 99 °C heater limit;
#: at most 601 reads (0.05 °C steps over 30 °C) [design choice].
MELT_LIMITS_C = (40.0, 99.0)
_MELT_MAX_POINTS = 601
_FIELDS = {f.name for f in fields(Step)} - {"op"}


def _fail(source: str, place: str, expected: str, found: object) -> ProtocolError:
    return ProtocolError(source, place, expected, found if isinstance(found, str) else quote(found))


def _convert(name: str, value: Any, source: str, place: str) -> Any:
    """Check and convert one YAML value to the type of the :class:`Step` field."""
    if name == "into" and isinstance(value, str) and value:
        return (value,)
    if name in ("droplets", "into"):
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
            raise _fail(source, f"{place}: {name}", "a list of two droplet names", value)
        return tuple(value)
    if name == "to":
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value):
            return (value[0], value[1])
        raise _fail(source, f"{place}: to", "a zone name or an [x, y] electrode", value)
    if name in ("cycles", "units"):
        if type(value) is not int:
            raise _fail(source, f"{place}: {name}", "a whole number", value)
        return value
    if name in ("temperature_c", "seconds", "denature_c", "denature_s", "anneal_c", "anneal_s", "start_c", "stop_c",
                "step_c"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(source, f"{place}: {name}", "a number", value)
        return float(value)
    if not (isinstance(value, str) and value):
        raise _fail(source, f"{place}: {name}", "a non-empty name", value)
    return value


def _step(item: Any, number: int, source: str) -> Step:
    place = f"step {number}"
    if not (isinstance(item, dict) and len(item) == 1):
        raise _fail(source, place, "one operation such as '- move: {droplet: d, to: magnet}'", item)
    (name, args), = item.items()
    try:
        op = Op(name)
    except ValueError:
        raise _fail(source, place, f"an operation ({', '.join(o.value for o in Op)})", quote(name)) from None
    place = f"step {number} ({op.value})"
    if not isinstance(args, dict):
        raise _fail(source, place, "a mapping of arguments", args)
    unknown = sorted(set(args) - _FIELDS)
    if unknown:
        raise _fail(source, place, "known arguments", quote(unknown[0]))
    missing = [k for k in _REQUIRED[op] if k not in args]
    if missing:
        raise _fail(source, place, f"argument {missing[0]!r}", "nothing")
    values = {k: _convert(k, v, source, place) for k, v in args.items()}
    arity = {Op.MERGE: 1, Op.SPLIT: 2}.get(op)
    if arity is not None and len(values["into"]) != arity:
        raise _fail(source, f"{place}: into", "one droplet name" if arity == 1 else "a list of two droplet names",
                    quote(args["into"]))
    return Step(op, **values)


def parse_protocol(document: Any, *, source: str = "<protocol>") -> Protocol:
    """Build a :class:`Protocol` from parsed YAML (a mapping with ``protocol`` and ``steps``)."""
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
        raise _fail(source, "top level", "a mapping with 'protocol: NAME' and a list 'steps'",
                    type(document).__name__)
    name = document.get("protocol", "protocol")
    if not isinstance(name, str):
        raise _fail(source, "protocol", "a name", name)
    if not document["steps"]:
        raise _fail(source, "steps", "at least one step", "an empty list")
    return Protocol(name, tuple(_step(item, i, source) for i, item in enumerate(document["steps"], start=1)))


def load_protocol(path: Path) -> Protocol:
    """Read a YAML protocol file (safe loader; no Python objects)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(str(path), "", "a readable UTF-8 YAML file", type(exc).__name__) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else ""
        raise ProtocolError(str(path), place, "valid YAML", getattr(exc, "problem", None) or "a syntax error") from None
    return parse_protocol(document, source=str(path))


def _check_step(step: Step, chip: ChipSpec, place: str, source: str) -> None:
    """Static checks of one step against the chip: reservoirs, zones, cells, ranges."""
    if step.op in (Op.DISPENSE,) and step.reservoir not in {r.name for r in chip.reservoirs}:
        names = ", ".join(r.name for r in chip.reservoirs)
        raise _fail(source, f"{place}: reservoir", f"a reservoir of the chip ({names})", quote(step.reservoir))
    if step.op is Op.MOVE:
        if isinstance(step.to, tuple) and not chip.inside(step.to):
            raise _fail(source, f"{place}: to", f"an electrode inside {chip.columns} x {chip.rows}", list(step.to))
        if isinstance(step.to, str):
            try:
                chip.zone(step.to)
            except KeyError:
                raise _fail(source, f"{place}: to", "magnet, detector or a heater zone", quote(step.to)) from None
    if step.op is Op.HEAT:
        try:
            zone = chip.heater(step.zone)
        except KeyError:
            names = ", ".join(z.name for z in chip.heaters)
            raise _fail(source, f"{place}: zone", f"a heater zone ({names})", quote(step.zone)) from None
        assert step.temperature_c is not None
        if not zone.min_c <= step.temperature_c <= zone.max_c:
            raise _fail(source, f"{place}: temperature_c", f"{zone.min_c:g}-{zone.max_c:g} °C in zone {zone.name}",
                        f"{step.temperature_c:g}")
    if step.op is Op.THERMOCYCLE:
        if not 1 <= step.cycles <= 50:
            raise _fail(source, f"{place}: cycles", "1-50 cycles", str(step.cycles))
        limits = (("denature_c", step.denature_c, "denature"), ("anneal_c", step.anneal_c, "anneal"))
        for name, value, zone_name in limits:
            zone = chip.heater(zone_name)
            if not zone.min_c <= value <= zone.max_c:
                raise _fail(source, f"{place}: {name}", f"{zone.min_c:g}-{zone.max_c:g} °C", f"{value:g}")
    if step.op is Op.MELT:
        _check_melt(step, place, source)
    if step.seconds < 0 or step.cycles < 0 or step.units < 1:
        raise _fail(source, place, "non-negative seconds and cycles, units >= 1", "a negative value")


def _check_melt(step: Step, place: str, source: str) -> None:
    """A melt ramp rises inside :data:`MELT_LIMITS_C` in steps of 0.05-5 °C."""
    low, high = MELT_LIMITS_C
    if not low <= step.start_c < step.stop_c <= high:
        raise _fail(source, f"{place}: start_c/stop_c", f"{low:g} <= start_c < stop_c <= {high:g} °C",
                    f"{step.start_c:g}-{step.stop_c:g}")
    if not 0.05 <= step.step_c <= 5.0 or step.melt_points() > _MELT_MAX_POINTS:
        raise _fail(source, f"{place}: step_c", f"0.05-5 °C and at most {_MELT_MAX_POINTS} reads", f"{step.step_c:g}")


def validate(protocol: Protocol, chip: ChipSpec, *, source: str = "<protocol>") -> None:
    """Check a protocol before it runs; raise :class:`ProtocolError` on the first problem.

    Checks: reservoirs, zones and electrodes exist; temperatures are in the zone's range;
    every droplet exists when used and is not used after it was merged, split or discarded;
    droplet names are not reused; reservoirs hold enough liquid and waste does not overflow.
    """
    alive: set[str] = set()
    ever: set[str] = set()
    drawn: dict[str, float] = {}
    discarded = 0.0
    unit = chip.unit_volume_ul
    for number, step in enumerate(protocol.steps, start=1):
        place = f"step {number} ({step.op.value})"
        _check_step(step, chip, place, source)
        for name in step.uses():
            if name not in alive:
                state = "was used up earlier" if name in ever else "does not exist yet"
                raise _fail(source, place, f"droplet {name!r} to exist", state)
        if step.op is Op.MERGE and step.droplets[0] == step.droplets[1]:
            raise _fail(source, place, "two different droplets", quote(step.droplets[0]))
        alive -= set(step.consumes())
        for name in step.creates():
            if name in ever:
                raise _fail(source, place, "a new droplet name", quote(name))
            alive.add(name)
            ever.add(name)
        if step.op is Op.DISPENSE:
            drawn[step.reservoir] = drawn.get(step.reservoir, 0.0) + step.units * unit
            reservoir = chip.reservoir(step.reservoir)
            if drawn[step.reservoir] > reservoir.volume_ul + 1e-9:
                raise _fail(source, place, f"at most {reservoir.volume_ul:g} µL from {reservoir.name}",
                            f"{drawn[step.reservoir]:.1f} µL drawn")
        if step.op is Op.DISCARD:
            discarded += unit
    for reservoir in chip.reservoirs:
        if reservoir.volume_ul > reservoir.capacity_ul:
            raise _fail(source, f"reservoir {reservoir.name}", f"at most {reservoir.capacity_ul:g} µL loaded",
                        f"{reservoir.volume_ul:g} µL")
    waste = chip.reservoir("waste") if "waste" in {r.name for r in chip.reservoirs} else None
    if waste is not None and waste.volume_ul + discarded > waste.capacity_ul:
        raise _fail(source, "reservoir waste", f"at most {waste.capacity_ul:g} µL of waste",
                    f"{waste.volume_ul + discarded:.1f} µL")


class Program:
    """Write a protocol in Python, one call per step.

    >>> p = Program("demo").dispense("sample", "s").move("s", "magnet").discard("s").build()
    >>> [s.op.value for s in p.steps]
    ['dispense', 'move', 'discard']
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps: list[Step] = []

    def add(self, step: Step) -> Program:
        """Append any step."""
        self.steps.append(step)
        return self

    def dispense(self, reservoir: str, droplet: str, units: int = 1) -> Program:
        """Draw a droplet from a reservoir."""
        return self.add(Step(Op.DISPENSE, droplet=droplet, reservoir=reservoir, units=units))

    def move(self, droplet: str, to: Cell | str) -> Program:
        """Move a droplet to an electrode or a zone."""
        return self.add(Step(Op.MOVE, droplet=droplet, to=to))

    def merge(self, a: str, b: str, into: str) -> Program:
        """Merge two droplets."""
        return self.add(Step(Op.MERGE, droplets=(a, b), into=(into,)))

    def split(self, droplet: str, a: str, b: str) -> Program:
        """Split a droplet in two halves."""
        return self.add(Step(Op.SPLIT, droplet=droplet, into=(a, b)))

    def mix(self, droplet: str, cycles: int = 3) -> Program:
        """Circulate a droplet around a 2 x 2 loop."""
        return self.add(Step(Op.MIX, droplet=droplet, cycles=cycles))

    def heat(self, droplet: str, zone: str, temperature_c: float, seconds: float) -> Program:
        """Hold a droplet in a heater zone."""
        return self.add(Step(Op.HEAT, droplet=droplet, zone=zone, temperature_c=temperature_c, seconds=seconds))

    def capture(self, droplet: str, beads: str, supernatant: str, seconds: float = 30.0) -> Program:
        """Engage the magnet and pull the supernatant off the bead pellet."""
        return self.add(Step(Op.CAPTURE, droplet=droplet, beads=beads, supernatant=supernatant, seconds=seconds))

    def release(self, droplet: str, seconds: float = 5.0) -> Program:
        """Retract the magnet and resuspend the beads."""
        return self.add(Step(Op.RELEASE, droplet=droplet, seconds=seconds))

    def detect(self, droplet: str, seconds: float = 1.0) -> Program:
        """Read a droplet's fluorescence at the detector."""
        return self.add(Step(Op.DETECT, droplet=droplet, seconds=seconds))

    def discard(self, droplet: str) -> Program:
        """Send a droplet to waste."""
        return self.add(Step(Op.DISCARD, droplet=droplet))

    def thermocycle(self, droplet: str, cycles: int = 40, *, denature_c: float = 95.0, anneal_c: float = 60.0,
                    denature_s: float = 15.0, anneal_s: float = 30.0) -> Program:
        """Shuttle a droplet between the denature and anneal zones, reading once per cycle."""
        return self.add(Step(Op.THERMOCYCLE, droplet=droplet, cycles=cycles, denature_c=denature_c,
                             anneal_c=anneal_c, denature_s=denature_s, anneal_s=anneal_s))

    def melt(self, droplet: str, *, start_c: float = 65.0, stop_c: float = 95.0, step_c: float = 0.5,
             seconds: float = 5.0) -> Program:
        """Ramp a droplet at the detector from ``start_c`` to ``stop_c``, reading every ``step_c``
        after holding ``seconds`` (0.1 °C/s by default)."""
        return self.add(Step(Op.MELT, droplet=droplet, start_c=start_c, stop_c=stop_c, step_c=step_c, seconds=seconds))

    def build(self) -> Protocol:
        """The finished protocol."""
        return Protocol(self.name, tuple(self.steps))
