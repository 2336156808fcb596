"""LIS messages of a released run: the store's released results handed to :mod:`chipdx.lis`.

Only released results leave (``store.released`` refuses a run never released: HTTP 409).
"""

from __future__ import annotations

from typing import Any

__all__ = ["fhir_bundle", "oru_message"]


def _context(store: Any, run_id: int, version: int | None = None) -> tuple[Any, Any]:
    from chipdx.lis import LisContext

    released = store.released(run_id, version)
    run, signature = released.run, released.release
    context = LisContext(run_id=run.id, assay=run.assay, file_name=run.file_name, file_sha256=run.sha256,
                         instrument=run.instrument, simulated=run.simulated, released_by=signature.user,
                         released_at=signature.at, release_version=signature.version)
    return released, context


def fhir_bundle(store: Any, run_id: int, version: int | None = None) -> dict[str, Any]:
    """The FHIR R4 Bundle (DiagnosticReport + Observations) of the run's current release (or ``version``)."""
    from chipdx.lis import build_fhir_bundle

    released, context = _context(store, run_id, version)
    bundle: dict[str, Any] = build_fhir_bundle(released.samples, context, corrected=released.corrected)
    return bundle


def oru_message(store: Any, run_id: int, version: int | None = None) -> str:
    """The HL7 v2.5.1 ORU^R01 message (ER7 text) of the run's current release (or ``version``)."""
    from chipdx.lis import build_oru_r01

    released, context = _context(store, run_id, version)
    return str(build_oru_r01(released.samples, context, corrected=released.corrected))
