"""When a company's listings may be incremental, and the window they ask Procore for.

Projects and vendors can be filtered on `updated_at`; bid packages and bids cannot (they are
always read whole and compared by content hash). The window starts at the newest `updated_at`
the last listing saw, on Procore's clock, so a skew between our clock and Procore's loses
nothing, less an overlap margin so that a record updated in the same second as that newest one
is read again rather than missed: a record seen twice is harmless, one missed is not.
A full pass, which alone may mark records deleted, runs the first time and then every
`interval` seconds (daily by default).
"""

from __future__ import annotations

from typing import Any

from .. import clock

OVERLAP_SECONDS = 600
WINDOW_AHEAD_SECONDS = 7 * 86400  # the end of the window: far enough past any clock skew
EARLIEST = "2000-01-01T00:00:00Z"


def full_pass_due(state: dict[str, Any], *, now: float, interval: int) -> bool:
    last = state.get("last_full_sync_at")
    if not last or not state.get("projects_updated_through") or not state.get("vendors_updated_through"):
        return True
    return now - clock.parse_iso(str(last)) >= interval


def window(updated_through: str | None) -> str:
    """`filters[updated_at]` for records updated since the watermark, less the overlap."""
    start = clock.iso(clock.parse_iso(updated_through) - OVERLAP_SECONDS) if updated_through else EARLIEST
    return f"{start}...{clock.iso(clock.now() + WINDOW_AHEAD_SECONDS)}"


class Watermark:
    """The newest `updated_at` seen so far (Procore's ISO-8601 UTC strings sort as time)."""

    def __init__(self, value: str | None) -> None:
        self.value = value

    def see(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            updated = record.get("updated_at")
            if isinstance(updated, str) and (
                self.value is None or clock.parse_iso(updated) > clock.parse_iso(self.value)
            ):
                self.value = clock.iso(clock.parse_iso(updated))
