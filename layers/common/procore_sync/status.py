"""What a user sees about their Procore connection. Never refreshes a token, never shows one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import clock
from .storage.connections import NOT_CONNECTED
from .storage.sync_state import FAILED, FINISHED

if TYPE_CHECKING:
    from .services import Services

ENTITIES = ("projects", "bid_packages", "bids", "vendors")
KINDS = ("created", "updated", "unchanged", "deleted", "invalid")
RECENT_RUNS = 5


def json_ready(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; JSON wants int."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int | float):
        return int(value) if value == int(value) else float(value)
    return value


def summarize_run(latest: dict[str, Any] | None) -> dict[str, Any] | None:
    """One run, per company: its state, counts per entity, API calls and errors."""
    if latest is None:
        return None
    run, jobs = latest["run"], latest["jobs"]
    companies: dict[str, dict[str, Any]] = {}
    for job in jobs:
        company = companies.setdefault(str(job.get("company_id")), {
            "state": "succeeded", "counts": {e: dict.fromkeys(KINDS, 0) for e in ENTITIES},
            "api_calls": 0, "errors": [], "invalid_records": [], "finished_at": None,
        })
        for entity, counts in (job.get("counts") or {}).items():
            target = company["counts"].setdefault(entity, {})
            for key, value in counts.items():
                target[key] = target.get(key, 0) + int(value)
        company["api_calls"] += int(job.get("api_calls") or 0)
        company["invalid_records"].extend(job.get("invalid_records") or [])
        state = job.get("state")
        if job.get("error") and state in FINISHED:
            company["errors"].append({"job_id": job.get("job_id"), "error": job.get("error")})
        if state not in FINISHED:
            company["state"] = "running"
        elif state == FAILED and company["state"] != "running":
            company["state"] = "failed"
        elif state == "skipped" and company["state"] == "succeeded":
            company["state"] = "skipped"
        finished = job.get("finished_at")
        if finished and (company["finished_at"] is None or finished > company["finished_at"]):
            company["finished_at"] = finished
    states = {c["state"] for c in companies.values()}
    overall = "running" if "running" in states else ("failed" if "failed" in states else "succeeded")
    finished_at = max((c["finished_at"] for c in companies.values() if c["finished_at"]), default=None)
    return json_ready({
        "run_id": run["run_id"], "trigger": run.get("trigger"), "state": overall,
        "started_at": run.get("started_at"), "finished_at": None if overall == "running" else finished_at,
        "companies": companies,
    })


def summarize_recent(summary: dict[str, Any]) -> dict[str, Any]:
    """A run as the recent-runs list shows it, from its summary item: per company, the jobs in
    each state, the counts per entity, the API calls and the last error."""
    companies: dict[str, dict[str, Any]] = {}
    for name, value in summary.items():
        company_id, sep, rest = str(name).partition(":")
        if not sep or not company_id.isdigit():
            continue
        company = companies.setdefault(company_id, {
            "jobs": {}, "counts": {e: dict.fromkeys(KINDS, 0) for e in ENTITIES}, "api_calls": 0, "last_error": None,
        })
        group, _, kind = rest.partition(":")
        if rest == "api_calls":
            company["api_calls"] = int(value)
        elif rest == "last_error":
            company["last_error"] = value
        elif group == "jobs":
            company["jobs"][kind] = int(value)
        elif group in company["counts"] and kind:
            company["counts"][group][kind] = int(value)
    states = set()
    for company in companies.values():
        jobs = company["jobs"]
        done = sum(n for state, n in jobs.items() if state in FINISHED)
        if done < jobs.get("queued", 0):
            company["state"] = "running"
        elif jobs.get(FAILED):
            company["state"] = "failed"
        elif jobs.get("skipped") and not jobs.get("succeeded"):
            company["state"] = "skipped"
        else:
            company["state"] = "succeeded"
        states.add(company["state"])
    overall = "running" if "running" in states else ("failed" if "failed" in states else "succeeded")
    return json_ready({
        "run_id": summary.get("run_id"), "trigger": summary.get("trigger"), "state": overall,
        "started_at": summary.get("started_at"),
        "finished_at": None if overall == "running" else summary.get("finished_at"),
        "companies": companies,
    })


WEBHOOK_HINTS = {
    "no_webhook_permission": "Changes arrive with the scheduled sync only: this Procore user may not manage "
                             "webhooks (Company Admin > Permissions: Webhooks API).",
    "webhook_setup_failed": "Changes arrive with the scheduled sync only for now; webhooks are tried again later.",
}


def _webhooks(services: Services, company: dict[str, Any]) -> dict[str, Any]:
    """Whether Procore pushes this company's changes to us, and when it last did."""
    settings = getattr(services, "settings", None)  # the operator CLI reads the tables only
    if settings is not None and not settings.webhook_url:
        state, reason = "off", None
    else:
        state, reason = str(company.get("webhooks") or "pending"), company.get("webhook_reason")
    return {"state": state, "reason": reason, "hint": WEBHOOK_HINTS.get(str(reason)) if reason else None,
            "last_event_at": company.get("last_webhook_event_at")}


def connection_status(services: Services, user_id: str) -> dict[str, Any]:
    connection = services.connections.get(user_id)
    if connection is None:
        return {"status": NOT_CONNECTED, "reason": "no_connection", "procore_user": None,
                "connected_at": None, "companies": [], "last_sync": None, "recent_syncs": []}
    last_sync = summarize_run(services.sync_state.latest_run(user_id))
    companies = []
    # ids are strings (64-bit ids do not fit a JavaScript number), in numeric order
    for company_id, company in sorted((connection.get("companies") or {}).items(), key=lambda c: int(c[0])):
        run_part = (last_sync or {}).get("companies", {}).get(company_id)
        companies.append({
            "id": company_id, "name": company.get("name"), "selected": bool(company.get("selected", True)),
            "app_installed": bool(company.get("app_installed", True)),
            "reason": None if company.get("app_installed", True) else "app_not_installed",
            "hint": None if company.get("app_installed", True) else
            "A Procore Company Admin must install the app in this company (Company Admin > App Management).",
            "next_install_check_at": (clock.iso(int(company["next_install_check_at"]))
                                      if company.get("next_install_check_at") else None),
            "last_sync": run_part,
            "webhooks": _webhooks(services, company),
        })
    return json_ready({
        "status": connection.get("status"),
        "reason": connection.get("reason"),
        "procore_user": connection.get("procore_user"),
        "connected_at": connection.get("connected_at"),
        "companies": companies,
        "last_sync": last_sync,
        "recent_syncs": [summarize_recent(r) for r in services.sync_state.recent_runs(user_id, RECENT_RUNS)],
    })
