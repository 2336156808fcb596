"""Market information from the user's trade exports: per market and HS heading, the import value over the
years, its growth (year on year and CAGR) and Korea's share (Korean exports to the market ÷ its imports).

* **Imports** of a market: Comtrade rows with the market's countries as reporter, flow M, partner World.
  The EU is the EU reporter (Comtrade code 97) when the file has it, else the sum of the member states
  that report (which includes intra-EU trade; the table names how many reported).
* **Korean exports** to the market, by preference: the KCS table (Korean exports by destination, FOB);
  else Comtrade mirror rows (the market's imports from Korea, CIF); else Comtrade rows with Korea as
  reporter and the market as partner (flow X). Each figure names the source it came from.
* A heading (``3822``) sums the rows of its most aggregated level in the file: a file holding both
  ``3822`` and ``382219`` counts ``3822`` once. Monthly rows are summed into calendar years; a year with
  fewer than 12 months is marked partial and left out of growth.
* CAGR = (last / first) ** (1 / (last year − first year)) − 1 over the full years with imports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chipdx.market.tradefiles import EXPORT, IMPORT, WORLD, Flow, countries

__all__ = ["DEFAULT_HS", "Point", "Series", "market_of", "trade_series"]

DEFAULT_HS = ("3822", "9027")
KOREA = "KOR"


@dataclass(frozen=True)
class Point:
    """One market, one heading, one year."""

    year: int
    imports: float | None
    months: int
    korea: float | None
    korea_source: str
    yoy: float | None
    share: float | None

    @property
    def partial(self) -> bool:
        """Fewer than 12 months of monthly data."""
        return self.months < 12


@dataclass(frozen=True)
class Series:
    """The years of one market and one HS heading, with growth and where the figures come from."""

    market: str
    hs: str
    reporters: tuple[str, ...]
    points: tuple[Point, ...]
    cagr: float | None
    cagr_years: tuple[int, int] | None
    files: tuple[str, ...]


def market_of(iso3: str) -> str:
    """The chipdx market code of a country (``DEU`` -> ``eu``), or its ISO3 code when it has none."""
    for market, members in countries()["markets"].items():
        if iso3 in members:
            return str(market)
    return "eu" if iso3 == countries()["eu_aggregate"]["iso3"] else iso3


def _members(market: str) -> frozenset[str]:
    return frozenset(countries()["markets"].get(market, [market]))


def _level(flows: list[Flow], hs: str) -> list[Flow]:
    """The rows of *hs* at the most aggregated level present (no double counting of sub-headings)."""
    inside = [f for f in flows if f.hs.startswith(hs)]
    if not inside:
        return []
    shortest = min(len(f.hs) for f in inside)
    return [f for f in inside if len(f.hs) == shortest]


def _by_year(flows: Iterable[Flow], hs: str) -> dict[int, tuple[float, int]]:
    """Year -> (value, months covered), each reporter-partner pair summed at its own most aggregated level."""
    groups: dict[tuple[str, str, int, int | None], list[Flow]] = defaultdict(list)
    for flow in flows:
        groups[(flow.reporter, flow.partner, flow.year, flow.month)].append(flow)
    totals: dict[int, float] = defaultdict(float)
    months: dict[int, set[int]] = defaultdict(set)
    for (_, _, year, month), group in groups.items():
        rows = _level(group, hs)
        if rows:
            totals[year] += sum(f.value_usd for f in rows)
            months[year].update(range(1, 13) if month is None else (month,))
    return {year: (value, len(months[year])) for year, value in totals.items()}


def _imports(comtrade: list[Flow], market: str) -> tuple[list[Flow], tuple[str, ...]]:
    world = [f for f in comtrade if f.flow == IMPORT and f.partner == WORLD]
    aggregate = str(countries()["eu_aggregate"]["iso3"])
    if market == "eu" and any(f.reporter == aggregate for f in world):
        return [f for f in world if f.reporter == aggregate], (aggregate,)
    members = _members(market)
    chosen = [f for f in world if f.reporter in members]
    return chosen, tuple(sorted({f.reporter for f in chosen}))


def _korea(comtrade: list[Flow], kcs: list[Flow], market: str, hs: str) -> tuple[dict[int, tuple[float, int]], str]:
    members = _members(market) | ({str(countries()["eu_aggregate"]["iso3"])} if market == "eu" else set())
    options = (
        ("KCS exports", [f for f in kcs if f.partner in members]),
        ("Comtrade mirror (market imports from Korea)",
         [f for f in comtrade if f.flow == IMPORT and f.partner == KOREA and f.reporter in members]),
        ("Comtrade Korea exports", [f for f in comtrade if f.flow == EXPORT and f.reporter == KOREA
                                    and f.partner in members]),
    )
    for label, flows in options:
        years = _by_year(flows, hs)
        if years:
            return years, label
    return {}, ""


def trade_series(comtrade: list[Flow], kcs: list[Flow], hs_codes: Iterable[str] = DEFAULT_HS,
                 markets: Iterable[str] | None = None) -> list[Series]:
    """Per market (chipdx code, or ISO3 for other reporters) and heading: years, growth and Korea's share."""
    reporters = {market_of(f.reporter) for f in comtrade if f.flow == IMPORT and f.partner == WORLD}
    chosen = [m for m in (markets if markets is not None else sorted(reporters)) if m != "kr"]
    out = []
    for hs in hs_codes:
        for market in chosen:
            flows, names = _imports(comtrade, market)
            imports = _by_year(flows, hs)
            korea, source = _korea(comtrade, kcs, market, hs)
            if imports or korea:
                out.append(_series(market, hs, names, imports, korea, source, flows, kcs))
    return out


def _series(market: str, hs: str, reporters: tuple[str, ...], imports: Mapping[int, tuple[float, int]],
            korea: Mapping[int, tuple[float, int]], source: str, flows: list[Flow], kcs: list[Flow]) -> Series:
    points = []
    for year in sorted(set(imports) | set(korea)):
        value, months = imports.get(year, (None, korea.get(year, (0.0, 0))[1]))
        before = imports.get(year - 1)
        full = months == 12 and before is not None and before[1] == 12
        yoy = value / before[0] - 1 if full and value is not None and before is not None and before[0] > 0 else None
        exported = korea[year][0] if year in korea else None
        share = exported / value if exported is not None and value else None
        points.append(Point(year, value, months, exported, source if exported is not None else "", yoy, share))
    full_years = [(p.year, p.imports) for p in points if p.imports and not p.partial]
    cagr, span = None, None
    if len(full_years) >= 2:
        (first_year, first), (last_year, last) = full_years[0], full_years[-1]
        cagr = (last / first) ** (1 / (last_year - first_year)) - 1
        span = (first_year, last_year)
    files = tuple(sorted({f.file for f in flows} | {f.file for f in kcs if source.startswith("KCS")}))
    return Series(market, hs, reporters, tuple(points), cagr, span, files)
