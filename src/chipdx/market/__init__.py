"""Market-entry navigator (issue 13): classify an IVD product profile in 8 regulatory systems.

Depends on nothing of chipdx but :mod:`chipdx.errors` (SPEC §6). Every rule is versioned data in
``rules/*.yaml`` with its citation and dates; :func:`classify_all` returns, per system, the class,
route, the rules that fired, ``stated``/``derived``, the ruleset version, the as-of date and the
questions an expert must answer where the profile cannot decide.

The names below are imported on first use, so that a look-up (:mod:`chipdx.market.lookup`) does not
pay for loading the classification rules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chipdx.market.classify import Classification, classify, classify_all
    from chipdx.market.profile import Analyte, Profile, Software, load_profile, parse_profile
    from chipdx.market.rules import SYSTEMS

__all__ = ["SYSTEMS", "Analyte", "Classification", "Profile", "Software", "classify", "classify_all",
           "load_profile", "parse_profile"]

_HOMES = {"SYSTEMS": "rules", "Analyte": "profile", "Classification": "classify", "Profile": "profile",
          "Software": "profile", "classify": "classify", "classify_all": "classify", "load_profile": "profile",
          "parse_profile": "profile"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"chipdx.market.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
