"""What the LIS builders need besides the sample results: the run, its release and who is sending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from chipdx.errors import LisError

__all__ = ["LisContext"]


@dataclass(frozen=True, slots=True)
class LisContext:
    """The run and its e-signed release (from ``chipdx.store``'s ``ReleasedRun``), and the two applications.

    ``simulated`` marks data from DLOC-Sim: HL7 processing id ``T`` (training) and a note on every order,
    FHIR ``Device`` with a ``simulated`` property and a ``Bundle.meta.tag``.
    """

    run_id: int
    assay: str
    file_name: str
    file_sha256: str
    instrument: str
    simulated: bool
    released_by: str
    released_at: datetime
    release_version: int
    sending_facility: str = "chipdx-lab"
    receiving_application: str = "LIS"
    receiving_facility: str = ""

    def __post_init__(self) -> None:
        if self.released_at.tzinfo is None:
            raise ValueError("LisContext.released_at must be timezone-aware (UTC)")
        if self.release_version < 1:
            raise ValueError("LisContext.release_version: only released results leave (version >= 1)")

    def corrected_flags(self, n_samples: int, corrected: Sequence[bool]) -> list[bool]:
        """One "corrected" flag per sample (all ``False`` when none are given); refuses an empty run."""
        if n_samples == 0:
            raise LisError(f"run {self.run_id}: no sample results to send")
        flags = list(corrected) or [False] * n_samples
        if len(flags) != n_samples:
            raise LisError(f"run {self.run_id}: {len(flags)} corrected flags for {n_samples} samples")
        return flags

    @property
    def released_utc(self) -> datetime:
        return self.released_at.astimezone(UTC)
