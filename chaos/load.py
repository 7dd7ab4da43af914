"""The load run: many Palcode.ai users connected and syncing at once on the local stack.

The simulator seeds three Procore logins; the run adds more (`LOGINS`, admins of every company,
admins of one, and members who see some projects) and connects `users` Palcode.ai users to
them, several per login, each with its own token pair, so each is its own connection with its
own rate limits. They connect together, so their first syncs overlap; then, for `seconds`,
Procore keeps changing (records created, updated, deleted, deactivated), the schedule fires every
`schedule_every` seconds, a share of users press "Sync now", one login revokes the app and its
users connect again, and Procore answers a few calls with 5xx, 429 or slowly. Then the changes
and faults stop and syncs run until every user's records match Procore.

Checked: every user converges, no token pair went over Procore's limits, every run finished,
failures and dead letters are explained, refreshes never raced, no secret in the logs.
Measured: jobs per minute, Procore calls, retries, rate-budget waits, time to converge.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import invariants
from .observers import LogCapture, RefreshLog
from .stack import PASSWORD, Stack, running

LOGIN_BASE_ID = 7_700_000


@dataclass
class LoadPlan:
    users: int = 200
    logins: int = 20
    seconds: float = 90.0  # how long Procore keeps changing while users sync
    schedule_every: float = 20.0
    changes_per_second: float = 3.0
    sync_now_share: float = 0.2
    seed: int = 2026
    faults: dict[str, Any] = field(default_factory=lambda: {"error_rate_5xx": 0.02, "rate_429": 0.01,
                                                            "latency_ms": 10})
    max_settle_rounds: int = 4
    # Production's proportions: a job lease well inside the visibility timeout (60 s and 720 s on
    # AWS). The chaos suite's 3 s and 2 s make killed jobs come back fast, but under this load a
    # worker waiting out its rate budget outlives them and deliveries pile up.
    lease_seconds: int = 30
    visibility_timeout: int = 60


def run(plan: LoadPlan, *, say=print) -> dict[str, Any]:
    stack = running(size="tiny", lease_seconds=plan.lease_seconds, visibility_timeout=plan.visibility_timeout)
    with stack as local, pytest.MonkeyPatch.context() as monkeypatch, LogCapture() as logs:
        return _Load(local, plan, monkeypatch, logs, say).run()


class _Load:
    def __init__(self, stack: Stack, plan: LoadPlan, monkeypatch: Any, logs: LogCapture, say) -> None:
        from procore_sync.procore.client import ProcoreClient
        from procore_sync.services import get_services

        self.stack, self.sim, self.plan, self.logs, self.say = stack, stack.sim, plan, logs, say
        self.rng = random.Random(plan.seed)
        settings = get_services().settings
        monkeypatch.setattr(settings, "full_sync_interval_seconds", 0)  # full passes: deletions count
        monkeypatch.setattr(settings, "webhook_url", "")  # hooks are not what this run measures
        monkeypatch.setattr("procore_sync.procore.client._backoff", lambda retry_after, attempt: 0.2)
        self.refreshes = RefreshLog()
        self.refreshes.install(monkeypatch)
        self.counts: Counter[str] = Counter()
        self.budget_wait = 0.0
        self._lock = threading.Lock()
        request, wait_for_budget = ProcoreClient._request, ProcoreClient._wait_for_budget
        load = self

        def counted_request(client, *args, **kwargs):
            with load._lock:
                load.counts["requests"] += 1
            return request(client, *args, **kwargs)

        def timed_wait(client):
            began = time.monotonic()
            try:
                return wait_for_budget(client)
            finally:
                with load._lock:
                    load.counts["attempts"] += 1
                    load.budget_wait += time.monotonic() - began

        monkeypatch.setattr(ProcoreClient, "_request", counted_request)
        monkeypatch.setattr(ProcoreClient, "_wait_for_budget", timed_wait)
        self.logins = self._add_logins()
        self.users = {f"load-user-{i:03d}": self.logins[i % len(self.logins)] for i in range(plan.users)}
        self.figures: dict[str, Any] = {"users": plan.users, "procore_logins": len(self.logins)}

    def run(self) -> dict[str, Any]:
        began = time.monotonic()
        self._connect_all(self.users)
        self.figures["connect_seconds"] = round(time.monotonic() - began, 1)
        self.say(f"  {len(self.users)} users connected in {self.figures['connect_seconds']} s; syncing")
        self.sim.state.set_config(**self.plan.faults)
        stop = threading.Event()
        changer = threading.Thread(target=self._keep_changing, args=(stop,), daemon=True)
        changer.start()
        self._busy_window()
        stop.set()
        changer.join()
        self.sim.state.set_config(error_rate_5xx=0.0, rate_429=0.0, latency_ms=0)
        window_end = time.monotonic()
        self.say(f"  changes stopped after {window_end - began:.0f} s; settling")
        self.stack.settle(timeout=1800)
        problems, rounds = self._converge()
        ended = time.monotonic()
        self.figures.update(self._measure(began, window_end, ended, rounds))
        self.figures["violations"] = {
            "records": problems[:20],
            "rate_limits": invariants.rate_limits(self.sim),
            "runs": invariants.runs(self.stack, self.users)[:20],
            "dead_letters": invariants.dead_letters(self.stack)[:20],
            "refreshes": invariants.refreshes(self.refreshes, self.sim)[:20],
            "secrets": invariants.secrets(self.sim, self.stack.stack.procore_client_secret, self.logs.text()),
        }
        self.figures["ok"] = not any(self.figures["violations"].values())
        self.stack.reset()
        return self.figures

    # ------------------------------------------------------------------ the people

    def _add_logins(self) -> list[str]:
        """More Procore logins: admins of every company, admins of the first, and members of the
        first who see about half its projects, in turn."""
        from procore_simulator.world import User

        state = self.sim.state
        logins = []
        with state.lock:
            companies = sorted(state.world.records["companies"])
            for i in range(self.plan.logins):
                login = f"load{i:02d}@palcode.test"
                user = User(LOGIN_BASE_ID + i, login, f"Load Tester {i}", PASSWORD, companies[0])
                kind = i % 4
                if kind in (0, 1):
                    user.admin_of, user.member_of = set(companies), set(companies)
                elif kind == 2:
                    user.admin_of, user.member_of = {companies[0]}, {companies[0]}
                else:
                    user.member_of = {companies[0]}
                    projects = state.world.project_ids(companies[0])
                    user.projects = set(projects[i % 2::2])
                state.world.users[user.id] = user
                logins.append(login)
            state._world_changed = True  # reset() builds the seeded world again
        return logins

    def _connect_all(self, users: dict[str, str]) -> None:
        def connect(item: tuple[str, str]) -> None:
            for _ in range(3):  # a busy stack can time a browser out; the user clicks again
                try:
                    if self.stack.connect(*item) == "connected":
                        return
                except Exception as exc:  # noqa: BLE001 - counted, tried again
                    with self._lock:
                        self.counts[f"connect_error_{type(exc).__name__}"] += 1
            with self._lock:
                self.counts["connect_failed"] += 1

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(connect, users.items()))

    def _busy_window(self) -> None:
        """`seconds` of the schedule firing, users pressing Sync now, one login revoking the app and
        its users connecting again, while `_keep_changing` changes Procore."""
        plan = self.plan
        wanting = [u for u in self.users if self.rng.random() < plan.sync_now_share]
        sync_now_at = {u: self.rng.uniform(5, plan.seconds) for u in wanting}
        revoked = self.logins[self.rng.randrange(len(self.logins))]
        events = {"revoke": plan.seconds / 3, "reconnect": 2 * plan.seconds / 3}
        next_schedule = plan.schedule_every
        window = time.monotonic()
        while (now := time.monotonic() - window) < plan.seconds:
            if now >= next_schedule:
                self._trigger()
                next_schedule += plan.schedule_every
            for user_id, at in list(sync_now_at.items()):
                if now >= at:
                    self.counts[f"sync_now_{self.stack.sync_now(user_id)}"] += 1
                    del sync_now_at[user_id]
            if "revoke" in events and now >= events["revoke"]:
                del events["revoke"]
                self.sim.state.revoke_user_tokens(revoked)
                self.say(f"  {revoked} revoked the app "
                         f"({sum(1 for login in self.users.values() if login == revoked)} connections)")
            if "reconnect" in events and now >= events["reconnect"]:
                del events["reconnect"]
                self._connect_all({u: login for u, login in self.users.items() if login == revoked})
            time.sleep(0.5)

    def _keep_changing(self, stop: threading.Event) -> None:
        state = self.sim.state
        rng = random.Random(self.plan.seed + 1)
        while not stop.wait(1 / self.plan.changes_per_second):
            entity = rng.choice(("projects", "bid_packages", "bids", "vendors"))
            with state.lock:
                ids = sorted(state.world.records[entity])
            if not ids:
                continue
            record_id = ids[rng.randrange(len(ids))]
            kind = rng.choice(("update", "update", "create", "delete", "deactivate"))
            try:
                if kind == "update":
                    field_, value = {"projects": ("name", f"Load {rng.random():.6f}"),
                                     "bid_packages": ("title", f"Load {rng.random():.6f}"),
                                     "bids": ("lump_sum_amount", round(rng.uniform(1000, 99999), 2)),
                                     "vendors": ("name", f"Load Vendor {rng.random():.6f}")}[entity]
                    state.update_record(entity, record_id, **{field_: value})
                elif kind == "deactivate" and entity != "bids":
                    field_ = {"projects": "active", "bid_packages": "open", "vendors": "is_active"}[entity]
                    state.update_record(entity, record_id, **{field_: False})
                elif kind == "delete" and entity in ("bids", "vendors"):
                    state.delete_record(entity, record_id)
                elif kind == "create" and entity == "vendors":
                    company_id = state.world.records["vendors"][record_id]["_company_id"]
                    state.create_record("vendors", company_id)
                elif kind == "create" and entity == "bid_packages":
                    state.create_record("bid_packages", state.world.records["bid_packages"][record_id]["project_id"])
                self.counts[f"procore_{kind}"] += 1
            except Exception:  # noqa: BLE001 - a change the world refuses (no free vendor...) is skipped
                self.counts["procore_change_skipped"] += 1

    def _trigger(self) -> None:
        try:
            self.stack.trigger()
            self.counts["schedules"] += 1
        except Exception:  # noqa: BLE001 - EventBridge tries again next time
            self.counts["schedule_failed"] += 1

    # ------------------------------------------------------------------ the end

    def _converge(self) -> tuple[list[str], int]:
        """Syncs until every user matches Procore; returns what still differs and the rounds."""
        from procore_sync.services import get_services

        for user_id, login in self.users.items():  # whoever Procore cut off connects again
            if (get_services().connections.get(user_id) or {}).get("status") != "connected":
                self._connect_all({user_id: login})
        self.stack.settle(timeout=1800)
        problems: list[str] = []
        for rounds in range(1, self.plan.max_settle_rounds + 1):
            self._trigger()
            self.stack.settle(timeout=1800)
            problems = invariants.records(self.sim, self.users)
            if not problems:
                return [], rounds
        return problems, self.plan.max_settle_rounds

    def _measure(self, began: float, window_end: float, ended: float, rounds: int) -> dict[str, Any]:
        jobs = [job for user_id in self.users for job in invariants._jobs(self.stack, user_id)]
        finished = [j for j in jobs if j.get("state") in ("succeeded", "failed", "skipped", "cancelled")]
        stats = self.sim.state.stats_dict()
        by_token = stats["api_calls"]["by_token"]
        minutes = (ended - began) / 60
        return {
            "seconds": round(ended - began, 1),
            "settle_seconds": round(ended - window_end, 1),
            "settle_rounds": rounds,
            "jobs": len(jobs),
            "jobs_by_state": dict(Counter(str(j.get("state")) for j in jobs)),
            "jobs_per_minute": round(len(finished) / minutes, 1) if minutes else None,
            "runs": len({(j["pk"], j["run_id"]) for j in jobs}),
            "sqs_redeliveries": sum(max(0, int(j.get("attempts", 1)) - 1) for j in jobs),
            "procore_api_calls": stats["api_calls"]["total"],
            "procore_calls_per_minute": round(stats["api_calls"]["total"] / minutes, 1) if minutes else None,
            "client_requests": self.counts["requests"],
            "client_attempts": self.counts["attempts"],
            "in_process_retries": self.counts["attempts"] - self.counts["requests"],
            "rate_budget_wait_seconds": round(self.budget_wait, 1),
            "token_pairs": len(self.sim.state.token_pairs()),
            "max_calls_on_one_token": max(by_token.values()) if by_token else 0,
            "refreshes": len(self.refreshes.ours),
            "injected_faults": stats["injected_faults"],
            "real_rate_limit_exceedances": stats["rate_limit"]["total"],
            "records_in_dynamodb": self._record_count(),
            "events": {k: v for k, v in sorted(self.counts.items()) if k not in ("requests", "attempts")},
        }

    def _record_count(self) -> int:
        from procore_sync.services import get_services

        table = invariants._table(self.stack, "sync_state").meta.client
        return int(table.describe_table(TableName=get_services().settings.records_table)["Table"]["ItemCount"])
