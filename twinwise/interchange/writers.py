"""Write interchange files that the readers read back unchanged (pure Python, no Django).

JSON Lines: one compact JSON object per line, UTF-8, ``None`` values left out.
CSV: nested objects as dotted columns (``local.name``), lists joined with ``;``, ``None``
as an empty cell. Open files with ``newline=""`` (CSV) and ``encoding="utf-8"``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from typing import IO, Any

from twinwise.interchange.readers import LIST_SEPARATOR, csv_columns


def partnership_csv_columns() -> list[str]:
    """The CSV columns of a partnership, in schema order (``external_id``, ``local.name``, …)."""
    return csv_columns("partnership")


def case_csv_columns() -> list[str]:
    """The CSV columns of a case export, in schema order."""
    return csv_columns("case")


def drop_none(value: Any) -> Any:
    """``value`` with every ``None`` inside dicts left out (recursively)."""
    if isinstance(value, Mapping):
        return {key: drop_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [drop_none(item) for item in value]
    return value


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"column {column}: {value!r} cannot be written")
        return repr(value)
    if isinstance(value, list | tuple):
        parts = [_cell(item, column) for item in value]
        for part in parts:
            if LIST_SEPARATOR in part or not part:
                raise ValueError(f"column {column}: list item {part!r} cannot be written to CSV")
        return LIST_SEPARATOR.join(parts)
    return str(value)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"local": {"name": "Prague"}, "domains": ["a", "b"]}`` → ``{"local.name": "Prague", "domains": "a;b"}``."""
    out: dict[str, str] = {}
    for key, value in record.items():
        column = prefix + key
        if isinstance(value, Mapping):
            out.update(flatten(value, column + "."))
        else:
            out[column] = _cell(value, column)
    return out


def write_jsonl(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line to the text stream ``out``; return how many."""
    count = 0
    for record in records:
        out.write(json.dumps(drop_none(record), ensure_ascii=False, allow_nan=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str], columns: list[str]) -> int:
    """Write a header and one row per record to ``out``; return how many rows.

    A record field that has no column is a ValueError (nothing is dropped silently).
    """
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    known = set(columns)
    count = 0
    for record in records:
        cells = flatten(record)
        extra = [column for column, cell in cells.items() if column not in known and cell]
        if extra:
            raise ValueError(f"no column for {', '.join(extra)}; add it to columns")
        writer.writerow([cells.get(column, "") for column in columns])
        count += 1
    return count
