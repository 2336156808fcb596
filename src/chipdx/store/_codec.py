"""The model's SampleResult as JSON and back, exactly (a stored result version keeps its target records)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from chipdx.model import SampleResult, TargetResult

__all__ = ["sample_from_json", "sample_to_json"]


def _tuples(cls: type[Any], data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"stored {cls.__name__} has unknown fields {sorted(unknown)}")
    return {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}


def sample_to_json(sample: SampleResult) -> str:
    """Canonical JSON (sorted keys) of one sample result with its targets."""
    return json.dumps(asdict(sample), sort_keys=True, ensure_ascii=False, allow_nan=False)


def sample_from_json(text: str) -> SampleResult:
    """The SampleResult that :func:`sample_to_json` wrote."""
    data = json.loads(text)
    targets = tuple(TargetResult(**_tuples(TargetResult, target)) for target in data.pop("targets"))
    return SampleResult(**_tuples(SampleResult, data), targets=targets)
