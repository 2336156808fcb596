"""The SiLA 2 feature definitions (FDL XML files in ``fdl/`` beside this module) and their errors.

``ChipController`` and ``ProtocolRunner`` are chipdx's own features (originator ``org.chipdx``,
category ``dloc``). ``SimulationController`` is written after the SiLA 2 core feature of that
name (``org.silastandard/core/SimulationController/v1``), which the ``sila2`` library does not
ship. Features are parsed once, on first use (parsing compiles their protocol buffers).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sila2.framework import DefinedExecutionError, Feature

__all__ = ["FEATURE_NAMES", "defined_error", "feature"]

FEATURE_NAMES: tuple[str, ...] = ("ChipController", "ProtocolRunner", "SimulationController")
_FOLDER = Path(__file__).with_name("fdl")


@cache
def feature(name: str) -> Feature:
    """The parsed feature ``name`` (one of :data:`FEATURE_NAMES`)."""
    if name not in FEATURE_NAMES:
        raise KeyError(name)
    return Feature((_FOLDER / f"{name}.sila.xml").read_text(encoding="utf-8"))


def defined_error(feature_name: str, identifier: str, message: str) -> DefinedExecutionError:
    """A defined execution error of a feature, with a one-line message."""
    node = feature(feature_name).defined_execution_errors[identifier]
    return DefinedExecutionError(node, message=" ".join(message.split()))
