"""Market-entry navigator (issue 13): IVD product profiles, to be classified per regulatory system.

Depends on nothing of chipdx but :mod:`chipdx.errors` (SPEC §6). This first piece holds the product
profile schema and its strict loader; classification, look-ups, plans and the dossier follow.
"""

from __future__ import annotations

from chipdx.market.profile import Analyte, Profile, load_profile, parse_profile

__all__ = ["Analyte", "Profile", "load_profile", "parse_profile"]
