"""Output records of interpretation (fields of ``ai_interpretation.md`` §6.5).

The records live in :mod:`chipdx.model` (so that the store and the LIS builders depend on
the model alone); they are re-exported here, where interpretation makes them. Records are
immutable: a human override is stored as a new record, never by changing these.
"""

from chipdx.model import SampleResult, TargetResult

__all__ = ["SampleResult", "TargetResult"]
