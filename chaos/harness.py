"""Plays a schedule on the local stack and reports what the invariants found.

`play(stack, schedule)`:

1. the cast connects through the real redirect flow and the first sync settles, faults off;
2. the steps run in order: Procore changes, faults switched on, syncs under them;
3. every fault stops and the queues drain; the connections, dead letters, runs and refreshes
   are checked as the faults left them;
4. the users Procore cut off connect again, a company whose app came back is synced on request
   (the schedule would wait out its install back-off), and one scheduled sync runs: DynamoDB must
   now match Procore for everyone;
5. one more sync with nothing changed must write nothing; then rate limits, refreshes, secrets
   in logs and duplicate writes are checked over the whole run.

The world is reset afterwards (tables, queues, the simulator), so examples do not see each other.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import invariants
from .faults import AwsFaults, Killer, ProductClock, SqsChaos
from .observers import LogCapture, RefreshLog, Writes
from .schedule import CAST, DEACTIVATE, Schedule
from .stack import Stack

FAULTS_OFF = {"rate_429": 0.0, "retry_after_on_429": True, "error_rate_5xx": 0.0, "fault_5xx_status": 0,
              "latency_ms": 0, "timeout_rate": 0.0, "reset_rate": 0.0, "churn_budget": 0,
              "churn_inserts_per_page": 0, "churn_updates_per_page": 0, "churn_deletes_per_page": 0,
              "drop_next_refresh_response": False, "webhooks_enabled": False}
PER_PAGE = 5  # small pages, so listings have several (checkpoints, kills and churn between them)
PROCORE_TIMEOUT = 1.5  # our client's timeout; the simulator's slow answers take longer
SLOW_ANSWER = 2
WORKER_NAME = "sqs-chaos-"  # threads that stand in for sync workers are named like the pollers'
SPIKE_WINDOW = 2  # Procore's spike window, shortened so a spent window (or an injected 429) costs 2 s, not 10


@dataclass
class Outcome:
    """What a played schedule found: violations by invariant, and what happened, in figures."""

    schedule: Schedule
    violations: dict[str, list[str]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())

    def report(self) -> str:
        lines = [f"{name}: {problem}" for name, problems in self.violations.items() for problem in problems]
        return "\n".join(["invariants violated:", *lines, "", "replay it as a test:",
                          f"    @example(schedule={self.schedule.literal()})",
                          f'or: CHAOS_REPLAY="{self.schedule.literal()}" pytest tests/chaos -k replay',
                          "", "what happened:", *self.trace[-40:]])


def play(stack: Stack, schedule: Schedule, *, patch: Any = None, quick: bool = False) -> Outcome:
    """Play `schedule` through every phase. `quick` stops after the fault phase, with every check
    that applies there (records too)."""
    with session(stack, schedule, patch=patch) as harness:
        harness.begin()
        harness.play_steps()
        harness.stop_faults()
        harness.check_after_faults(records=quick)
        if not quick:
            harness.settle()
            harness.check_settled()
        harness.check_whole_run()
        return harness.outcome


@contextlib.contextmanager
def session(stack: Stack, schedule: Schedule, *, patch: Any = None) -> Iterator[Harness]:
    """A harness for `schedule`, torn down (faults off, world reset) on the way out.
    `patch(monkeypatch)` (a test turning a guard off) runs before anything else."""
    with pytest.MonkeyPatch.context() as monkeypatch, LogCapture() as logs:
        if patch is not None:
            patch(monkeypatch)
        harness = Harness(stack, schedule, monkeypatch, logs)
        try:
            yield harness
        finally:
            harness.tear_down()


class Harness:
    """The state of one played schedule: its users, faults, observers and findings."""

    def __init__(self, stack: Stack, schedule: Schedule, monkeypatch: Any, logs: LogCapture) -> None:
        from procore_sync import aws, crypto
        from procore_sync.services import get_services

        self.stack, self.sim, self.schedule = stack, stack.sim, schedule
        self.logs = logs
        self.outcome = Outcome(schedule)
        tag = uuid.uuid4().hex[:6]
        self.users = {f"chaos-{name}-{tag}": name for name in schedule.cast}
        self.user_of = {name: user_id for user_id, name in self.users.items()}
        self.invalidated: dict[str, str | None] = dict.fromkeys(self.users)
        self.synced_since: dict[str, bool] = dict.fromkeys(self.users, False)
        self.revoked_at: dict[str, str] = {}
        self.webhook_rounds: set[int] = set()
        self.webhooks_on = False
        self.started = self.fault_phase_began = time.monotonic()
        self.settle_round_began = ""

        services = get_services()
        settings = services.settings
        monkeypatch.setattr(settings, "full_sync_interval_seconds", 0)  # every run a full pass
        if "webhooks" not in schedule.kinds():  # setting hooks up costs ~20 calls a company: only when used
            monkeypatch.setattr(settings, "webhook_url", "")
        monkeypatch.setattr(settings, "procore_timeout_seconds", PROCORE_TIMEOUT)
        monkeypatch.setattr("procore_sync.procore.client._backoff", lambda retry_after, attempt: 0.05)
        self.sim.state.set_config(spike_limit=schedule.spike_limit, spike_window_seconds=SPIKE_WINDOW,
                                  timeout_seconds=SLOW_ANSWER,
                                  max_per_page={k: PER_PAGE for k in self.sim.state.config.max_per_page})

        self.clock = ProductClock(monkeypatch)
        self.refreshes = RefreshLog()
        self.refreshes.install(monkeypatch)
        self.writes = Writes(monkeypatch)
        self.killer = Killer()
        self.killer.install(monkeypatch)
        self.aws = AwsFaults(random.Random(f"aws:{schedule.seed}"))
        tables = [aws.table(name) for name in (settings.connections_table, settings.sync_state_table,
                                                settings.records_table, settings.oauth_states_table)]
        _, provider, _ = crypto._sdk(settings.token_key_arn)
        self.aws.install(tables, aws.table(settings.records_table), list(provider._regional_clients.values()))
        self.sqs = SqsChaos(random.Random(f"sqs:{schedule.seed}"))
        self.sqs.install(aws.client("sqs"))

    # ------------------------------------------------------------------ the run

    def begin(self, *, after_connect: tuple = ()) -> None:
        """The cast connects; the first sync settles, with no fault on, or with the faults of
        `after_connect` switched on as soon as the connects are through."""
        for user_id, name in self.users.items():
            self._connect(user_id, CAST[name])
        for step in after_connect:
            self.step(step)
        self.sync("first sync")
        self.fault_phase_began = time.monotonic()

    def play_steps(self) -> None:
        for step in self.schedule.steps:
            self.step(step)

    def stop_faults(self) -> None:
        self._calm()
        self.stack.settle()
        self.outcome.figures["fault_phase_seconds"] = round(time.monotonic() - self.fault_phase_began, 1)

    def check_after_faults(self, *, records: bool = False) -> None:
        """What must hold as the faults left things: connections, dead letters, runs (and, for a
        quick check, the records of the users still connected)."""
        self.check("tokens", invariants.tokens(self.stack, self.users, self.invalidated, self.synced_since,
                                                self.refreshes))
        self.check("dead_letters", invariants.dead_letters(self.stack))
        self.check("runs", invariants.runs(self.stack, self.users))
        self.check("summaries", invariants.summaries(self.stack, self.users))
        if records:
            self.check("records", invariants.records(self.sim, self._still_connected()))

    def check_settled(self) -> None:
        """DynamoDB matches Procore for everyone; a sync with nothing changed writes nothing."""
        connected = {u: CAST[n] for u, n in self.users.items()}
        self.check("records", invariants.records(self.sim, connected))
        self.check("runs", invariants.settled_runs(self.stack, self.users, since=self.settle_round_began))
        calm_round = self.sync("a sync with nothing changed")
        self.check("written_twice", invariants.nothing_written(self.writes, calm_round))
        self.check("records", invariants.records(self.sim, connected))

    def check_whole_run(self) -> None:
        rounds = set(range(self.writes.epoch + 1)) - self.webhook_rounds
        self.check("written_twice", invariants.written_twice(self.writes, rounds))
        self.check("rate_limits", invariants.rate_limits(self.sim))
        self.check("refreshes", invariants.refreshes(self.refreshes, self.sim))
        self.check("runs", invariants.runs(self.stack, self.users))
        self.check("summaries", invariants.summaries(self.stack, self.users))
        self.check("dead_letters", invariants.dead_letters(self.stack))
        self.check("secrets", invariants.secrets(self.sim, self.stack.stack.procore_client_secret,
                                                  self.logs.text()))
        self._figures()

    def tear_down(self) -> None:
        try:
            self._calm()
            self.stack.settle()
        finally:
            self.aws.uninstall()
            self.sqs.uninstall()
            self.stack.reset()

    # ------------------------------------------------------------------ steps

    def step(self, step: tuple) -> None:
        kind, *args = step
        self._trace(f"step {step!r}")
        handler = getattr(self, f"_do_{kind}", None)
        if handler is None:
            raise ValueError(f"unknown step {step!r}")
        handler(*args)

    def _do_sync(self) -> None:
        self.sync("scheduled sync")

    def _do_race(self, workers: int) -> None:
        """`workers` workers of each connection ask for its access token at the same moment."""
        from procore_sync.services import get_services

        services = get_services()
        threads = []
        for user_id in self.users:
            gate = threading.Barrier(workers)

            def worker(user_id: str = user_id, gate: threading.Barrier = gate) -> None:
                tokens = services.tokens(user_id)
                gate.wait(timeout=30)
                try:
                    tokens.current()
                except Exception as exc:  # noqa: BLE001 - what the workers meet is the invariants' business
                    self._trace(f"  a racing worker of {user_id} met {type(exc).__name__}")

            threads += [threading.Thread(target=worker, name=f"{WORKER_NAME}race-{i}") for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

    def _do_calm(self) -> None:
        self._calm()

    def _do_procore(self, knobs: dict) -> None:
        self.sim.state.set_config(**knobs)

    def _do_refresh(self, lost: bool) -> None:
        from procore_sync import clock
        from procore_sync.services import get_services

        due = []
        for user_id in self.users:
            item = get_services().connections.get(user_id) or {}
            if item.get("token_expires_at") is not None:
                due.append(float(item["token_expires_at"]) - clock.now() - 60)
        if due:
            self.clock.advance(max(due))
        if lost:
            self.sim.state.set_config(drop_next_refresh_response=True)

    def _do_kill(self, at_step: int, where: str = "any") -> None:
        self.killer.arm(at_step, only_checkpoints=where == "checkpoint")

    def _do_sqs(self, duplicate_rate: float, extra_delay: int) -> None:
        self.sqs.duplicate_rate, self.sqs.max_extra_delay = duplicate_rate, extra_delay

    def _do_replay(self, count: int) -> None:
        self.sqs.replay(count)

    def _do_dynamodb(self, throttle_rate: float, unprocessed_rate: float) -> None:
        self.aws.throttle_rate, self.aws.unprocessed_rate = throttle_rate, unprocessed_rate

    def _do_kms(self, count: int, operation: str = "Decrypt", unit: str = "attempts") -> None:
        """`count` KMS requests fail (botocore retries them); with unit "calls", `count` whole
        calls fail, as they do once botocore's retries are spent."""
        if unit == "calls":
            self.aws.kms_call_failures[operation] += count
        else:
            self.aws.kms_failures[operation] += count
        if operation == "Decrypt":  # as on a cold container: the next decryptions ask KMS again
            from procore_sync import crypto
            from procore_sync.services import get_services

            crypto._sdk(get_services().settings.token_key_arn)[2].cache.clear()

    def _do_webhooks(self, on: bool) -> None:
        self.webhooks_on = bool(on)
        self.sim.state.set_config(webhooks_enabled=bool(on))
        if on:
            self.webhook_rounds.add(self.writes.epoch)

    def _do_create(self, entity: str, pick: int) -> None:
        state = self.sim.state
        parents = {"projects": "companies", "vendors": "companies", "bid_packages": "projects",
                   "bids": "bid_packages"}[entity]
        parent = self._pick(parents, pick)
        if parent is None:
            return
        fields: dict[str, Any] = {}
        if entity == "bids":
            with state.lock:
                package = state.world.records["bid_packages"][parent]
                company_id = state.world.records["projects"][package["project_id"]]["_company_id"]
                vendors = state.world.vendor_ids(company_id)
                taken = {state.world.records["bids"][b]["_vendor_id"] for b in state.world.bid_ids_for_package(parent)}
            free = [v for v in vendors if v not in taken]
            if not free:
                return
            fields["vendor_id"] = free[pick % len(free)]
        created = state.create_record(entity, parent, **fields)
        self._trace(f"  created {entity} {created['id']}")

    def _do_update(self, entity: str, pick: int) -> None:
        record_id = self._pick(entity, pick)
        if record_id is None:
            return
        change = {"projects": {"name": f"Renamed {pick}"}, "bid_packages": {"title": f"Package {pick}, revised"},
                  "bids": {"lump_sum_amount": 1000 + pick * 37.25}, "vendors": {"name": f"Vendor {pick} LLC"}}
        self.sim.state.update_record(entity, record_id, **change[entity])
        self._trace(f"  updated {entity} {record_id}")

    def _do_delete(self, entity: str, pick: int) -> None:
        record_id = self._pick(entity, pick)
        if record_id is not None:
            self.sim.state.delete_record(entity, record_id)
            self._trace(f"  deleted {entity} {record_id}")

    def _do_deactivate(self, entity: str, pick: int) -> None:
        record_id = self._pick(entity, pick)
        if record_id is not None and entity in DEACTIVATE:
            name, value = DEACTIVATE[entity]
            self.sim.state.update_record(entity, record_id, **{name: value})
            self._trace(f"  {entity} {record_id}: {name}={value}")

    def _do_uninstall(self, pick: int) -> None:
        company_id = self._pick("companies", pick)
        self.sim.state.set_company_installed(company_id, False)
        self._trace(f"  app uninstalled in {company_id}")

    def _do_reinstall(self, pick: int) -> None:
        company_id = self._pick("companies", pick)
        self.sim.state.set_company_installed(company_id, True)
        self._trace(f"  app installed in {company_id}")

    def _do_unshare(self, pick: int) -> None:
        pat = self.sim.state.find_user(CAST["pat"])
        projects = sorted(pat.projects)
        if projects:
            self.sim.state.remove_project_member(CAST["pat"], projects[pick % len(projects)])

    def _do_revoke(self, who: str) -> None:
        from procore_sync.storage.sync_state import new_run_id

        login = CAST[who]
        self.sim.state.revoke_user_tokens(login)
        for user_id, name in self.users.items():
            if CAST[name] == login:
                self.invalidated[user_id], self.synced_since[user_id] = "revoked", False
                # run ids begin with their start time to the microsecond: a run whose id sorts
                # after this one was queued after the revoke
                self.revoked_at[user_id] = new_run_id()

    def _do_reconnect(self, who: str) -> None:
        user_id = self.user_of.get(who)
        if user_id is not None:
            self._connect(user_id, CAST[who])

    # ------------------------------------------------------------------ phases

    def _connect(self, user_id: str, login: str) -> None:
        outcome = self.stack.connect(user_id, login)
        self._trace(f"connect {user_id} as {login}: {outcome}")
        if outcome == "connected":
            self.invalidated[user_id], self.synced_since[user_id] = None, False
            self.refreshes.forget(user_id)

    def sync(self, why: str = "sync") -> int:
        """The schedule fires; returns the round once the queues are empty."""
        self.writes.next_round()
        if self.webhooks_on:
            self.webhook_rounds.add(self.writes.epoch)
        began = time.monotonic()
        for attempt in range(1, 4):  # EventBridge retries a failed invocation of the dispatcher
            try:
                self.stack.trigger()
                break
            except Exception as exc:  # noqa: BLE001 - the dispatcher met a fault; it is tried again
                self._trace(f"  the schedule's invocation failed ({type(exc).__name__}), attempt {attempt}")
                time.sleep(1)
        self.stack.settle()
        for user_id, why_invalid in self.invalidated.items():
            if why_invalid == "revoked" and not self.synced_since[user_id]:
                # a job must have begun since, or the product had no call in which to notice (a
                # company whose app is uninstalled is left out of the schedule for a while)
                self.synced_since[user_id] = any(str(job["run_id"]) > self.revoked_at[user_id] and job.get("started_at")
                                                 for job in invariants._jobs(self.stack, user_id))
        self._trace(f"{why}: round {self.writes.epoch}, {time.monotonic() - began:.1f} s")
        return self.writes.epoch

    def _calm(self) -> None:
        self.sim.state.set_config(**FAULTS_OFF)
        self.webhooks_on = False
        self.aws.off()
        self.sqs.off()
        self.killer.off()

    def settle(self) -> None:
        """After the faults: whom Procore cut off connects again (whether or not the product has
        noticed yet); time passes until the install
        back-off of every company whose app is back runs out (the schedule asks it again then);
        one scheduled sync runs for everyone."""
        from procore_sync import clock
        from procore_sync.services import get_services

        settling = time.monotonic()
        self.settle_round_began = clock.iso()
        for user_id, name in self.users.items():  # and whose revoke it has not noticed yet
            if (self.invalidated[user_id] is not None
                    or (get_services().connections.get(user_id) or {}).get("status") != "connected"):
                self._connect(user_id, CAST[name])
        self.stack.settle()
        waits = [0.0]
        for user_id in self.users:
            companies = (get_services().connections.get(user_id) or {}).get("companies") or {}
            for company_id, company in companies.items():
                due = company.get("next_install_check_at")
                if due is not None and self._installed(int(company_id)):
                    waits.append(float(due) - clock.now() + 1)
        if max(waits) > 0:
            self._trace(f"{max(waits):.0f} s pass: the install back-off of a reinstalled app runs out")
            self.clock.advance(max(waits))
        self.sync("settling sync")
        self.outcome.figures["settle_seconds"] = round(time.monotonic() - settling, 1)

    # ------------------------------------------------------------------ helpers

    def _pick(self, entity: str, pick: int) -> int | None:
        with self.sim.state.lock:
            ids = sorted(self.sim.state.world.records[entity])
        return ids[pick % len(ids)] if ids else None

    def _still_connected(self) -> dict[str, str]:
        from procore_sync.services import get_services

        return {u: CAST[n] for u, n in self.users.items()
                if (get_services().connections.get(u) or {}).get("status") == "connected"}

    def _installed(self, company_id: int) -> bool:
        with self.sim.state.lock:
            company = self.sim.state.world.get("companies", company_id)
            return bool(company and company.get("_installed", True))

    def check(self, name: str, problems: list[str]) -> None:
        found = self.outcome.violations.setdefault(name, [])
        found += [p for p in dict.fromkeys(problems) if p not in found]
        if not found:
            del self.outcome.violations[name]

    def _trace(self, line: str) -> None:
        self.outcome.trace.append(f"{time.monotonic() - self.started:7.1f}s {line}")

    def _figures(self) -> None:
        stats = self.sim.state.stats_dict()
        figures = self.outcome.figures
        figures.update({
            "seconds": round(time.monotonic() - self.started, 1),
            "api_calls": stats["api_calls"]["total"],
            "injected": {**stats["injected_faults"], "churn": stats["churn"]["total"],
                         **dict(self.aws.injected), **dict(self.sqs.injected), "kills": self.killer.kills,
                         "refresh_answers_lost": sum(1 for p in self.refreshes.procore if p.dropped)},
            "refreshes": len(self.refreshes.ours),
            "records_written": self.writes.total,
            "log_lines": self.logs.product_lines(),
        })
        figures["injected"] = {k: v for k, v in Counter(figures["injected"]).items() if v}
