"""Assays as data: versioned YAML decision tables with citations, validated on load.

An assay file (see ``docs/interpretation.md`` for the full schema and the shipped
files in ``chipdx/interpret/assays/``) names its targets with their roles, channels
and cut-offs, the controls and what they must show, and an ordered result table
whose first matching row gives the sample result and action. Loading never
evaluates code: the YAML is parsed with ``yaml.safe_load`` and every field is
checked; a broken file raises one :class:`~chipdx.errors.FormatError` line naming
the file, the field, what was expected and what was found.

>>> assay = load_assay("cdc-2019-ncov")
>>> [t.name for t in assay.targets], assay.targets[0].cutoff.comparison
(['N1', 'N2', 'RP'], 'strict')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, cast

import yaml

from chipdx.errors import FormatError, UnsupportedError, close_names, quote

__all__ = ["ACTIONS", "CALLS", "CQ_FALLBACKS", "CQ_METHODS", "PATTERNS", "RESULTS", "ROLES", "Assay", "Control",
           "CqDefinition", "Cutoff", "Replicates", "ResultRow", "Target", "load_assay", "parse_assay",
           "require_assay_targets", "shipped_assays"]

ROLES = ("pathogen", "internal_control", "rnase_p", "positive_control", "ntc", "extraction_control")
RESULTS = ("detected", "not_detected", "inconclusive", "invalid", "presumptive_positive", "review")
ACTIONS = ("report", "repeat_test", "re_extract", "recollect", "confirm", "review", "repeat_run", "accept")
CALLS = ("detected", "not_detected", "review", "invalid")
PATTERNS = (*CALLS, "any", "absent")
SAMPLE_TYPES = ("pos", "ntc", "ext")
Comparison = Literal["strict", "inclusive"]
#: Cq definitions an assay's cut-offs can be stated on (``cq.method``).
CQ_METHODS = ("sdm", "threshold", "instrument")
#: What ``method: instrument`` compares when the file reports no Cq (``cq.fallback``).
CQ_FALLBACKS = ("threshold", "sdm")
_CQ_KEYS = ("method", "baseline", "threshold", "fallback")


@dataclass(frozen=True, slots=True)
class Cutoff:
    """When a target counts as detected.

    qPCR: a Cq below ``cq`` (``strict``: ``cq < cut-off``; ``inclusive``: ``<=``).
    dPCR: more than ``lob_copies_per_ul`` copies/µL in at least ``min_partitions``
    accepted partitions; below ``lod_copies_per_ul`` the call carries ``BELOW-LOD``.
    Melt (intercalating dyes): with ``melt_window_c = (low, high)`` a product counts
    only if its Tm lies in ``[low, high]``; in ``[low - m, low)`` or ``(high, high + m)``
    with ``m = melt_review_margin_c`` the call is ``review`` (BioFire BF-1; PyMLRS ±1 °C
    "manual interpretation" band); further out the product is not the target's.
    """

    cq: float | None = None
    comparison: Comparison = "strict"
    lob_copies_per_ul: float | None = None
    lod_copies_per_ul: float | None = None
    min_partitions: int | None = None
    melt_window_c: tuple[float, float] | None = None
    melt_review_margin_c: float = 1.0


@dataclass(frozen=True, slots=True)
class Target:
    """A target of the assay with its role and detection cut-off."""

    name: str
    role: str
    channel: str
    cutoff: Cutoff


@dataclass(frozen=True, slots=True)
class Control:
    """A control sample type and the call each target must have; ``on_fail`` is the run action."""

    rule_id: str
    sample_type: str
    expect: tuple[tuple[str, str], ...]
    on_fail: str
    required: bool
    note: str


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of the result table: target patterns → result and action."""

    rule_id: str
    when: tuple[tuple[str, str], ...]
    result: str
    action: str
    note: str


@dataclass(frozen=True, slots=True)
class Replicates:
    """How replicate reactions of one sample and target combine.

    Default (``min_detected`` unset): all must agree, else ``review``. With
    ``min_detected = k``: detected iff at least ``k`` replicates are detected and their
    melt peaks agree within ``max_tm_spread_c`` (BioFire BF-2: 2 of 3 within 1 °C),
    otherwise not detected. ``max_cq_spread`` sends a wider Cq spread to review.
    """

    max_cq_spread: float | None = None
    min_detected: int | None = None
    max_tm_spread_c: float | None = None


@dataclass(frozen=True, slots=True)
class CqDefinition:
    """The Cq an assay's cut-offs are defined on (the assay file's ``cq:`` block).

    ``sdm``: chipdx's second-derivative-maximum Cq (the LightCycler "2nd derivative maximum" definition).
    ``threshold``: the cycle at which the baseline-subtracted curve crosses a threshold (MIQE "Cq" as
    instrument software reads it): ``baseline`` ``None`` is chipdx's automatic baseline (LinRegPCR equal
    slopes), else a window ``(first, last)`` of cycles; ``thresholds`` per target in baseline-subtracted
    fluorescence units, a target not listed uses chipdx's automatic threshold (LinRegPCR-style, in the
    log-linear phase). ``instrument``: the Cq the file reports (set on the instrument by the lab, as the
    assay was validated); a reaction whose file reports none gets ``fallback`` and the flag
    ``CQ-INSTRUMENT-MISSING``. A Cq table's ``cq`` column is taken as the instrument's.
    """

    method: Literal["sdm", "threshold", "instrument"] = "sdm"
    baseline: tuple[int, int] | None = None
    thresholds: tuple[tuple[str, float], ...] = ()
    fallback: Literal["threshold", "sdm"] = "threshold"

    def threshold(self, target: str) -> float | None:
        """The assay's threshold for ``target`` (``None``: automatic)."""
        return dict(self.thresholds).get(target)

    def describe(self) -> str:
        """In words, for the report: which Cq the cut-offs are compared with."""
        if self.method == "sdm":
            return "second-derivative maximum Cq (chipdx)"
        if self.method == "instrument":
            return f"instrument-reported Cq (without one: {self.fallback} Cq by chipdx, flag CQ-INSTRUMENT-MISSING)"
        first, last = self.baseline or (0, 0)
        base = "automatic baseline" if self.baseline is None else f"baseline cycles {first}-{last}"
        levels = ", ".join(f"{t} {v:g}" for t, v in self.thresholds) or "automatic"
        return f"threshold Cq ({base}; threshold {levels})"


@dataclass(frozen=True, slots=True)
class Assay:
    """A validated assay definition; ``sha256`` is the hash of the file's bytes."""

    assay_id: str
    version: str
    title: str
    kind: Literal["qpcr", "dpcr"]
    citations: tuple[str, ...]
    targets: tuple[Target, ...]
    controls: tuple[Control, ...]
    results: tuple[ResultRow, ...]
    replicates: Replicates
    sha256: str
    cq: CqDefinition = CqDefinition()

    def target(self, name: str) -> Target:
        """The target called ``name`` (``KeyError`` if the assay has none)."""
        for target in self.targets:
            if target.name == name:
                return target
        raise KeyError(name)

    @property
    def ruleset_id(self) -> str:
        """``<assay id>@<version>``, as reported with every result."""
        return f"{self.assay_id}@{self.version}"


class _Reader:
    """Field access with one-line errors that name the place in the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, place: str, expected: str, found: object) -> FormatError:
        return FormatError(self.source, place, expected, quote(found) if found is not None else "nothing")

    def get(self, node: Any, key: str, place: str, kind: type | tuple[type, ...], *, default: Any = ...) -> Any:
        if not isinstance(node, dict):
            raise self.fail(place, "a mapping", node)
        if key not in node:
            if default is not ...:
                return default
            raise self.fail(f"{place}.{key}".lstrip("."), "a value", None)
        value = node[key]
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"{place}.{key}".lstrip("."), f"a {names}", value)
        return value

    def choice(self, node: Any, key: str, place: str, options: tuple[str, ...], *, default: Any = ...) -> str:
        value = self.get(node, key, place, str, default=default)
        if value not in options:
            raise self.fail(f"{place}.{key}".lstrip("."), "one of " + ", ".join(options), value)
        return cast(str, value)

    def items(self, node: Any, key: str, place: str) -> list[Any]:
        value = self.get(node, key, place, list)
        if not value:
            raise self.fail(f"{place}.{key}".lstrip("."), "a non-empty list", value)
        return cast(list[Any], value)


def _number(r: _Reader, node: Any, key: str, place: str) -> float | None:
    value = r.get(node, key, place, (int, float), default=None)
    if value is not None and value < 0:
        raise r.fail(f"{place}.{key}", "a number >= 0", value)
    return None if value is None else float(value)


def _cutoff(r: _Reader, node: Any, place: str, kind: str) -> Cutoff:
    comparison = cast(Comparison, r.choice(node, "comparison", place, ("strict", "inclusive"), default="strict"))
    minimum = r.get(node, "min_partitions", place, int, default=None)
    window = r.get(node, "melt_window_c", place, list, default=None)
    if window is not None and (len(window) != 2 or not all(isinstance(v, int | float) for v in window)
                               or not window[0] < window[1]):
        raise r.fail(f"{place}.melt_window_c", "[low, high] in °C with low < high", window)
    margin = _number(r, node, "melt_review_margin_c", place)
    cutoff = Cutoff(_number(r, node, "cq", place), comparison, _number(r, node, "lob_copies_per_ul", place),
                    _number(r, node, "lod_copies_per_ul", place), minimum,
                    None if window is None else (float(window[0]), float(window[1])),
                    1.0 if margin is None else margin)
    if kind == "qpcr" and cutoff.cq is None:
        raise r.fail(f"{place}.cq", "a Cq cut-off for a qpcr assay", None)
    if kind == "dpcr" and cutoff.lob_copies_per_ul is None:
        raise r.fail(f"{place}.lob_copies_per_ul", "a limit of blank for a dpcr assay", None)
    return cutoff


def _cq_definition(r: _Reader, doc: Any, kind: str, targets: set[str]) -> CqDefinition:
    """The ``cq:`` block (qPCR assays only; omitted = ``{method: sdm}``)."""
    node = r.get(doc, "cq", "", dict, default=None)
    if node is None:
        return CqDefinition()
    if kind != "qpcr":
        raise r.fail("cq", "no cq block in a dpcr assay (it calls copies/µL)", node)
    unknown = [k for k in node if k not in _CQ_KEYS]
    if unknown:
        raise r.fail(f"cq.{unknown[0]}", "one of the keys " + ", ".join(_CQ_KEYS), unknown[0])
    method = r.choice(node, "method", "cq", CQ_METHODS)
    fallback = r.choice(node, "fallback", "cq", CQ_FALLBACKS, default="threshold")
    if method != "instrument" and "fallback" in node:
        raise r.fail("cq.fallback", "fallback only with method: instrument", fallback)
    if method == "sdm" and ("baseline" in node or "threshold" in node):
        raise r.fail("cq.baseline" if "baseline" in node else "cq.threshold",
                     "baseline and threshold only with method: threshold or instrument", node.get("baseline",
                                                                                               node.get("threshold")))
    return CqDefinition(cast(Literal["sdm", "threshold", "instrument"], method), _cq_baseline(r, node),
                        _cq_thresholds(r, node, targets), cast(Literal["threshold", "sdm"], fallback))


def _cq_baseline(r: _Reader, node: dict[str, Any]) -> tuple[int, int] | None:
    value = node.get("baseline", "auto")
    if value == "auto":
        return None
    if (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                            for v in value) and 1 <= value[0] < value[1]):
        return int(value[0]), int(value[1])
    raise r.fail("cq.baseline", "auto or [first, last] cycles with 1 <= first < last", value)


def _cq_thresholds(r: _Reader, node: dict[str, Any], targets: set[str]) -> tuple[tuple[str, float], ...]:
    value = node.get("threshold", "auto")
    if value == "auto":
        return ()
    if not isinstance(value, dict) or not value:
        raise r.fail("cq.threshold", "auto or a mapping of target: fluorescence threshold", value)
    out = []
    for name, level in value.items():
        if name not in targets:
            raise r.fail("cq.threshold", "a target declared under targets (" + ", ".join(sorted(targets)) + ")",
                         name)
        if isinstance(level, bool) or not isinstance(level, int | float) or not level > 0:
            raise r.fail(f"cq.threshold.{name}", "a fluorescence threshold > 0", level)
        out.append((str(name), float(level)))
    return tuple(out)


def _patterns(r: _Reader, node: Any, place: str, targets: set[str], options: tuple[str, ...]
              ) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, dict) or not node:
        raise r.fail(place, "a mapping of target: call", node)
    for name in node:
        if name not in targets:
            raise r.fail(place, "a target declared under targets", name)
        r.choice(node, name, place, options)
    return tuple((str(k), str(v)) for k, v in node.items())


def _unique(r: _Reader, ids: list[str], place: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise r.fail(place, "unique rule ids", i)
        seen.add(i)


def parse_assay(data: bytes, source: str) -> Assay:
    """Validate an assay definition (YAML bytes) read from ``source``."""
    r = _Reader(source)
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else "YAML"
        raise FormatError(source, place, "valid YAML", str(getattr(exc, "problem", exc))) from None
    kind = r.choice(doc, "kind", "", ("qpcr", "dpcr"))
    targets = []
    for i, node in enumerate(r.items(doc, "targets", "")):
        place = f"targets[{i}]"
        targets.append(Target(r.get(node, "name", place, str), r.choice(node, "role", place, ROLES),
                              r.get(node, "channel", place, str, default=""),
                              _cutoff(r, r.get(node, "cutoff", place, dict), f"{place}.cutoff", kind)))
    names = {t.name for t in targets}
    if len(names) != len(targets):
        raise r.fail("targets", "unique target names", [t.name for t in targets])
    controls = []
    for i, node in enumerate(r.get(doc, "controls", "", list, default=[])):
        place = f"controls[{i}]"
        controls.append(Control(
            r.get(node, "id", place, str), r.choice(node, "sample_type", place, SAMPLE_TYPES),
            _patterns(r, r.get(node, "expect", place, dict), f"{place}.expect", names, PATTERNS),
            r.choice(node, "on_fail", place, ACTIONS), r.get(node, "required", place, bool, default=True),
            r.get(node, "note", place, str, default="")))
    rows = []
    for i, node in enumerate(r.items(doc, "results", "")):
        place = f"results[{i}]"
        rows.append(ResultRow(r.get(node, "id", place, str),
                              _patterns(r, r.get(node, "when", place, dict), f"{place}.when", names, PATTERNS),
                              r.choice(node, "result", place, RESULTS), r.choice(node, "action", place, ACTIONS),
                              r.get(node, "note", place, str, default="")))
    _unique(r, [c.rule_id for c in controls] + [row.rule_id for row in rows], "controls/results id")
    citations = r.items(doc, "citations", "")
    if not all(isinstance(c, str) and c.strip() for c in citations):
        raise r.fail("citations", "a list of non-empty strings", citations)
    node = r.get(doc, "replicates", "", dict, default={})
    minimum = r.get(node, "min_detected", "replicates", int, default=None)
    if minimum is not None and minimum < 1:
        raise r.fail("replicates.min_detected", "an integer >= 1", minimum)
    replicates = Replicates(_number(r, node, "max_cq_spread", "replicates"), minimum,
                            _number(r, node, "max_tm_spread_c", "replicates"))
    return Assay(r.get(doc, "id", "", str), str(r.get(doc, "version", "", (str, int, float))),
                 r.get(doc, "title", "", str), cast(Literal["qpcr", "dpcr"], kind), tuple(citations),
                 tuple(targets), tuple(controls), tuple(rows), replicates,
                 hashlib.sha256(data).hexdigest(), _cq_definition(r, doc, kind, names))


def shipped_assays() -> tuple[str, ...]:
    """Names of the assays shipped with chipdx."""
    folder = resources.files("chipdx.interpret") / "assays"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_assay(name: str) -> Assay:
    """Load a shipped assay by name (see :func:`shipped_assays`)."""
    if name not in shipped_assays():
        raise FormatError(name, "", "a shipped assay (" + ", ".join(shipped_assays()) + ") or an assay file",
                          quote(name))
    path = resources.files("chipdx.interpret") / "assays" / f"{name}.yaml"
    return parse_assay(path.read_bytes(), f"{name}.yaml")


def require_assay_targets(assay: Assay, measured: Iterable[str], source: str) -> None:
    """Refuse data that measure some of ``assay``'s targets but never others, naming both sides and close names.

    Data with none of the assay's targets (another assay's run in a batch) are not refused: they
    give no sample to call.

    Without this, a run whose target is named differently (``RNaseP`` for the CDC panel's ``RP``) or a
    run of another assay would make every sample ``invalid`` with no word that the names do not match.

    >>> try:
    ...     require_assay_targets(load_assay("cdc-2019-ncov"), ["N1", "N2", "RNaseP"], "run.rdml")
    ... except UnsupportedError as err:
    ...     print(str(err).replace("; ", ";\\n"))
    run.rdml: targets do not match assay cdc-2019-ncov: it needs N1, N2, RP;
    the data have N1, N2, RNaseP;
    RP not measured (RNaseP?)
    """
    have = list(dict.fromkeys(measured))
    missing = [t.name for t in assay.targets if t.name not in have]
    if not missing or len(missing) == len(assay.targets):
        return  # all measured, or a run of other targets that this assay does not call (a batch of mixed runs)
    extra = [name for name in have if name not in {t.name for t in assay.targets}]
    hints = [f"{name} not measured" + (f" ({', '.join(close)}?)" if (close := close_names(name, extra)) else "")
             for name in missing]
    raise UnsupportedError(f"{source}: targets do not match assay {assay.assay_id}: it needs "
                           f"{', '.join(t.name for t in assay.targets)}; the data have {', '.join(have) or 'none'}; "
                           + "; ".join(hints))
