"""The plan as one self-contained HTML page: divergence table, per-market plan, gap checklist,
evidence reuse and a Gantt chart (inline SVG, no scripts, no external files)."""

from __future__ import annotations

from html import escape

from chipdx.market.plan import MarketPlan
from chipdx.market.roadmap import Step

__all__ = ["STYLE", "render_plan", "table"]

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;
text-align:left;font-size:.9em}th{background:#eee}.held{background:#dfd}.missing{background:#fdd}
.expired{background:#fec}.review{background:#ffd}.note{color:#555;font-size:.85em}"""


def table(header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    """An HTML table; *rows* hold cells already escaped (they may carry markup)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        f"<tr{f' class={chr(34)}{classes[i]}{chr(34)}' if classes and classes[i] else ''}>"
        + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for i, row in enumerate(rows))
    return f"<table><tr>{head}</tr>{body}</table>"


def _divergence(plans: list[MarketPlan]) -> str:
    rows = [[escape(p.market), escape(p.answer.klass or "?"), escape(", ".join(p.answer.rule_ids)),
             escape(p.answer.evidence if p.answer.status == "decided" else p.answer.status),
             escape("; ".join(f"{part.component}: {part.klass}" for part in p.answer.parts)),
             escape("; ".join(p.answer.questions))] for p in plans]
    classes = ["" if p.answer.status == "decided" else "review" for p in plans]
    return table(["market", "class", "rules", "evidence", "parts", "questions"], rows, classes)


def _markets(plans: list[MarketPlan]) -> str:
    rows = []
    for p in plans:
        months = f"{p.months.low:g}–{p.months.high:g} months ({escape(p.months.source)})" if p.months else "–"
        rows.append([escape(p.market), escape(p.answer.pathway), escape(p.role), escape(p.qms), escape(p.languages),
                     months, f"{escape(p.fee)} <span class=note>({escape(p.fee_source)})</span>",
                     escape(", ".join(p.standards))])
    return table(["market", "route", "local role", "QMS", "label language", "duration", "fee", "standards"], rows)


def _checklist(plans: list[MarketPlan]) -> str:
    checks = [c for p in plans for c in p.checks]
    rows = [[escape(c.market), escape(c.id), escape(c.what), escape(c.status), escape(", ".join(c.evidence)),
             escape(" or ".join(c.accepts))] for c in checks]
    return table(["market", "requirement", "what", "status", "evidence", "accepted evidence keys"], rows,
                  [c.status for c in checks])


def _gantt(steps: list[Step]) -> str:
    if not steps:
        return ""
    horizon = max(s.finish_p90 for s in steps) or 1.0
    width, left, bar = 800, 60, 22
    scale = (width - left - 20) / horizon
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{bar * len(steps) + 40}" '
             'role="img" aria-label="roadmap">']
    for i, s in enumerate(steps):
        y = 10 + i * bar
        x0, x50, x90 = left + s.start_p50 * scale, left + s.finish_p50 * scale, left + s.finish_p90 * scale
        parts.append(f'<text x="5" y="{y + 15}" font-size="13">{escape(s.market)}</text>'
                     f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x50 - x0, 1):.1f}" height="{bar - 8}" fill="#4a7"/>'
                     f'<line x1="{x50:.1f}" y1="{y + 11}" x2="{x90:.1f}" y2="{y + 11}" stroke="#333"/>'
                     f'<text x="{x90 + 4:.1f}" y="{y + 15}" font-size="11">P50 {s.finish_p50:.0f} / P90 '
                     f'{s.finish_p90:.0f} mo</text>')
    ticks = range(0, int(horizon) + 1, 6)
    y = 10 + len(steps) * bar
    parts += [f'<text x="{left + t * scale:.1f}" y="{y + 20}" font-size="11">{t}</text>' for t in ticks]
    parts.append("</svg>")
    return "".join(parts)


def render_plan(product: str, as_of: str, plans: list[MarketPlan], steps: list[Step],
                served: dict[str, list[str]], generated: str, extra: dict[str, str] | None = None) -> str:
    """The whole plan as one HTML document; *extra* adds sections (title -> HTML body) at the end."""
    reuse_rows = [[escape(e), escape(", ".join(ids))] for e, ids in sorted(served.items())]
    waits = [[escape(s.market), escape(", ".join(s.after) or "–"), escape("; ".join(s.reasons) or "–"),
              f"{s.start_p50:.1f}", f"{s.finish_p50:.1f}", f"{s.finish_p90:.1f}"] for s in steps]
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Market plan: {escape(product)}</title>"
        f"<style>{STYLE}</style></head><body><h1>Market plan: {escape(product)}</h1>"
        f"<p class=note>Rules as of {escape(as_of)}; {escape(generated)}. Decision support only: verify with the "
        "authority or notified body. Durations and fees are ranges with their source.</p>"
        f"<h2>Classification across markets (divergence)</h2>{_divergence(plans)}"
        f"<h2>Roadmap</h2>{_gantt(steps)}"
        + table(["market", "after", "why", "start P50 (months)", "finish P50", "finish P90"], waits)
        + f"<h2>Route, roles, standards, durations, fees</h2>{_markets(plans)}"
        f"<h2>Gap checklist</h2>{_checklist(plans)}"
        "<h2>Evidence reuse (one piece of evidence, every market it serves)</h2>"
        + (table(["evidence", "requirements it satisfies"], reuse_rows) if reuse_rows else "<p>none held</p>")
        + "".join(f"<h2>{escape(title)}</h2>{body}" for title, body in (extra or {}).items())
        + "</body></html>\n"
    )
