"""Procore v1.x pagination: ``page``/``per_page`` in, ``Total``/``Per-Page``/``Link`` out.

Link rules follow Procore's pagination docs: page 1 carries next and last; page 2 first,
next and last (``prev`` only when the ``link_prev_on_page_2`` knob is on); later pages
first, prev, next and last; the last page has no next.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True)
class Page:
    """One page cut from a list, with the numbers the headers report."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def page_args(
    page: str | None, per_page: str | None, default: int, maximum: int
) -> tuple[int, int]:
    """Parse ``page`` (1-based) and ``per_page``; clamp ``per_page`` to the endpoint's max.

    Values that are not positive integers fall back to page 1 and the default size.
    """
    page_number = _positive(page) or 1
    size = _positive(per_page) or default
    return page_number, min(size, maximum)


def cut(items: Sequence[Any], page: int, per_page: int) -> Page:
    start = (page - 1) * per_page
    return Page(
        items=items[start : start + per_page], page=page, per_page=per_page, total=len(items)
    )


def link_header(
    base_url: str, query: list[tuple[str, str]], page: Page, prev_on_page_2: bool
) -> str:
    """Build the ``Link`` header; ``query`` is the request's other parameters, in order."""
    kept = [(key, value) for key, value in query if key not in ("page", "per_page")]
    last = page.total_pages
    rels: list[tuple[str, int]] = []
    if page.page >= 2:
        rels.append(("first", 1))
    if page.page >= 3 or (page.page == 2 and prev_on_page_2):
        rels.append(("prev", min(page.page - 1, last)))
    if page.page < last:
        rels.append(("next", page.page + 1))
    rels.append(("last", last))

    parts = []
    for rel, number in rels:
        params = [*kept, ("page", str(number)), ("per_page", str(page.per_page))]
        parts.append(f'<{base_url}?{urlencode(params, safe="[]")}>; rel="{rel}"')

    return ", ".join(parts)


def headers(base_url: str, query: list[tuple[str, str]], page: Page, prev_on_2: bool) -> dict:
    return {
        "Total": str(page.total),
        "Per-Page": str(page.per_page),
        "Link": link_header(base_url, query, page, prev_on_2),
    }


def _positive(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None

    number = int(value)
    return number if number > 0 else None
