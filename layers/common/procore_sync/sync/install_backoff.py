"""When to ask again about a company whose Procore app is not installed.

Procore asks integrations not to hammer a company that answers 403 "App is not connected to
this company". After each refusal the company waits twice as long before its next sync job
(one schedule interval at first, at most a day); a successful sync clears the back-off, and
so does connecting again.
"""

from __future__ import annotations

from typing import Any

FIRST_WAIT_SECONDS = 3600
LONGEST_WAIT_SECONDS = 86400
FIELDS = ("install_checks", "next_install_check_at")


def after_refusal(company: dict[str, Any], *, now: float) -> dict[str, Any]:
    """The company's fields after one more 403: not installed, and when to check again."""
    checks = int(company.get("install_checks") or 0) + 1
    wait = min(FIRST_WAIT_SECONDS * 2 ** (checks - 1), LONGEST_WAIT_SECONDS)
    return {"app_installed": False, "install_checks": checks, "next_install_check_at": int(now) + wait}


def waiting(company: dict[str, Any], *, now: float) -> bool:
    """True while a company that refused us is still in its back-off."""
    if company.get("app_installed", True):
        return False
    return int(company.get("next_install_check_at") or 0) > now
