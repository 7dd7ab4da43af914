"""Parsing of Procore's list filters: ISO date ranges, id lists, status and views.

Ranges are ``A...B`` with both ends inclusive. Each end may be a date (``2024-01-31``, the
whole day) or a datetime with ``Z`` or an offset; an offset whose ``+`` arrived as a space
(an unencoded ``+`` in a query string) is read as ``+``. Id lists come as
``filters[id][]=1&filters[id][]=2`` or ``filters[id]=1,2``; both are accepted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from werkzeug.datastructures import MultiDict

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")


class FilterError(ValueError):
    """A filter value the API would reject with 400."""


def parse_timestamp(value: str, end_of_day: bool = False) -> float:
    """Parse one ISO-8601 date or datetime to unix seconds (naive values are UTC)."""
    text = _SPACE_OFFSET.sub(r"+\1", value.strip())
    if _DATE_ONLY.match(text):
        moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
        if end_of_day:
            moment += timedelta(days=1) - timedelta(microseconds=1)

        return moment.timestamp()

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FilterError(f"invalid date: {value}") from exc

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)

    return moment.timestamp()


def parse_range(value: str) -> tuple[float, float]:
    """Parse ``A...B`` into inclusive (start, end) unix seconds."""
    if "..." not in value:
        raise FilterError("a date filter must be a range: start...end")

    start_text, end_text = value.split("...", 1)
    try:
        start = parse_timestamp(start_text)
        end = parse_timestamp(end_text, end_of_day=True)
    except ValueError as exc:
        raise FilterError(str(exc)) from exc

    if start > end:
        raise FilterError("the start of a date range must not be after its end")

    return start, end


def parse_ids(args: MultiDict[str, str], name: str) -> set[int] | None:
    """Collect ``filters[name][]`` values and comma-separated ``filters[name]``; None if absent."""
    raw = args.getlist(f"filters[{name}][]") + args.getlist(f"filters[{name}]")
    if not raw:
        return None

    ids: set[int] = set()
    for chunk in raw:
        for part in chunk.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise FilterError(f"filters[{name}] must hold integer ids")
            ids.add(int(part))

    return ids


def in_range(timestamp: float | str | None, bounds: tuple[float, float] | None) -> bool:
    """Whether a stored timestamp (unix seconds or ISO text) lies within the bounds."""
    if bounds is None:
        return True
    if timestamp is None:
        return False
    if isinstance(timestamp, str):
        timestamp = parse_timestamp(timestamp)

    return bounds[0] <= timestamp <= bounds[1]


def optional_range(args: MultiDict[str, str], name: str) -> tuple[float, float] | None:
    value = args.get(f"filters[{name}]")
    return None if value is None or value == "" else parse_range(value)


def sort_key(value: str | None, allowed: tuple[str, ...]) -> tuple[str, bool] | None:
    """Parse ``sort=field`` or ``sort=-field``; return (field, descending) or None."""
    if not value:
        return None

    descending = value.startswith("-")
    field = value.lstrip("-")
    if field not in allowed:
        raise FilterError(f"sort must be one of {', '.join(allowed)}")

    return field, descending
