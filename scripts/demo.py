"""`make demo`: the product's main job, end to end, on the local stack.

Starts the Procore simulator and the local stack, connects a Palcode.ai user to Procore
through the real redirect flow, lets the first sync run through SQS, prints what landed per
company and entity against what the simulator holds for that user, syncs again to show that
nothing is written twice, changes a bid in Procore to show the webhook bring it in within
seconds, and exits 0 only when every count matches and the bid landed.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import requests

DEMO_USER_ID = "palcode-user-demo"
PROCORE_LOGIN = "demo@palcode.test"
PROCORE_PASSWORD = "procore"
ENTITIES = ("projects", "bid_packages", "bids", "vendors")
FUNCTION_LOG = Path(".local/demo-functions.log")


def _landed(stack_records, user_id: str, company_id: str) -> dict[str, int]:
    from procore_sync.storage.records import partition

    pk = partition(user_id, company_id)
    prefixes = {"projects": "project#", "bid_packages": "bid_package#", "bids": "bid#", "vendors": "vendor#"}
    return {entity: stack_records.count(pk, prefix) for entity, prefix in prefixes.items()}


def main() -> int:
    # What the functions write (Powertools JSON logs and metrics) goes to a file, as it would go
    # to CloudWatch Logs; the terminal gets the report.
    FUNCTION_LOG.parent.mkdir(exist_ok=True)
    terminal = sys.stdout
    with FUNCTION_LOG.open("w", encoding="utf-8") as function_log:
        sys.stdout = function_log
        try:
            return _run(terminal)
        finally:
            sys.stdout = terminal


def _run(terminal) -> int:
    def report(*lines: str) -> None:
        print(*lines, file=terminal, flush=True)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from local_stack.aws import free_port
    from local_stack.stack import LocalStack
    from procore_simulator import SimulatorConfig, SimulatorServer

    port = int(os.environ.get("LOCAL_API_PORT") or free_port())
    api_url = f"http://127.0.0.1:{port}"
    size = os.environ.get("DEMO_SIZE", "S")
    sim = SimulatorServer(config=SimulatorConfig(size=size, seed=7,
                                                 redirect_uris=[f"{api_url}/integrations/procore/callback"]),
                          host="127.0.0.1", port=0)
    sim.start()
    stack = LocalStack(api_port=port, simulator_url=sim.url, start_timer=False)
    stack.start()
    try:
        report(f"local stack up: api {stack.api_url}, Procore simulator {sim.url} (size {size})")
        from scripts.connect_flow import connect

        token = stack.make_user_token(DEMO_USER_ID)
        began = time.monotonic()
        result = connect(stack.api_url, token, login=PROCORE_LOGIN, password=PROCORE_PASSWORD)
        report(f"connect: {PROCORE_LOGIN} signed in and allowed access; landed on {result.landing_url}")
        if result.outcome != "connected":
            report(f"connect failed: {result.reason}")
            return 1
        stack.wait_until_idle(timeout=600)
        first_seconds = time.monotonic() - began

        auth = {"Authorization": f"Bearer {token}"}
        status = requests.get(f"{stack.api_url}/integrations/procore/status", headers=auth, timeout=30).json()
        expected = requests.get(f"{sim.url}/_simulator/expected", params={"user": PROCORE_LOGIN}, timeout=30).json()
        from procore_sync.services import get_services

        records = get_services().records
        limits = sim.state.config
        report(f"\nstatus: {status['status']} as {status['procore_user']['name']} "
               f"({status['procore_user']['login']}); first sync took {first_seconds:.1f} s, paced by "
               f"Procore's rate limits ({limits.spike_limit} calls per {limits.spike_window_seconds} s, "
               f"{limits.hourly_limit} an hour)\n")
        header = f"{'company':32} {'entity':13} {'landed':>7} {'procore':>8} {'api calls':>10}"
        report(header)
        report("-" * len(header))
        ok = True
        companies = {c["id"]: c for c in status["companies"]}
        for company_id, truth in sorted(expected.items()):
            company = companies.get(company_id, {})
            landed = _landed(records, DEMO_USER_ID, company_id)
            run = company.get("last_sync") or {}
            calls = run.get("api_calls", 0)
            for i, entity in enumerate(ENTITIES):
                want = truth[entity] if truth.get("installed", True) else 0
                mark = "" if landed[entity] == want else "  MISMATCH"
                ok &= landed[entity] == want
                name = (truth.get("name") or company_id)[:32] if i == 0 else ""
                report(f"{name:32} {entity:13} {landed[entity]:>7} {want:>8} {calls if i == 0 else '':>10}{mark}")
        last = status["last_sync"] or {}
        report(f"\nsync run {last.get('run_id')}: {last.get('state')}")

        began = time.monotonic()
        stack.trigger_schedule()
        stack.wait_until_idle(timeout=600)
        again = requests.get(f"{stack.api_url}/integrations/procore/status", headers=auth, timeout=30).json()
        totals = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        for company in (again["last_sync"] or {}).get("companies", {}).values():
            for counts in company["counts"].values():
                for key in totals:
                    totals[key] += counts.get(key, 0)
        report(f"second sync ({time.monotonic() - began:.1f} s): {totals['created']} created, "
              f"{totals['updated']} updated, {totals['unchanged']} unchanged, {totals['deleted']} deleted")
        ok &= totals["created"] == 0 and totals["updated"] == 0 and totals["deleted"] == 0
        for company_id, truth in expected.items():
            landed = _landed(records, DEMO_USER_ID, company_id)
            ok &= all(landed[e] == (truth[e] if truth.get("installed", True) else 0) for e in ENTITIES)
        ok &= _webhook_demo(report, sim, records, again)
        stats = requests.get(f"{sim.url}/_simulator/stats", timeout=30).json()
        report(f"Procore API calls in all: {stats.get('api_calls', {}).get('total', stats.get('total'))}")
        report(f"the functions' logs and metrics: {FUNCTION_LOG}")
        report("\nRESULT: " + ("every count matches Procore" if ok else "MISMATCH (see above)"))
        return 0 if ok else 1
    finally:
        stack.stop()
        sim.stop()


def _webhook_demo(report, sim, records, status: dict) -> bool:
    """Change a bid in Procore and show it land through the webhook, without the schedule."""
    from procore_sync.storage.records import partition

    hooked = [c for c in status["companies"] if (c.get("webhooks") or {}).get("state") == "active"]
    if not hooked:
        report("webhooks: none active, so changes arrive with the schedule only")
        return True
    company_id = hooked[0]["id"]
    bid = sim.state.expected_records(PROCORE_LOGIN, int(company_id), "bids")[0]
    amount = 987654.32
    changed_at = time.monotonic()
    sim.state.update_record("bids", bid["id"], lump_sum_amount=amount)

    def landed() -> bool:
        for item in records.items(partition(DEMO_USER_ID, company_id), "bid#"):
            if int(item["procore_id"]) == bid["id"]:
                return str(item["record"].get("lump_sum_amount")) == str(amount)
        return False

    while time.monotonic() - changed_at < 30 and not landed():
        time.sleep(0.2)
    ok = landed()
    report(f"webhook: a bid changed in Procore {'landed' if ok else 'did NOT land'} in "
           f"{time.monotonic() - changed_at:.1f} s, without waiting for the schedule "
           f"(webhooks active in {len(hooked)} of {len(status['companies'])} companies)")
    return ok


if __name__ == "__main__":
    sys.exit(main())
