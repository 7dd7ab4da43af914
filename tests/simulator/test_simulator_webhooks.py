"""Webhooks: the hooks API, the v2 payloads, and delivery with retries, duplicates and discard."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

DEMO = "demo@palcode.test"
OTHER = "other@palcode.test"
SECRET = "Bearer whsec-7f3a9c2e41d0b5"  # noqa: S105 - a made-up hook secret
HOOKS = "/rest/v1.0/webhooks/hooks"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
MICROSECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


class Receiver:
    """A tiny webhook endpoint: records every POST, answers the queued statuses, then 200."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/procore/events"
        serve = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        serve.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return

        return Handler

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [item["body"] for item in self.received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        events = self.events()
        assert len(events) >= count, events
        return events


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


class Hooks:
    """Calls to the Webhooks API as one connected user, in one company."""

    def __init__(self, sim, client, company: int) -> None:
        self.sim = sim
        self.client = client
        self.company = company

    def call(
        self,
        method: str,
        path: str,
        project_id: int | None = None,
        params: dict[str, Any] | None = None,
        **body: Any,
    ) -> requests.Response:
        """Name the scope in the JSON body for POST and PATCH, in the query otherwise."""
        headers = {
            "Authorization": f"Bearer {self.client.access_token}",
            "Procore-Company-Id": str(self.company),
        }
        scope = {"project_id": project_id} if project_id else {"company_id": self.company}
        in_body = method in ("POST", "PATCH")
        return requests.request(
            method,
            f"{self.sim.url}{path}",
            headers=headers,
            params={**(params or {}), **({} if in_body else scope)},
            json={**scope, **body} if in_body else None,
            timeout=10,
        )

    def hook(self, url: str, *triggers: tuple[str, str], **scope: Any) -> dict[str, Any]:
        """Register a v2 hook with a secret and the given (resource, event) triggers."""
        spec = {"api_version": "v2", "namespace": "palcode-sync", "destination_url": url}
        spec["destination_headers"] = {"Authorization": SECRET}
        created = self.call("POST", HOOKS, hook=spec, **scope)
        assert created.status_code == 201, created.text
        hook = created.json()
        for resource_name, event_type in triggers:
            trigger = {"resource_name": resource_name, "event_type": event_type}
            answer = self.call("POST", f"{HOOKS}/{hook['id']}/triggers", trigger=trigger, **scope)
            assert answer.status_code == 201, answer.text
        return hook

    def deliveries(self, hook_id: int, project_id: int | None = None, **params: Any) -> list:
        answer = self.call("GET", f"{HOOKS}/{hook_id}/deliveries", project_id, params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def hooks(sim, api, demo_companies) -> Hooks:
    return Hooks(sim, api(company_id=demo_companies[0]), demo_companies[0])


def _project_with_bids(sim, company: int, skip: int = 0) -> int:
    world = sim.state.world
    return [pid for pid in world.project_ids(company) if world.bids_by_project[pid]][skip]


def _wait_until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert check()


def test_webhooks_payload_and_authorization(sim, hooks, receiver) -> None:
    # GIVEN a company hook for project updates, with a secret
    hook = hooks.hook(receiver.url, ("Projects", "update"))
    project_id = sim.state.world.project_ids(hooks.company)[0]

    # WHEN a project changes
    sim.state.update_record("projects", project_id, name="Renamed Depot")

    # THEN one v2 event arrives with the hook's Authorization header
    (event,) = receiver.wait_for(1)
    headers = receiver.received[0]["headers"]
    assert headers["Authorization"] == SECRET
    assert headers["Content-Type"] == "application/json"
    staff_id = sim.state.world.records["companies"][hooks.company]["_staff"][0]["id"]
    assert event.pop("id") > 2**31
    assert ULID.match(event.pop("ulid"))
    assert MICROSECONDS.match(event.pop("timestamp"))
    assert event.pop("metadata")["source_operation_id"] > 0
    assert event == {
        "user_id": staff_id,
        "company_id": hooks.company,
        "project_id": None,
        "api_version": "v2",
        "event_type": "update",
        "resource_name": "Projects",
        "resource_id": project_id,
    }

    # AND the hook shows the secret masked, the delivery log shows the attempt
    (listed,) = hooks.call("GET", HOOKS).json()
    assert listed == hook
    assert listed["destination_headers"]["Authorization"].endswith(SECRET[-5:])
    assert SECRET[:-5] not in listed["destination_headers"]["Authorization"]
    assert listed["owned_by_company_id"] == hooks.company and listed["owned_by_project_id"] is None
    (delivery,) = hooks.deliveries(hook["id"])
    assert (delivery["outcome"], delivery["response_status"]) == ("ok", 200)
    assert delivery["event"]["resource_id"] == project_id
    assert sim.state.stats_dict()["webhooks"]["by_outcome"]["ok"] == 1


def test_webhooks_bids_carry_their_project_and_reach_project_hooks(sim, hooks, receiver) -> None:
    # GIVEN a company hook and a project hook, both for bid updates
    first = _project_with_bids(sim, hooks.company)
    second = _project_with_bids(sim, hooks.company, 1)
    hooks.hook(receiver.url, ("Bids", "update"))
    project_hook = hooks.hook(receiver.url, ("Bids", "update"), project_id=first)
    bid_in_first = sim.state.world.bid_ids_for_project(first)[0]
    bid_in_second = sim.state.world.bid_ids_for_project(second)[0]

    # WHEN a bid changes in each project
    sim.state.update_record("bids", bid_in_first, bid_status="submitted")
    sim.state.update_record("bids", bid_in_second, bid_status="submitted")

    # THEN the company hook hears both, the project hook only its own project's
    events = receiver.wait_for(3)
    time.sleep(0.1)
    assert len(receiver.events()) == 3
    by_bid: dict[int, list[int | None]] = {}
    for event in events:
        assert event["resource_name"] == "Bids"
        by_bid.setdefault(event["resource_id"], []).append(event["project_id"])
    assert by_bid == {bid_in_first: [first, first], bid_in_second: [second]}
    assert project_hook["owned_by_project_id"] == first
    _wait_until(lambda: len(hooks.deliveries(project_hook["id"], project_id=first)) == 1)


def test_webhooks_duplicates(sim, hooks, receiver) -> None:
    sim.state.set_config(webhook_duplicate_rate=1.0)
    hooks.hook(receiver.url, ("Company Vendors", "update"))
    vendor_id = sim.state.world.vendor_ids(hooks.company)[0]

    sim.state.update_record("vendors", vendor_id, prequalified=True)

    first, second = receiver.wait_for(2)
    assert first == second
    stats = sim.state.stats_dict()["webhooks"]
    assert (stats["events"], stats["duplicated"], stats["attempts"]) == (1, 1, 2)


def test_webhooks_retry_after_a_500_with_back_off(sim, hooks, receiver) -> None:
    # GIVEN a receiver that fails once, and a retry base of 100 simulated seconds
    sim.state.set_config(webhook_retry_base_seconds=100)
    receiver.statuses = [500]
    hook = hooks.hook(receiver.url, ("Projects", "create"))

    # WHEN a project is created and the first delivery fails
    sim.state.create_record("projects", hooks.company, name="Harbor Clinic")
    receiver.wait_for(1)

    # THEN nothing is retried before the back-off, and the retry then succeeds
    sim.state.clock.advance(50)
    time.sleep(0.15)
    assert len(receiver.events()) == 1
    sim.state.clock.advance(60)
    first, second = receiver.wait_for(2)
    assert first == second
    _wait_until(lambda: len(hooks.deliveries(hook["id"])) == 2)
    outcomes = [(row["outcome"], row["response_status"]) for row in hooks.deliveries(hook["id"])]
    assert outcomes == [("retried", 500), ("ok", 200)]
    failing = hooks.deliveries(hook["id"], **{"filter[status]": "failing"})
    assert [row["outcome"] for row in failing] == ["retried"]


def test_webhooks_discarded_after_12_simulated_hours(sim, hooks, receiver) -> None:
    # GIVEN a receiver that keeps failing, with two events queued for it
    sim.state.set_config(webhook_retry_base_seconds=600)
    receiver.statuses = [500] * 50
    hook = hooks.hook(receiver.url, ("Projects", "update"))
    first, second = sim.state.world.project_ids(hooks.company)[:2]
    sim.state.update_record("projects", first, name="One")
    sim.state.update_record("projects", second, name="Two")
    receiver.wait_for(1)

    # WHEN twelve simulated hours pass (the access token expires too: read the log directly)
    sim.state.clock.advance(12 * 3_600 + 1)

    def rows() -> list[dict[str, Any]]:
        with sim.state.lock:
            return list(sim.state.webhooks.hooks[hook["id"]].deliveries)

    # THEN both events are discarded, and the next change is delivered afresh
    _wait_until(lambda: len(rows()) == 3)
    assert [row["outcome"] for row in rows()] == ["retried", "discarded", "discarded"]
    assert [row["event"]["resource_id"] for row in rows()] == [first, first, second]
    receiver.statuses = []
    sim.state.update_record("projects", first, name="Three")
    _wait_until(lambda: len(rows()) == 4)
    assert rows()[-1]["outcome"] == "ok"
    by_outcome = sim.state.stats_dict()["webhooks"]["by_outcome"]
    assert by_outcome == {"ok": 1, "retried": 1, "failed": 0, "discarded": 2}


def test_webhooks_need_the_webhooks_permission(sim, hooks, receiver) -> None:
    sim.state.set_config(webhooks_permission_users=[OTHER])
    spec = {"namespace": "palcode-sync", "destination_url": receiver.url}

    refused = hooks.call("POST", HOOKS, hook=spec)
    listing = hooks.call("GET", HOOKS)
    resources = hooks.call("GET", "/rest/v1.0/webhooks/resources")
    sim.state.set_config(webhooks_permission_users=[DEMO.upper()])
    allowed = hooks.call("POST", HOOKS, hook=spec)

    assert refused.status_code == 403 and listing.status_code == 403
    assert isinstance(refused.json()["errors"], list) and refused.json()["errors"][0]
    assert resources.status_code == 200
    assert allowed.status_code == 201


def test_webhooks_event_types_and_resources_follow_the_knobs(sim, hooks, receiver) -> None:
    hook = hooks.hook(receiver.url)
    path = f"{HOOKS}/{hook['id']}/triggers"

    def trigger(resource_name: str, event_type: str) -> requests.Response:
        body = {"resource_name": resource_name, "event_type": event_type}
        return hooks.call("POST", path, api_version="v2", trigger=body)

    def names() -> list[str]:
        listed = hooks.call("GET", "/rest/v1.0/webhooks/resources").json()
        return [resource["resource_name"] for resource in listed]

    projects_delete, bids_create, packages = (
        trigger("Projects", "delete"),
        trigger("Bids", "create"),
        trigger("Bid Packages", "update"),
    )
    project_vendors = trigger("Project Vendors", "create")  # project-level only
    default_names = names()
    sim.state.set_config(webhook_all_event_types=True, webhook_bid_packages_resource=True)

    assert [projects_delete.status_code, bids_create.status_code] == [422, 422]
    message = "delete is not supported for Projects"
    assert projects_delete.json() == {"errors": {"event_type": [message]}}
    assert packages.status_code == 422 and "resource_name" in packages.json()["errors"]
    assert project_vendors.status_code == 422
    assert default_names == ["Projects", "Company Vendors", "Bids"]
    assert trigger("Projects", "DELETE").status_code == 201
    assert trigger("Projects", "delete").status_code == 422  # already taken
    assert trigger("Bid Packages", "update").json()["event_type"] == "update"
    assert names() == ["Projects", "Company Vendors", "Bids", "Bid Packages"]
    listed = hooks.call("GET", path).json()
    assert [(t["resource_name"], t["event_type"]) for t in listed] == [
        ("Projects", "delete"),
        ("Bid Packages", "update"),
    ]


def test_webhooks_project_delete_cascades(sim, hooks, receiver) -> None:
    sim.state.set_config(webhook_all_event_types=True, webhook_bid_packages_resource=True)
    triggers = [(name, "delete") for name in ("Projects", "Bids", "Bid Packages")]
    hooks.hook(receiver.url, *triggers)
    project_id = _project_with_bids(sim, hooks.company)
    bids = sim.state.world.bid_ids_for_project(project_id)
    packages = sim.state.world.package_ids(project_id)

    sim.state.delete_record("projects", project_id)

    events = receiver.wait_for(1 + len(bids) + len(packages))
    seen = {(event["resource_name"], event["resource_id"]) for event in events}
    assert ("Projects", project_id) in seen
    assert {("Bids", bid_id) for bid_id in bids} <= seen
    assert {("Bid Packages", package_id) for package_id in packages} <= seen
    assert {event["event_type"] for event in events} == {"delete"}
    assert len({event["metadata"]["source_operation_id"] for event in events}) == 1


def test_webhooks_switched_off_queue_nothing(sim, hooks, receiver) -> None:
    hooks.hook(receiver.url, ("Projects", "update"))
    sim.state.set_config(webhooks_enabled=False)

    sim.state.update_record("projects", sim.state.world.project_ids(hooks.company)[0], name="X")

    assert sim.state.stats_dict()["webhooks"]["events"] == 0
    assert all(not hook.queue for hook in sim.state.webhooks.hooks.values())


def test_webhooks_delay_before_the_first_attempt(sim, hooks, receiver) -> None:
    sim.state.set_config(webhook_delay_ms=300)
    hooks.hook(receiver.url, ("Projects", "update"))

    changed = time.monotonic()
    sim.state.update_record("projects", sim.state.world.project_ids(hooks.company)[0], name="Y")

    receiver.wait_for(1)
    assert receiver.received[0]["at"] - changed >= 0.3


def test_webhooks_churn_and_growth_emit_creates(sim, hooks, receiver) -> None:
    hooks.hook(receiver.url, ("Projects", "create"))
    sim.state.grow_company(hooks.company, projects=3)
    sim.state.set_config(churn_inserts_per_page=1, churn_budget=1)

    hooks.client.get("/rest/v1.1/projects", company_id=hooks.company)

    events = receiver.wait_for(4)
    created = [event["resource_id"] for event in events]
    assert set(created) <= set(sim.state.world.project_ids(hooks.company))
    assert sim.state.stats_dict()["churn"]["changes"][0]["id"] == created[-1]


def test_webhooks_hook_crud_validation_and_scope(sim, hooks, receiver, demo_companies) -> None:
    spec = {"namespace": "Palcode_Sync", "destination_url": receiver.url}
    bad_namespace = hooks.call("POST", HOOKS, hook=spec)
    bad_url = hooks.call("POST", HOOKS, hook={"namespace": "ok", "destination_url": "ftp://x"})
    hook = hooks.hook(receiver.url, ("Projects", "update"))
    hook_path = f"{HOOKS}/{hook['id']}"

    patched = hooks.call("PATCH", hook_path, hook={"namespace": "palcode-two"})
    other_company = Hooks(sim, hooks.client, demo_companies[1]).call("GET", f"{hook_path}/triggers")
    (trigger,) = hooks.call("GET", f"{hook_path}/triggers").json()
    trigger_gone = hooks.call("DELETE", f"{hook_path}/triggers/{trigger['id']}")
    deleted = hooks.call("DELETE", hook_path)

    assert bad_namespace.status_code == 422 and "namespace" in bad_namespace.json()["errors"]
    assert bad_url.status_code == 422
    assert patched.status_code == 200 and patched.json()["namespace"] == "palcode-two"
    assert other_company.status_code == 404
    assert trigger_gone.status_code == 204 and deleted.status_code == 204
    assert hooks.call("GET", HOOKS).json() == []
    assert hooks.call("GET", f"{hook_path}/triggers").status_code == 404


def test_webhooks_reset_clears_hooks_and_pending_events(sim, hooks, receiver) -> None:
    sim.state.set_config(webhook_delay_ms=150)
    hooks.hook(receiver.url, ("Projects", "update"))
    sim.state.update_record("projects", sim.state.world.project_ids(hooks.company)[0], name="Z")

    sim.state.reset()
    time.sleep(0.25)

    assert sim.state.webhooks.hooks == {}
    assert receiver.events() == []
