"""Partial ISO 8601 dates ("2016", "2016-03", "2016-03-29") as the sources give them."""

import datetime as dt
import re

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(value: str) -> tuple[int, int | None, int | None]:
    """Return (year, month, day); raise ValueError naming the problem."""
    match = _PARTIAL.match(value or "")
    if not match:
        raise ValueError(f"{value!r} is not a date like 2016, 2016-03 or 2016-03-29")
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{value!r} has no month {month}")
    if day is not None:
        dt.date(year, month, day)  # raises ValueError for 2021-02-30
    return year, month, day


def partial_date_year(value: str | None) -> int | None:
    return parse_partial_date(value)[0] if value else None
