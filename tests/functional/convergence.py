"""What "the sync has converged" means, checked by code: DynamoDB holds for a user exactly what
the simulator shows that user (nothing missing, nothing extra, content equal, deletions marked),
and the simulator never saw the user's connection go over a rate limit."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from procore_sync.services import get_services
from procore_sync.storage.records import partition

ENTITIES = {"projects": "project#", "bid_packages": "bid_package#", "bids": "bid#", "vendors": "vendor#"}


def _plain(value):
    """JSON numbers as the API sends them (DynamoDB gives Decimal back)."""
    return json.loads(json.dumps(value, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)))


def truth(sim, login: str) -> dict[str, dict[str, dict[int, dict]]]:
    """company id → entity → procore id → record, for the companies where the app is installed."""
    found = {}
    for company_id, summary in sim.state.expected(login).items():
        if not summary["installed"]:
            continue
        found[str(company_id)] = {
            entity: {r["id"]: _plain(r) for r in sim.state.expected_records(login, int(company_id), entity)}
            for entity in ENTITIES
        }
    return found


def stored(user_id: str, company_ids) -> tuple[dict, dict]:
    """(live records, deleted ids) in the same shape as `truth`."""
    records = get_services().records
    live: dict = {}
    deleted: dict = {}
    for company_id in company_ids:
        items = list(records.items(partition(user_id, company_id), ""))
        for entity, prefix in ENTITIES.items():
            mine = [i for i in items if str(i["sk"]).startswith(prefix)]
            live.setdefault(str(company_id), {})[entity] = {
                int(i["procore_id"]): _plain(i["record"]) for i in mine if "deleted_at" not in i}
            deleted.setdefault(str(company_id), {})[entity] = {
                int(i["procore_id"]) for i in mine if "deleted_at" in i}
    return live, deleted


def differences(sim, login: str, user_id: str) -> list[str]:
    """Every way DynamoDB differs from Procore for this user; empty when converged."""
    expected = truth(sim, login)
    live, deleted = stored(user_id, expected)
    problems = []
    for company_id, entities in expected.items():
        for entity, records in entities.items():
            have = live[company_id][entity]
            missing = sorted(set(records) - set(have))
            extra = sorted(set(have) - set(records))
            stale = sorted(i for i in set(records) & set(have) if records[i] != have[i])
            wrongly_deleted = sorted(set(records) & deleted[company_id][entity])
            for label, ids in (("missing", missing), ("extra", extra), ("stale", stale),
                               ("marked deleted but present", wrongly_deleted)):
                if ids:
                    problems.append(f"company {company_id} {entity}: {len(ids)} {label}: {ids[:5]}")
    return problems


def assert_converged(local, login: str, user_id: str) -> None:
    problems = differences(local.sim, login, user_id)
    assert not problems, "\n".join(problems)
    assert not local.sim.state.rate_limit_exceeded(login), local.sim.state.stats_dict()


class WriteLog:
    """Counts every record write (put) by sort key, to show nothing is written twice."""

    def __init__(self, monkeypatch) -> None:
        self.writes: Counter[tuple[str, str]] = Counter()
        records = get_services().records
        original = records.put_many

        def put_many(items):
            items = list(items)
            self.writes.update((str(i["pk"]), str(i["sk"])) for i in items)
            return original(items)

        monkeypatch.setattr(records, "put_many", put_many)

    def twice(self) -> list[tuple[str, str]]:
        return [key for key, n in self.writes.items() if n > 1]

    def total(self) -> int:
        return sum(self.writes.values())
