"""The product profile of an IVD: a small YAML document, validated field by field.

Every wrong profile raises :class:`~chipdx.errors.FormatError` with one line naming the file, the
field, the allowed values and what was found. YAML anchors and aliases are refused (they are the
vehicle of "billion laughs" expansion), as are unknown fields and files over 1 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chipdx.errors import FormatError, UnsafeInputError, quote

__all__ = ["Analyte", "Profile", "Software", "load_profile", "parse_profile", "read_yaml"]

MAX_BYTES = 1 << 20

PURPOSES = (
    "diagnosis", "aid_to_diagnosis", "screening", "monitoring", "staging", "prognosis",
    "companion_diagnostic", "donor_screening", "blood_grouping", "predisposition", "sample_preparation",
)
CATEGORIES = (
    "transmissible_agent", "human_genetics", "cancer", "congenital", "blood_group", "tissue_typing",
    "metabolic", "therapy_monitoring", "other",
)
RISKS = ("none", "low", "moderate", "high", "life_threatening")
SITUATIONS = ("critical", "serious", "non_serious")
SIGNIFICANCES = ("diagnose", "drive", "inform")
HARMS = ("death", "injury", "none")
USERS = ("professional_lab", "near_patient", "self_test")
COMPONENTS = ("reagent", "instrument", "software", "ai_software", "calibrator", "control", "specimen_receptacle")
RESULT_KINDS = ("qualitative", "quantitative", "semi_quantitative")

TOP_FIELDS = (
    "name", "purposes", "analytes", "specimen", "user", "technology", "result", "sole_determinant", "components",
    "software",
)
SOFTWARE_FIELDS = ("situation", "significance", "failure_harm")
ANALYTE_FIELDS = ("name", "category", "risk")


@dataclass(frozen=True)
class Analyte:
    """One measurand with its category and, for transmissible agents, its risk (``unknown`` when not given)."""

    name: str
    category: str
    risk: str


@dataclass(frozen=True)
class Software:
    """What the SaMD grids (IMDRF N12, Korean digital notice annex 4) need about standalone software."""

    situation: str
    significance: str
    failure_harm: str


@dataclass(frozen=True)
class Profile:
    """What a classification needs to know about an IVD."""

    name: str
    purposes: tuple[str, ...]
    analytes: tuple[Analyte, ...]
    specimen: str
    user: str
    technology: str
    result: str
    sole_determinant: bool
    components: tuple[str, ...]
    software: Software | None = None


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"alias *{event.anchor} at line {event.start_mark.line + 1}")
        return super().compose_node(parent, index)


def load_profile(path: Path) -> Profile:
    """Read and validate the profile at *path*."""
    return parse_profile(read_yaml(path), str(path))


def read_yaml(path: Path) -> object:
    """Parse a small YAML file safely: at most 1 MiB, UTF-8, no anchors or aliases; one-line errors."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(name, "", "a readable file", exc.strerror or type(exc).__name__) from None
    if len(data) > MAX_BYTES:
        raise UnsafeInputError(name, "", f"at most {MAX_BYTES} bytes", f"{len(data)} bytes")
    try:
        text = data.decode("utf-8")
        return yaml.load(text, Loader=_NoAliasLoader)
    except UnicodeDecodeError:
        raise FormatError(name, "", "UTF-8 text", "undecodable bytes") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else ""
        if "alias" in str(exc) and mark is None:
            raise UnsafeInputError(name, "", "YAML without anchors or aliases", str(exc)) from None
        raise FormatError(name, place, "well-formed YAML", getattr(exc, "problem", None) or str(exc)) from None


def parse_profile(document: object, file: str = "<profile>") -> Profile:
    """Validate an already-parsed mapping as a profile."""
    top = _mapping(document, file, "", TOP_FIELDS)
    name = _text(top, "name", file, "")
    purposes = _choices(top, "purposes", PURPOSES, file)
    analytes = top.get("analytes")
    if not isinstance(analytes, list) or not analytes:
        raise FormatError(file, "analytes", "a non-empty list of analytes", quote(analytes))
    return Profile(
        name=name,
        purposes=purposes,
        analytes=tuple(_analyte(item, file, i) for i, item in enumerate(analytes, 1)),
        specimen=_text(top, "specimen", file, ""),
        user=_choice(top, "user", USERS, file, ""),
        technology=_text(top, "technology", file, ""),
        result=_choice(top, "result", RESULT_KINDS, file, ""),
        sole_determinant=_flag(top, "sole_determinant", file),
        components=_choices(top, "components", COMPONENTS, file),
        software=_software(top["software"], file) if "software" in top else None,
    )


def _software(value: object, file: str) -> Software:
    fields = _mapping(value, file, "software", SOFTWARE_FIELDS)
    return Software(
        situation=_choice(fields, "situation", SITUATIONS, file, "software"),
        significance=_choice(fields, "significance", SIGNIFICANCES, file, "software"),
        failure_harm=_choice(fields, "failure_harm", HARMS, file, "software"),
    )


def _analyte(item: object, file: str, index: int) -> Analyte:
    place = f"analytes[{index}]"
    fields = _mapping(item, file, place, ANALYTE_FIELDS)
    category = _choice(fields, "category", CATEGORIES, file, place)
    default = "unknown" if category == "transmissible_agent" else "none"
    risk = _choice(fields, "risk", RISKS, file, place) if "risk" in fields else default
    return Analyte(_text(fields, "name", file, place), category, risk)


def _mapping(value: object, file: str, place: str, allowed: tuple[str, ...]) -> dict[str, object]:
    if not isinstance(value, dict):
        raise FormatError(file, place or "document", "a mapping of fields", type(value).__name__)
    for key in value:
        if key not in allowed:
            expected = f"one of the fields {', '.join(allowed)}"
            raise FormatError(file, _join(place, str(key)), expected, "an unknown field")
    return value


def _text(fields: dict[str, object], key: str, file: str, place: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormatError(file, _join(place, key), "a non-empty text", quote(value))
    return value.strip()


def _choice(fields: dict[str, object], key: str, allowed: tuple[str, ...], file: str, place: str) -> str:
    value = fields.get(key)
    if value not in allowed:
        raise FormatError(file, _join(place, key), f"one of {', '.join(allowed)}", quote(value))
    return str(value)


def _choices(fields: dict[str, object], key: str, allowed: tuple[str, ...], file: str) -> tuple[str, ...]:
    value = fields.get(key)
    if not isinstance(value, list) or not value:
        raise FormatError(file, key, f"a non-empty list of {', '.join(allowed)}", quote(value))
    for i, item in enumerate(value, 1):
        if item not in allowed:
            raise FormatError(file, f"{key}[{i}]", f"one of {', '.join(allowed)}", quote(item))
    return tuple(str(item) for item in value)


def _flag(fields: dict[str, object], key: str, file: str) -> bool:
    value = fields.get(key)
    if not isinstance(value, bool):
        raise FormatError(file, key, "true or false", quote(value))
    return value


def _join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key
