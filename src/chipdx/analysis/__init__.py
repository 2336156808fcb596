"""Analysis: pure functions over the data model (never reads or writes files)."""

from chipdx.analysis.checks import Finding, Severity, check_dataset
from chipdx.analysis.summary import RunSummary, summarise

__all__ = ["Finding", "RunSummary", "Severity", "check_dataset", "summarise"]
