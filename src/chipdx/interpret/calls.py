"""The final amplification call of one reaction: the engine's Cq read through the curve classifier.

The same reading as the rule engine's target calls (:mod:`chipdx.interpret.rules`): a curve
the classifier sends to review is ``review``; no Cq is ``not_amplified``; a Cq on a curve the
classifier calls not amplified is ignored (``not_amplified``, reason ``AI-NOT-AMPLIFIED``); else
``amplified``. Without a classifier call (a Cq-only file) the Cq alone decides.

>>> [reaction_call(c, a) for c, a in ((20.7, "not_amplified"), (25.0, "amplified"), (None, "amplified"),
...                                   (31.0, "review"), (28.0, None))]
['not_amplified', 'amplified', 'not_amplified', 'review', 'amplified']
"""

from __future__ import annotations

import math

__all__ = ["REACTION_CALLS", "reaction_call"]

REACTION_CALLS = ("amplified", "not_amplified", "review")


def reaction_call(cq: float | None, curve_call: str | None) -> str:
    """``amplified``, ``not_amplified`` or ``review``: Cq ``cq`` read through classifier call ``curve_call``."""
    if curve_call == "review":
        return "review"
    if cq is None or not math.isfinite(cq) or curve_call == "not_amplified":
        return "not_amplified"
    return "amplified"
