"""Consistency checks of a dataset that reads: what a reviewer would flag before analysis.

Readers already refuse what breaks the format; these rules catch data that is
well-formed but not usable as it stands. Each finding has a stable code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chipdx.codes import Severity, describe
from chipdx.model import Dataset, PartitionCall, Run, SampleType

__all__ = ["Finding", "Severity", "check_dataset"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule: a stable code, where, and what is wrong."""

    code: str
    place: str
    message: str

    @property
    def severity(self) -> Severity:
        """``error`` makes ``chipdx validate`` fail; ``warning`` is reported only (from :mod:`chipdx.codes`)."""
        return describe(self.code).severity

    def __str__(self) -> str:
        return f"{self.code} {self.place}: {self.message}"


def _run_findings(dataset: Dataset, run: Run) -> list[Finding]:
    place = f"run {run.id!r}"
    findings = []
    if not run.reactions and not run.partitions:
        findings.append(Finding("DATA-EMPTY-RUN", place, "the run holds no reactions"))
    if run.amplification is not None:
        empty = np.all(np.isnan(run.amplification.fluorescence), axis=1)
        if run.melt is not None:
            empty &= np.all(np.isnan(run.melt.fluorescence), axis=1)
        for row in np.flatnonzero(empty)[:3]:
            reaction = run.reactions[row]
            findings.append(Finding("DATA-NO-POINTS", f"{place} well {reaction.well.label}",
                                    f"target {reaction.target_id!r} has no data points"))
        last = float(run.amplification.cycles[-1])
        for reaction in run.reactions:
            cq = reaction.reported.cq
            if cq is not None and cq > last + 1:
                findings.append(Finding("DATA-CQ-RANGE", f"{place} well {reaction.well.label}",
                    f"reported Cq {cq} is beyond the last cycle {last:g} (some instruments write it "
                    "for 'no Cq')"))
    for well in run.partitions:
        if well.calls is None:
            continue
        for counts in well.counts:
            if counts.target_id not in well.targets:
                continue
            column = well.calls[:, well.targets.index(counts.target_id)]
            positive = int(np.sum(column == PartitionCall.POSITIVE))
            if positive != counts.positive:
                findings.append(Finding("DATA-PARTITION-COUNT", f"{place} well {well.well.label}",
                    f"{counts.target_id!r}: {counts.positive} positive partitions reported, "
                    f"{positive} in the partition table"))
    return findings


def check_dataset(dataset: Dataset) -> list[Finding]:
    """All findings for ``dataset``, errors and warnings, in a stable order.

    >>> from chipdx.model import Dataset
    >>> check_dataset(Dataset(()))
    []
    """
    findings = []
    for sample in dataset.samples:
        if sample.type is SampleType.STANDARD and sample.quantity is None:
            findings.append(Finding("DATA-STD-NO-QUANTITY", f"sample {sample.id!r}",
                                    "a standard without a known quantity cannot calibrate"))
    for target in dataset.targets:
        if target.efficiency is not None and target.efficiency > 3:
            findings.append(Finding("DATA-EFFICIENCY-PERCENT", f"target {target.id!r}",
                f"efficiency {target.efficiency:g} looks like a percentage; RDML stores fold per cycle "
                "(2.0 = 100 %)"))
    for run in dataset.runs:
        findings += _run_findings(dataset, run)
    return findings
