"""An analysis as typed result records (:mod:`chipdx.model`): what every output, the store and the LIS read."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chipdx._version import __version__
from chipdx.model import DpcrWellResult, ReactionResult, ResultProvenance, SampleResult

if TYPE_CHECKING:
    import pandas as pd

    from chipdx.pipeline._analysis import Analysis

__all__ = ["ResultSet", "result_records"]


@dataclass(frozen=True, slots=True)
class ResultSet:
    """Every result of one analysis: qPCR reactions, dPCR well x targets, sample results."""

    reactions: tuple[ReactionResult, ...]
    dpcr: tuple[DpcrWellResult, ...]
    samples: tuple[SampleResult, ...]
    provenance: ResultProvenance


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def _codes(value: Any) -> tuple[str, ...]:
    return tuple(code for code in str(value).split(";") if code) if isinstance(value, str) else ()


def _parameters(attrs: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in attrs.items()))


def _reaction(row: Any, provenance: ResultProvenance, instrument_cq: float | None) -> ReactionResult:
    amplified = bool(row.amplified)
    return ReactionResult(
        str(row.run), str(row.well), str(row.sample), str(row.sample_type), str(row.target), str(row.dye),
        _number(row.cq) if amplified else None, _number(row.efficiency), _number(row.n0), amplified, _codes(row.flags),
        quantity=_number(row.quantity), instrument_cq=instrument_cq, p_amplified=_number(row.p_amplified),
        curve_call=str(row.curve_call), curve_flags=_codes(row.curve_flags),
        tm_c=_number(row.tm) if hasattr(row, "tm") else None, provenance=provenance)


def _well(row: Any, provenance: ResultProvenance) -> DpcrWellResult:
    return DpcrWellResult(
        str(row.run), str(row.well), str(row.sample), str(row.sample_type), str(row.target), str(row.channel),
        int(row.n_total), int(row.n_positive), int(row.n_negative), int(row.n_rain), _number(row.lambda_),
        _number(row.copies_per_ul), _number(row.ci_low), _number(row.ci_high), _number(row.threshold),
        _codes(row.flags), provenance=provenance)


def _dpcr_records(frame: pd.DataFrame, base: ResultProvenance) -> tuple[DpcrWellResult, ...]:
    from chipdx.analysis.dpcr import RESULT_COLUMNS

    settings = frame.attrs.get("settings", {})
    provenance = ResultProvenance(base.software_version, "chipdx dPCR engine", _parameters(settings),
                                  source_sha256=base.source_sha256)
    columns = [*RESULT_COLUMNS, "run", "sample_type"]
    rows = frame[columns].rename(columns={"lambda": "lambda_"}).itertuples(index=False)
    return tuple(_well(row, provenance) for row in rows)


def result_records(analysis: Analysis, *, source_sha256: str | None = None) -> ResultSet:
    """The records of ``analysis``: one per reaction, per dPCR well x target and per sample result.

    ``source_sha256`` is the SHA-256 of the file the dataset was read from, carried in every
    record's provenance (the store and batch key runs by it).
    """
    model, assay = analysis.model, analysis.assay
    base = ResultProvenance(__version__, model_id=model.model_id, model_sha256=model.sha256,
                            ruleset_id=assay.ruleset_id if assay else None,
                            ruleset_sha256=assay.sha256 if assay else None, source_sha256=source_sha256)
    reactions: list[ReactionResult] = []
    for qpcr in analysis.qpcr:
        provenance = ResultProvenance(
            __version__, str(qpcr.table.attrs.get("method", "")), _parameters(qpcr.table.attrs.get("parameters", {})),
            model.model_id, model.sha256, base.ruleset_id, base.ruleset_sha256, source_sha256)
        reported = [r.reported.cq for r in qpcr.run.reactions]
        reactions += [_reaction(row, provenance, cq) for row, cq in
                      zip(qpcr.table.itertuples(index=False), reported, strict=True)]
    dpcr = _dpcr_records(analysis.dpcr, base) if analysis.dpcr is not None else ()
    return ResultSet(tuple(reactions), dpcr, analysis.results, base)
