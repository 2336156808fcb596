"""HL7 v2.5.1 ORU^R01 (unsolicited observation result) built and validated with ``hl7apy``.

One ``PATIENT_RESULT`` per sample (no PID: chipdx knows specimens, not patients; the LIS links them by the
specimen id in SPM-2 and the filler order number), each with ORC (``RE``), OBR (the assay panel, result
status ``F`` final or ``C`` corrected, released-by in OBR-32), OBX for the sample result (CWE coded with SNOMED
CT) with an NTE naming every pathogen detected (co-infections: all) and the findings, per target its reportable
result (CWE) plus NM Cq ({cycles}) and copies/µL ({copies}/uL) where measured, NTE for
simulated data, and SPM. OBX-17 names the chipdx rule set and code table, OBX-18 the instrument.
Sources: HL7 v2.5.1 Ch. 2 (escaping, MSH), Ch. 7 (ORU^R01, OBR, OBX), Ch. 2 data types CWE, DTM;
LOINC's SARS-CoV-2 reporting note on OBX-17/OBX-18 and SPM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chipdx.errors import LisError
from chipdx.lis._codes import Code, code_table
from chipdx.lis._context import LisContext
from chipdx.lis._interpretation import interpretation
from chipdx.model import SampleResult, TargetResult

__all__ = ["build_oru_r01", "escape", "parse_oru_r01"]

VERSION = "2.5.1"
_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"))


def escape(text: str) -> str:
    """Text made safe for an HL7 v2 field (HL7 v2.5.1 §2.7.1: \\F\\ \\S\\ \\T\\ \\R\\ \\E\\; no line breaks)."""
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return " ".join(text.split())


def _dtm(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%z")


def _cwe(code: Code) -> str:
    return f"{escape(code.code)}^{escape(code.display)}^{code.hl7_system}"


def _hl7apy() -> tuple[Any, Any]:
    try:
        from hl7apy.consts import VALIDATION_LEVEL
        from hl7apy.core import Message
    except ImportError as exc:  # pragma: no cover - hl7apy is in the 'service' extra
        raise LisError(f"HL7 v2 needs the 'service' extra (pip install 'chipdx[service]'): {exc}") from exc
    return Message, VALIDATION_LEVEL


class _Obx:
    """Numbered OBX segments of one order."""

    def __init__(self, order: Any, status: str, when: str, method: str, equipment: str) -> None:
        self.order, self.status, self.when, self.method, self.equipment = order, status, when, method, equipment
        self.count = 0

    def add(self, value_type: str, code: Code, value: str, *, units: Code | None = None, sub_id: str = "",
            note: str = "") -> None:
        self.count += 1
        group = self.order.add_group("ORU_R01_OBSERVATION")
        obx = group.obx
        obx.obx_1 = str(self.count)
        obx.obx_2 = value_type
        obx.obx_3 = _cwe(code)
        if sub_id:
            obx.obx_4 = escape(sub_id)
        obx.obx_5 = value
        if units is not None:
            obx.obx_6 = _cwe(units)
        obx.obx_11 = self.status
        obx.obx_14 = self.when
        obx.obx_17 = self.method
        obx.obx_18 = self.equipment
        if note:
            group.add_segment("NTE").nte_3 = escape(note)


def _target_segments(obx: _Obx, assay: str, target: TargetResult) -> None:
    table = code_table()
    code = table.target(assay, target.target)
    obx.add("CWE", code, _cwe(table.result(target.result)), sub_id=target.target)
    if target.cq is not None:
        obx.add("NM", table.measurement(assay, target.target, "cq"), f"{target.cq:.2f}", units=table.units["cq"],
                sub_id=target.target)
    if target.copies_per_ul is not None:
        obx.add("NM", table.measurement(assay, target.target, "copies_per_ul"), f"{target.copies_per_ul:.6g}",
                units=table.units["copies_per_ul"], sub_id=target.target)


def _order(message: Any, number: int, sample: SampleResult, ctx: LisContext, *, corrected: bool) -> None:
    table = code_table()
    status, when = ("C" if corrected else "F"), _dtm(ctx.released_utc)
    filler = escape(f"{ctx.run_id}-{sample.sample}")
    group = message.add_group("ORU_R01_PATIENT_RESULT").add_group("ORU_R01_ORDER_OBSERVATION")
    group.orc.orc_1 = "RE"
    group.orc.orc_3 = filler
    group.obr.obr_1 = str(number)
    group.obr.obr_3 = filler
    group.obr.obr_4 = _cwe(table.panel(ctx.assay))
    group.obr.obr_7 = when
    group.obr.obr_22 = when
    group.obr.obr_25 = status
    group.obr.obr_32 = escape(ctx.released_by)
    if ctx.simulated:
        group.add_segment("NTE").nte_3 = "Simulated data (DLOC-Sim v1): not a patient result"
    method = (f"{escape(sample.ruleset_id)}^{escape(f'chipdx {sample.software_version}; rules {sample.ruleset_id} ')}"
              f"{sample.ruleset_sha256[:12]}; codes {escape(table.label)}^L")
    obx = _Obx(group, status, when, method, escape(ctx.instrument or "chipdx"))
    obx.add("CWE", table.panel(ctx.assay), _cwe(table.result(sample.result)), sub_id="result",
            note=interpretation(sample))
    for target in sample.targets:
        _target_segments(obx, ctx.assay, target)
    spm = group.add_group("ORU_R01_SPECIMEN").spm
    spm.spm_1 = "1"
    spm.spm_2 = escape(sample.sample)
    spm.spm_4 = f"{escape(sample.sample_type or 'unkn')}^{escape(sample.sample_type or 'unknown')}^L"


def build_oru_r01(samples: Sequence[SampleResult], ctx: LisContext, *,
                  corrected: Sequence[bool] = ()) -> str:
    """The ER7 text (segments ended by ``\\r``) of one ORU^R01 for a released run, validated (STRICT)."""
    flags = ctx.corrected_flags(len(samples), corrected)
    message_class, levels = _hl7apy()
    message = message_class("ORU_R01", version=VERSION, validation_level=levels.STRICT)
    message.msh.msh_3 = f"chipdx^{escape(samples[0].software_version)}"
    message.msh.msh_4 = escape(ctx.sending_facility)
    message.msh.msh_5 = escape(ctx.receiving_application)
    if ctx.receiving_facility:
        message.msh.msh_6 = escape(ctx.receiving_facility)
    message.msh.msh_7 = _dtm(ctx.released_utc)
    message.msh.msh_9 = "ORU^R01^ORU_R01"
    message.msh.msh_10 = f"chipdx-{ctx.run_id}-r{ctx.release_version}"
    message.msh.msh_11 = "T" if ctx.simulated else "P"
    for number, (sample, flag) in enumerate(zip(samples, flags, strict=True), start=1):
        _order(message, number, sample, ctx, corrected=flag)
    return _validated(message, ctx)


def _validated(message: Any, ctx: LisContext) -> str:
    from hl7apy.exceptions import HL7apyException

    try:
        message.validate()
        text: str = message.to_er7()
    except HL7apyException as exc:
        raise LisError(f"run {ctx.run_id}: HL7 v2.5.1 ORU^R01 failed validation: {exc}") from exc
    return text + "\r"


def parse_oru_r01(text: str) -> Any:
    """Parse and validate (STRICT) an ORU^R01 message; returns the ``hl7apy`` message. :class:`LisError` if invalid."""
    from hl7apy.consts import VALIDATION_LEVEL
    from hl7apy.exceptions import HL7apyException
    from hl7apy.parser import parse_message

    try:
        message = parse_message(text.replace("\n", "\r").strip("\r"), validation_level=VALIDATION_LEVEL.STRICT,
                                find_groups=True)
        message.validate()
    except HL7apyException as exc:
        raise LisError(f"HL7 message: expected a valid v2.5.1 ORU^R01, found: {exc}") from exc
    return message
