"""Market information as HTML: import-value and Korea's-share charts per HS heading, the yearly table, and
the distributor/contract checklist; a section of the plan report or a page of its own."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from chipdx.market.charts import line_chart
from chipdx.market.contracts import ContractItem
from chipdx.market.html import STYLE, table
from chipdx.market.trade import Series

__all__ = ["contracts_section", "render_trade", "trade_section"]

HS_NAMES = {"3822": "diagnostic or laboratory reagents", "9027": "instruments for physical or chemical analysis"}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _usd(value: float | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.2f}"


def trade_section(series: Sequence[Series]) -> str:
    """Per heading: imports chart, Korea's-share chart, growth summary and the yearly table."""
    if not series:
        return "<p>No trade rows for the chosen markets and headings.</p>"
    parts = []
    for hs in dict.fromkeys(s.hs for s in series):
        chosen = [s for s in series if s.hs == hs]
        name = HS_NAMES.get(hs[:4], "")
        imports = {s.market: [(p.year, p.imports) for p in s.points if p.imports is not None and not p.partial]
                   for s in chosen}
        shares = {s.market: [(p.year, 100 * p.share) for p in s.points if p.share is not None and not p.partial]
                  for s in chosen}
        parts.append(f"<h3>HS {escape(hs)} {escape(name)}</h3>"
                     + line_chart(f"HS {hs} imports", {k: v for k, v in imports.items() if v}, "US$ million", 1e6)
                     + line_chart(f"HS {hs} Korea's share of imports", {k: v for k, v in shares.items() if v}, "%"))
        parts.append(table(["market", "reporters", "CAGR", "years", "files"],
                           [[escape(s.market), escape(", ".join(s.reporters) or "–"), _pct(s.cagr),
                             escape("–" if s.cagr_years is None else f"{s.cagr_years[0]}–{s.cagr_years[1]}"),
                             escape(", ".join(f.rsplit("/", 1)[-1] for f in s.files))] for s in chosen]))
        rows = [[escape(s.market), str(p.year) + (f" ({p.months} months)" if p.partial else ""), _usd(p.imports),
                 _pct(p.yoy), _usd(p.korea), _pct(p.share), escape(p.korea_source or "–")]
                for s in chosen for p in s.points]
        parts.append(table(["market", "year", "imports (US$ m)", "year on year", "Korean exports (US$ m)",
                            "Korea's share", "source of the Korean figure"], rows))
    return "".join(parts)


def contracts_section(items: Sequence[ContractItem], version: str) -> str:
    """The distributor/contract checklist as one table."""
    rows = [[escape(i.market), escape(i.topic), escape(i.check),
             escape(f"{i.source}, {i.ref}: ") + (f"“{escape(i.basis)}”" if i.quoted else escape(i.basis))
             + (" <span class=note>(verify against the current text)</span>" if i.verify else "")] for i in items]
    return (f"<p class=note>Checklist version {escape(version)}. Decision support, not legal advice.</p>"
            + table(["market", "clause", "what to settle", "source"], rows))


def render_trade(series: Sequence[Series], generated: str) -> str:
    """A self-contained page of market information."""
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Market information</title>"
            f"<style>{STYLE}</style></head><body><h1>Market information: HS imports and Korea's share</h1>"
            f"<p class=note>{escape(generated)}. From the user's own exports (UN Comtrade, Korea Customs Service); "
            "imports are CIF values reported by the market, Korean exports FOB values (KCS) or the market's "
            "imports from Korea (Comtrade mirror).</p>"
            f"{trade_section(series)}</body></html>\n")
