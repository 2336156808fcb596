"""Answers as table rows (the stable CSV of ``chipdx market classify``) and as JSON-ready records."""

from __future__ import annotations

from typing import Any

from chipdx.market.classify import Classification

__all__ = ["CSV_COLUMNS", "record", "row"]

CSV_COLUMNS = ("product", "market", "class", "pathway", "rule_ids", "citations", "evidence", "as_of", "ruleset")


def row(answer: Classification) -> tuple[str, ...]:
    """One CSV row; ``evidence`` is stated, derived, or ``needs expert review: QUESTION; ...``."""
    evidence = answer.evidence if answer.status == "decided" else f"{answer.status}: {'; '.join(answer.questions)}"
    citations = "; ".join(f"{f.citation.ref} ({f.citation.document}, {f.citation.date})" for f in answer.deciding)
    return (answer.product, answer.system, answer.klass or "", answer.pathway, " ".join(answer.rule_ids), citations,
            evidence, answer.as_of.isoformat(), f"{answer.ruleset} v{answer.version}")


def _citation(fired: Any) -> dict[str, str]:
    c = fired.citation
    return {"document": c.document, "date": c.date.isoformat(), "ref": c.ref, "quote": c.quote}


def record(answer: Classification) -> dict[str, Any]:
    """Everything an answer holds, as plain JSON types."""
    return {
        "product": answer.product, "market": answer.system, "class": answer.klass, "pathway": answer.pathway,
        "status": answer.status, "evidence": answer.evidence, "questions": list(answer.questions),
        "deciding": [{"id": f.id, "class": f.klass, "evidence": f.evidence, "citation": _citation(f)}
                     for f in answer.deciding],
        "fired": [{"id": f.id, "class": f.klass} for f in answer.fired],
        "parts": [{"component": p.component, "class": p.klass, "rule_ids": list(p.rule_ids),
                   "citation": {"document": p.citation.document, "ref": p.citation.ref, "quote": p.citation.quote}}
                  for p in answer.parts],
        "ruleset": answer.ruleset, "version": answer.version, "as_of": answer.as_of.isoformat(),
    }
