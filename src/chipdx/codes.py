"""The one registry of chipdx's stable codes: every QC flag, reason code and rule code, with its meaning.

A code never changes once released: it appears verbatim in CSV files, reports, the store and
LIS messages. Each has a meaning in words (what a reviewer reads), a severity (what it does to
a result) and the part of chipdx that raises it. The engines keep their fast representations
(bit masks, enums) but take their wording from here, and the report, CLI help, service and LIS
look codes up here.

>>> describe("QC-NTC-AMPLIFICATION").severity
<Severity.ERROR: 'error'>
>>> meaning("AI-BAND")
'p_amplified inside the conformal review band (both classes plausible)'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from chipdx.errors import UnsupportedError

__all__ = ["CODES", "Code", "Kind", "Severity", "Source", "codes_of", "describe", "markdown_table", "meaning"]


class Severity(StrEnum):
    """What a code does to a result: ``info`` nothing; ``warning`` reported; ``review`` holds the result for a
    person; ``error`` makes it invalid (or ``chipdx validate`` fail)."""

    INFO = "info"
    WARNING = "warning"
    REVIEW = "review"
    ERROR = "error"


class Kind(StrEnum):
    """A QC flag (a fact about a reaction or well), a reason (why a call was made) or a data check finding."""

    QC_FLAG = "qc-flag"
    REASON = "reason"
    DATA_CHECK = "data-check"


class Source(StrEnum):
    """The part of chipdx that raises the code."""

    QPCR = "qpcr engine"
    MELT = "melt analysis"
    STANDARD_CURVE = "standard curve"
    DPCR = "dpcr engine"
    CLASSIFIER = "curve classifier"
    RULES = "decision table"
    CHECKS = "data checks"


@dataclass(frozen=True, slots=True)
class Code:
    """One stable code: ``QC-NO-PLATEAU`` and what it means."""

    code: str
    meaning: str
    severity: Severity
    kind: Kind
    sources: tuple[Source, ...]


_I, _W, _R, _E = Severity.INFO, Severity.WARNING, Severity.REVIEW, Severity.ERROR
_Q, _RS, _D = Kind.QC_FLAG, Kind.REASON, Kind.DATA_CHECK
_TABLE: tuple[tuple[str, Severity, Kind, tuple[Source, ...], str], ...] = (
    # qPCR engine (analysis.qpcr.flags: one bit each)
    ("QC-NO-DATA", _E, _Q, (Source.QPCR,), "the reaction has no finite reading"),
    ("QC-SHORT-CURVE", _E, _Q, (Source.QPCR,), "fewer readings than the minimum to analyse (default 10 cycles)"),
    ("QC-GAPS-FILLED", _I, _Q, (Source.QPCR,),
     "missing readings were filled by linear interpolation (edges: nearest value)"),
    ("QC-NO-AMPLIFICATION", _I, _Q, (Source.QPCR,),
     "no amplification: no rise above the ground-phase noise with an exponential phase"),
    ("QC-NO-PLATEAU", _W, _Q, (Source.QPCR,),
     "the curve is still rising steeply at the last cycle (no plateau reached)"),
    ("QC-UNSTABLE-BASELINE", _W, _Q, (Source.QPCR,),
     "the ground phase drifts by more than the amplitude allows, or the Cq moves by more than 0.5 cycle when the "
     "baseline changes by 5 %"),
    ("QC-BASELINE-ERROR", _W, _Q, (Source.QPCR,),
     "no baseline makes the log-linear phase straight (LinRegPCR criterion failed)"),
    ("QC-NOISY", _W, _Q, (Source.QPCR,), "cycle-to-cycle noise of the ground phase is large against the amplitude"),
    ("QC-SPIKE", _W, _Q, (Source.QPCR, Source.CLASSIFIER), "one reading jumps far from both neighbours"),
    ("QC-STEP", _W, _Q, (Source.QPCR, Source.CLASSIFIER), "the curve shifts abruptly and stays shifted (a level step)"),
    ("QC-LATE", _W, _Q, (Source.QPCR,), "the Cq is within 5 cycles of the last cycle"),
    ("QC-EARLY", _W, _Q, (Source.QPCR,), "the Cq is so early that there are fewer than 3 ground-phase cycles"),
    ("QC-EFFICIENCY-OUTLIER", _W, _Q, (Source.QPCR,),
     "the reaction's efficiency differs from its amplicon's (robust z > 3.5, Bar 2003)"),
    ("QC-KINETIC-OUTLIER", _W, _Q, (Source.QPCR,),
     "the curve shape (cpD1 - cpD2, efficiency) is far from its amplicon's (robust Mahalanobis distance, "
     "Tichopad 2010)"),
    ("QC-REPLICATE-OUTLIER", _W, _Q, (Source.QPCR,),
     "the Cq is more than 4 robust SD (and 0.25 cycle) from its replicates' median"),
    ("QC-NTC-AMPLIFICATION", _E, _Q, (Source.QPCR,), "a no-template control amplified"),
    ("QC-NEGATIVE-SIGNAL", _W, _Q, (Source.QPCR,), "the curve falls markedly (negative amplitude)"),
    ("QC-SHORT-LOG-PHASE", _W, _Q, (Source.QPCR,), "the log-linear phase spans fewer than 4 usable cycles"),
    ("QC-LOW-EFFICIENCY", _W, _Q, (Source.QPCR,),
     "the reaction's efficiency is below 1.7 fold per cycle (inhibition, poor assay)"),
    # reviewer settings (pipeline.ManualSettings): the Cq was recomputed as a person asked
    ("QC-MANUAL-THRESHOLD", _I, _Q, (Source.QPCR,),
     "the Cq is the crossing of a threshold a reviewer set for the target (re-analysed, audited)"),
    ("QC-MANUAL-BASELINE", _I, _Q, (Source.QPCR,),
     "the baseline is the mean over cycles a reviewer set for the target (re-analysed, audited)"),
    # the Cq an assay's cut-offs are defined on (the assay's cq: block)
    ("CQ-INSTRUMENT-MISSING", _W, _Q, (Source.RULES,),
     "the assay's cut-offs are on the instrument's Cq and the file reports none: chipdx's fallback Cq was compared"),
    ("CQ-NOT-ASSAY-METHOD", _W, _Q, (Source.RULES,),
     "a Cq table's Cq (read as the instrument's) was compared with cut-offs the assay states on another Cq"),
    # melt analysis
    ("QC-MELT-NO-PEAK", _W, _Q, (Source.MELT,), "no -dF/dT peak stands out of the background"),
    ("QC-MELT-MULTIPLE-PRODUCTS", _W, _Q, (Source.MELT,),
     "a second peak at least 25 % of the main one and 2 °C or more away"),
    ("QC-MELT-PRIMER-DIMER", _W, _Q, (Source.MELT,),
     "a peak >= 15 % of the main one, >= 5 °C below it and below 80 °C (primer dimer)"),
    ("QC-MELT-TM-OUT-OF-RANGE", _W, _Q, (Source.MELT,),
     "the main peak's Tm lies outside the expected Tm window of the target"),
    # standard curve
    ("QC-EFFICIENCY-MISMATCH", _W, _Q, (Source.STANDARD_CURVE,),
     "the standard curve's efficiency and the amplicon's mean curve efficiency disagree"),
    # dPCR engine
    ("QC-DPCR-EMPTY-WELL", _E, _Q, (Source.DPCR,), "No valid partition at all"),
    ("QC-DPCR-FEW-PARTITIONS", _E, _Q, (Source.DPCR,), "Fewer accepted partitions than min_partitions"),
    ("QC-DPCR-INVALID-PARTITIONS", _W, _Q, (Source.DPCR,),
     "More than max_invalid_fraction of partitions invalid (instrument-excluded or NaN)"),
    ("QC-DPCR-FAILED-WELL", _E, _Q, (Source.DPCR,),
     "The well's negative cloud lies more than failed_well_sd robust SDs from the median of its assay's wells"),
    ("QC-DPCR-POOR-SEPARATION", _W, _Q, (Source.DPCR,), "Cloud resolution below min_resolution"),
    ("QC-DPCR-HIGH-RAIN", _W, _Q, (Source.DPCR,),
     "More than max_rain_fraction of accepted partitions lie between the clouds"),
    ("QC-DPCR-SATURATED", _W, _Q, (Source.DPCR,),
     "lambda above max_lambda (or every partition positive): imprecise or unquantifiable"),
    ("QC-DPCR-ONE-CLOUD", _I, _Q, (Source.DPCR,),
     "The assay shows one cloud only; the threshold is negative-cloud + 7 SD"),
    ("QC-DPCR-CHANNEL-MISSING", _E, _Q, (Source.DPCR,), "The layout names a channel the well's file does not have"),
    ("QC-DPCR-MANUAL-THRESHOLD", _I, _Q, (Source.DPCR,), "The threshold was set by the user"),
    ("QC-DPCR-MULTIPLEX-UNRESOLVED", _W, _Q, (Source.DPCR,),
     "Fewer clusters than targets were found on the reference well"),
    ("QC-DPCR-SPILL-ESTIMATED", _I, _Q, (Source.DPCR,),
     "Spill into this channel was estimated from the droplets and subtracted (no calibration given)"),
    # curve classifier: artefact flags and reasons
    ("QC-DRIFT", _W, _Q, (Source.CLASSIFIER,),
     "straight-line rise, no sigmoid: baseline creep rather than amplification"),
    ("QC-HOOK", _W, _Q, (Source.CLASSIFIER,), "the curve falls by more than 20 % of its range after its maximum"),
    ("QC-LATE-RISE", _W, _Q, (Source.CLASSIFIER,),
     "the rise starts in the last 15 % of the cycles (primer-dimer-like)"),
    ("QC-TOO-SHORT", _E, _Q, (Source.CLASSIFIER,), "too few readings to classify the curve"),
    ("QC-OOD", _R, _Q, (Source.CLASSIFIER,), "curve features outside the classifier's training distribution"),
    ("AI-AMPLIFIED", _I, _RS, (Source.CLASSIFIER,), "classifier: amplified, outside the review band"),
    ("AI-NOT-AMPLIFIED", _I, _RS, (Source.CLASSIFIER, Source.RULES),
     "curve classifier: not amplified, the Cq is ignored"),
    ("AI-BAND", _R, _RS, (Source.CLASSIFIER,), "p_amplified inside the conformal review band (both classes plausible)"),
    ("AI-OOD", _R, _RS, (Source.CLASSIFIER,), "curve features outside the training distribution"),
    ("AI-ARTEFACT", _R, _RS, (Source.CLASSIFIER,), "artefact flag blocks automatic release"),
    ("AI-NO-FEATURES", _R, _RS, (Source.CLASSIFIER,), "too few readings to compute features"),
    # decision tables
    ("CQ-BELOW-CUTOFF", _I, _RS, (Source.RULES,), "Cq below the assay cut-off: detected"),
    ("CQ-AT-OR-ABOVE-CUTOFF", _I, _RS, (Source.RULES,),
     "Cq at or above the cut-off (strict) or above it (inclusive): not detected"),
    ("NO-CQ", _I, _RS, (Source.RULES,), "no Cq (no threshold crossing): not detected"),
    ("AI-REVIEW", _R, _RS, (Source.RULES,), "curve classifier routed the curve to review"),
    ("TM-IN-WINDOW", _I, _RS, (Source.RULES,), "melt peak inside the target's Tm window"),
    ("TM-NEAR-WINDOW", _R, _RS, (Source.RULES,), "melt peak within the review margin outside the Tm window: review"),
    ("TM-OUT-OF-WINDOW", _I, _RS, (Source.RULES,), "melt peak outside the Tm window: not this product"),
    ("NO-TM", _R, _RS, (Source.RULES,), "the assay needs a melt peak and none was given: review"),
    ("ABOVE-LOB", _I, _RS, (Source.RULES,), "dPCR concentration above the limit of blank: detected"),
    ("BELOW-LOD", _W, _RS, (Source.RULES,), "dPCR concentration above LoB but below LoD (report '< LoD')"),
    ("AT-OR-BELOW-LOB", _I, _RS, (Source.RULES,), "dPCR concentration at or below the limit of blank: not detected"),
    ("NO-VALUE", _I, _RS, (Source.RULES,), "no concentration reported"),
    ("PARTITIONS-LOW", _E, _RS, (Source.RULES,), "fewer accepted partitions than the assay minimum: invalid"),
    ("REPLICATE-DISCORDANT", _R, _RS, (Source.RULES,), "replicates disagree (call or Cq spread): review"),
    ("REPLICATES-K-OF-N", _I, _RS, (Source.RULES,),
     "at least the assay's minimum number of replicates detected: detected"),
    ("REPLICATES-BELOW-K", _I, _RS, (Source.RULES,),
     "fewer replicates detected than the assay's minimum: not detected"),
    ("REPLICATE-TM-SPREAD", _I, _RS, (Source.RULES,),
     "detected replicates' melt peaks disagree beyond the limit: not detected"),
    ("CONTROL-FAILED", _E, _RS, (Source.RULES,), "a control failed: specimens of the run are invalid"),
    ("CONTROL-MISSING", _E, _RS, (Source.RULES,), "a required control is absent from the run"),
    ("CONTROL-REVIEW", _R, _RS, (Source.RULES,), "a control needs review: specimens held"),
    ("CONTROL-PASSED", _I, _RS, (Source.RULES,), "control as expected"),
    ("NO-CONTROL-RULE", _R, _RS, (Source.RULES,), "the assay has no rule for this control type: review"),
    ("MISSING-TARGET", _E, _RS, (Source.RULES,), "a target the result table needs was not measured"),
    ("TARGET-REVIEW", _R, _RS, (Source.RULES,), "a target needed by a result row that could apply is in review"),
    ("NO-RULE-MATCHED", _R, _RS, (Source.RULES,), "no result row matches (table gap): review"),
    # data checks (chipdx validate)
    ("DATA-EMPTY-RUN", _W, _D, (Source.CHECKS,), "the run holds no reactions"),
    ("DATA-NO-POINTS", _W, _D, (Source.CHECKS,), "a reaction has no data points"),
    ("DATA-CQ-RANGE", _W, _D, (Source.CHECKS,), "a reported Cq lies beyond the last cycle"),
    ("DATA-PARTITION-COUNT", _E, _D, (Source.CHECKS,),
     "the positive partitions a file reports differ from its partition table"),
    ("DATA-STD-NO-QUANTITY", _W, _D, (Source.CHECKS,), "a standard without a known quantity cannot calibrate"),
    ("DATA-EFFICIENCY-PERCENT", _W, _D, (Source.CHECKS,),
     "an efficiency looks like a percentage; RDML stores fold per cycle (2.0 = 100 %)"),
)

CODES: MappingProxyType[str, Code] = MappingProxyType({
    code: Code(code, text, severity, kind, sources) for code, severity, kind, sources, text in _TABLE})
"""Every stable code by its name, in the order above."""


def describe(code: str) -> Code:
    """The registered code ``code``; :class:`~chipdx.errors.UnsupportedError` for an unknown one."""
    try:
        return CODES[code]
    except KeyError:
        raise UnsupportedError(f"unknown code {code!r}: see docs/codes.md for the registered codes") from None


def meaning(code: str) -> str:
    """The meaning of ``code`` in words."""
    return describe(code).meaning


def codes_of(source: Source) -> dict[str, str]:
    """``code -> meaning`` of every code ``source`` raises, in registry order."""
    return {c.code: c.meaning for c in CODES.values() if source in c.sources}


def markdown_table() -> str:
    """The registry as the Markdown table of ``docs/codes.md`` (a test keeps the page current)."""
    lines = ["| code | severity | kind | raised by | meaning |", "|---|---|---|---|---|"]
    lines += [f"| `{c.code}` | {c.severity} | {c.kind} | {', '.join(s.value for s in c.sources)} | {c.meaning} |"
              for c in CODES.values()]
    return "\n".join(lines) + "\n"
