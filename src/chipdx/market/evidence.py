"""The company's evidence inventory (YAML): documents, studies, certificates and roles, with dates.

```yaml
company: Example Diagnostics Co.
evidence:
  - id: iso13485                     # unique
    provides: iso13485_certificate   # the evidence key requirements accept (docs/market.md)
    title: ISO 13485:2016 certificate, notified body X
    issued: 2024-05-01
    expires: 2027-04-30              # optional
```
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from chipdx.errors import FormatError, quote
from chipdx.market.profile import _mapping, _text, read_yaml

__all__ = ["Evidence", "Inventory", "load_inventory", "parse_inventory"]

TOP_FIELDS = ("company", "evidence")
ITEM_FIELDS = ("id", "provides", "title", "issued", "expires")


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence the company holds."""

    id: str
    provides: str
    title: str
    issued: dt.date
    expires: dt.date | None

    def valid_on(self, on: dt.date) -> bool:
        """Issued by *on* and not expired on *on*."""
        return self.issued <= on and (self.expires is None or on <= self.expires)


@dataclass(frozen=True)
class Inventory:
    """What one company holds."""

    company: str
    items: tuple[Evidence, ...]


def load_inventory(path: Path) -> Inventory:
    """Read and validate the evidence inventory at *path*."""
    return parse_inventory(read_yaml(path), str(path))


def parse_inventory(document: object, file: str = "<evidence>") -> Inventory:
    """Validate an already-parsed mapping as an evidence inventory."""
    top = _mapping(document, file, "", TOP_FIELDS)
    items = top.get("evidence")
    if not isinstance(items, list):
        raise FormatError(file, "evidence", "a list of evidence items", quote(items))
    parsed = tuple(_item(item, file, i) for i, item in enumerate(items, 1))
    seen: set[str] = set()
    for i, item in enumerate(parsed, 1):
        if item.id in seen:
            raise FormatError(file, f"evidence[{i}].id", "an id used once", quote(item.id))
        seen.add(item.id)
    return Inventory(_text(top, "company", file, ""), parsed)


def _item(value: object, file: str, index: int) -> Evidence:
    place = f"evidence[{index}]"
    fields = _mapping(value, file, place, ITEM_FIELDS)
    issued = _day(fields, "issued", file, place)
    expires = _day(fields, "expires", file, place) if "expires" in fields else None
    if expires is not None and expires < issued:
        raise FormatError(file, f"{place}.expires", f"a date on or after issued ({issued})", str(expires))
    return Evidence(_text(fields, "id", file, place), _text(fields, "provides", file, place),
                    _text(fields, "title", file, place), issued, expires)


def _day(fields: dict[str, object], key: str, file: str, place: str) -> dt.date:
    value = fields.get(key)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise FormatError(file, f"{place}.{key}", "a date YYYY-MM-DD", quote(value))
    return value
