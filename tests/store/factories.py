"""Small model records for the store and LIS tests (shaped like what the pipeline gives for a SARS-CoV-2 run)."""

from __future__ import annotations

from chipdx.model import ReactionResult, ResultProvenance, SampleResult, TargetResult

RULESET = ("cdc-2019-ncov", "a" * 64)
SOFTWARE = "0.0-test"


def target(sample: str, name: str, *, call: str = "detected", cq: float | None = 24.5, role: str = "pathogen",
           copies_per_ul: float | None = None) -> TargetResult:
    return TargetResult(sample=sample, target=name, role=role, channel="FAM", cq=cq if call == "detected" else None,
                        copies_per_ul=copies_per_ul, p_amplified=0.99 if call == "detected" else 0.01, flags=(),
                        call=call, result=call, reason_codes=(f"{name}-{call.upper()}",), rule_ids=("CDC-1",),
                        needs_review=False,
                        review_reason="", wells=("A1",), model_id="curve-gbm-1.2.0", model_sha256="b" * 64,
                        ruleset_id=RULESET[0], ruleset_sha256=RULESET[1], software_version=SOFTWARE)


def sample(name: str, result: str = "detected", *, needs_review: bool = False,
           sample_type: str = "unkn") -> SampleResult:
    calls = {"detected": ("detected", "detected", "detected"), "not_detected": ("not_detected", "not_detected",
                                                                                  "detected")}
    n1, n2, rp = calls.get(result, ("detected", "not_detected", "detected"))
    targets = (target(name, "N1", call=n1), target(name, "N2", call=n2), target(name, "RP", call=rp, role="control"))
    return SampleResult(sample=name, sample_type=sample_type, result=result, action="report",
                        detected=("N1", "N2") if result == "detected" and sample_type == "unkn" else (),
                        findings=("2019-nCoV detected",) if result == "detected" else (),
                        reason_codes=(f"RESULT-{result.upper()}",), rule_ids=("CDC-1",), needs_review=needs_review,
                        review_reason="borderline Cq" if needs_review else "", targets=targets,
                        ruleset_id=RULESET[0], ruleset_sha256=RULESET[1], model_id="curve-gbm-1.2.0",
                        model_sha256="b" * 64, software_version=SOFTWARE)


def reaction(well: str, sample_name: str, target_name: str, *, cq: float | None = 24.5) -> ReactionResult:
    return ReactionResult(run="run1", well=well, sample=sample_name, sample_type="unkn", target=target_name,
                          dye="FAM", cq=cq, efficiency=1.95, n0=1e-3, amplified=cq is not None, flags=(),
                          provenance=ResultProvenance(software_version=SOFTWARE))


def demo_results() -> tuple[list[ReactionResult], list[SampleResult]]:
    """Two patients (one needs review), an NTC."""
    reactions = [reaction("A1", "P1", "N1"), reaction("A2", "P1", "N2"), reaction("B1", "P2", "N1", cq=37.9),
                 reaction("C1", "NTC", "N1", cq=None)]
    samples = [sample("P1", "detected"), sample("P2", "inconclusive", needs_review=True),
               sample("NTC", "not_detected", sample_type="ntc")]
    return reactions, samples
