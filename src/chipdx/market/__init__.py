"""Market-entry navigator (issue 13): classify an IVD product profile in 8 regulatory systems.

Depends on nothing of chipdx but :mod:`chipdx.errors` (SPEC §6). Every rule is versioned data in
``rules/*.yaml`` with its citation and dates; :func:`classify_all` returns, per system, the class,
route, the rules that fired, ``stated``/``derived``, the ruleset version, the as-of date and the
questions an expert must answer where the profile cannot decide.
"""

from __future__ import annotations

from chipdx.market.classify import Classification, classify, classify_all
from chipdx.market.profile import Analyte, Profile, Software, load_profile, parse_profile
from chipdx.market.rules import SYSTEMS

__all__ = ["SYSTEMS", "Analyte", "Classification", "Profile", "Software", "classify", "classify_all",
           "load_profile", "parse_profile"]
