"""The simulator's whole mutable state behind one lock, and the helpers tests call on it.

``SimulatorServer.state`` is an instance of ``SimulatorState``. Request handlers hold
``state.lock`` while they read or change anything here; the helpers below take it too, so
tests may call them while the server is serving.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import threading
from typing import Any

from procore_simulator import expected, grow, seed, serialize, webhook_events
from procore_simulator.clock import Clock
from procore_simulator.config import SimulatorConfig
from procore_simulator.filters import parse_timestamp
from procore_simulator.rate_limit import RateLimiter
from procore_simulator.stats import Stats
from procore_simulator.tokens import TokenPair, TokenStore
from procore_simulator.webhook_delivery import WebhookDeliverer
from procore_simulator.webhook_events import Change
from procore_simulator.webhook_store import WebhookStore
from procore_simulator.world import ENTITIES, User, World, WorldError

_PARENT_KEYS = {
    "projects": "company_id",
    "vendors": "company_id",
    "bid_packages": "project_id",
    "bids": "bid_package_id",
}


class SimulatorState:
    """World, tokens, knobs, clock and call log of one simulator."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self._initial_config = self.config.copy()
        self.lock = threading.RLock()
        self.clock = Clock(frozen=lambda: self.config.clock_frozen)
        self.base_url: str | None = None
        self.world: World = seed.build_world(self.config.size, self.config.seed)
        self.tokens = TokenStore()
        self.stats = Stats()
        self.rate_limiter = RateLimiter()
        self.webhooks = WebhookStore()
        self.webhook_deliverer = WebhookDeliverer(self)
        # NOTE: seeded generators on purpose: faults and created records must repeat per seed.
        self.fault_rng = random.Random(f"procore-simulator-faults:{self.config.seed}")  # noqa: S311
        self._created = 0
        self._grown = 0
        self._world_changed = False

    # Lifecycle and knobs

    def reset(self) -> None:
        """Back to the seeded world, the starting knobs, real time, no tokens and no hooks.

        Queued webhook events go with their hooks; the delivery thread stays.
        """
        with self.lock:
            for item in dataclasses.fields(self.config):
                value = getattr(self._initial_config, item.name)
                setattr(self.config, item.name, _copy(value))

            if self._world_changed:
                self.world = seed.build_world(self.config.size, self.config.seed)
                self._world_changed = False

            self.clock.reset()
            self.tokens = TokenStore()
            self.stats = Stats()
            self.rate_limiter = RateLimiter()
            self.webhooks = WebhookStore()
            self.fault_rng = random.Random(f"procore-simulator-faults:{self.config.seed}")  # noqa: S311
            self._created = 0
            self._grown = 0

    def set_config(self, **changes: Any) -> dict[str, Any]:
        """Validate and apply runtime knobs (raises ``ConfigError``); return what changed."""
        with self.lock:
            # Reading the clock on both sides latches a freeze or thaw at this moment.
            self.clock.now()
            applied = self.config.apply(changes)
            self.clock.now()
            return applied

    # Users and ground truth

    def find_user(self, login_or_id: str | int) -> User:
        """Return the user with that login or id, or raise ``WorldError``."""
        with self.lock:
            user = self.world.find_user(login_or_id)
            if user is None:
                raise WorldError(f"no user {login_or_id}")

            return user

    def expected(self, user: str | int | User) -> dict[int, dict[str, Any]]:
        """What a complete sync for this user must land, per company id."""
        with self.lock:
            return expected.summary(self.world, self._user(user))

    def expected_records(
        self, user: str | int | User, company_id: int, entity: str
    ) -> list[dict[str, Any]]:
        """The records of one entity the user sees in a company, shaped as the API does."""
        with self.lock:
            return expected.records(
                self.world,
                self._user(user),
                company_id,
                entity,
                self.config.bid_package_list_view,
            )

    def expected_all(self, user: str | int | User) -> dict[str, dict[str, Any]]:
        """Every record the user should end up with, in one call.

        ``{company_id (str): {"installed", "projects", "bid_packages", "bids", "vendors"}}``
        for each company the user belongs to, built from ``expected_records``.
        """
        with self.lock:
            return expected.everything(
                self.world, self._user(user), self.config.bid_package_list_view
            )

    def api_record(self, entity: str, record_id: int) -> dict[str, Any]:
        """One record shaped as the API's default view returns it."""
        with self.lock:
            return self._serialize(entity, self.world.require(entity, record_id))

    # Mutations

    def create_record(
        self, entity: str, parent_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create a record under its parent (company, project or bid package).

        ``parent_id`` is the company id for projects and vendors, the project id for bid
        packages and the bid package id for bids; companies have none (the demo user becomes
        their admin). Bids accept ``vendor_id`` (default: the company's first vendor). Other
        keyword arguments set API fields. Returns the record as the API shows it.
        """
        if entity != "companies" and entity not in _PARENT_KEYS:
            raise WorldError(f"cannot create {entity}")

        if entity != "companies" and parent_id is None:
            raise WorldError(f"creating {entity} needs a parent_id")

        with self.lock:
            self._created += 1
            self._world_changed = True
            seed_text = f"procore-simulator-create:{self.config.seed}:{self._created}"
            rng = random.Random(seed_text)  # noqa: S311
            now = int(self.clock.now())
            record = self._make(rng, entity, parent_id, fields.pop("vendor_id", None))
            changes = _normalize(fields)
            if entity in ("projects", "bids", "vendors"):
                changes.setdefault("created_at", now)
                changes.setdefault("updated_at", changes["created_at"])

            record.update(changes)
            self._emit([webhook_events.change_of(self.world, entity, record, "create")])
            return self._serialize(entity, record)

    def update_record(self, entity: str, record_id: int, **changes: Any) -> dict[str, Any]:
        """Change API fields of a record; ``updated_at`` moves to now where it exists."""
        with self.lock:
            self._world_changed = True
            record = self.world.update(
                entity,
                record_id,
                _normalize(changes),
                int(self.clock.now()),
                strictly_later=not self.config.clock_frozen,
            )
            self._emit([webhook_events.change_of(self.world, entity, record, "update")])
            return self._serialize(entity, record)

    def delete_record(self, entity: str, record_id: int) -> None:
        """Delete a record and its children (a project takes its packages and bids).

        Webhooks hear a delete for every record that goes, children first.
        """
        with self.lock:
            self._world_changed = True
            gone = self.world.subtree(entity, record_id)
            changes = [webhook_events.change_of(self.world, e, r, "delete") for e, r in gone]
            self.world.delete(entity, record_id)
            self._emit(changes)

    def grow_company(
        self,
        company_id: int,
        projects: int = 0,
        bid_packages_per_project: int = 0,
        bids_per_package: int = 0,
        vendors: int = 0,
    ) -> dict[str, int]:
        """Add many seeded-looking records to a company; return the counts added.

        Vendors come first, then ``projects`` projects with ``bid_packages_per_project``
        packages of ``bids_per_package`` bids each (fewer bids when the directory is smaller
        than that). The company's admins see them all at once.
        """
        sizes = {
            "projects": projects,
            "bid_packages_per_project": bid_packages_per_project,
            "bids_per_package": bids_per_package,
            "vendors": vendors,
        }
        for name, value in sizes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")

        with self.lock:
            self.world.require("companies", company_id)
            self._grown += 1
            self._world_changed = True
            # NOTE: seeded on purpose, like the world: the same calls grow the same records.
            seed_text = f"procore-simulator-grow:{self.config.seed}:{self._grown}"
            rng = random.Random(seed_text)  # noqa: S311
            growth = grow.grow_company(rng, self.world, company_id, **sizes)
            if self.webhooks.hooks:
                self._emit(
                    [
                        webhook_events.change_of(self.world, entity, record, "create")
                        for entity, record in growth.records
                    ]
                )
            return dict(growth.counts)

    def malform_record(self, entity: str, record_id: int, field: str, value: Any) -> None:
        """Make the API answer one field of a record as exactly this raw JSON value.

        From now until ``reset()``, list and show endpoints and ``expected_records`` return
        the record with ``field`` set to ``value`` (``None``, ``"not a date"``, ...), with no
        timestamp formatting or other normalization, in every view that shows the field.
        Filters still work on the stored value.
        """
        if entity not in _PARENT_KEYS:
            raise WorldError(f"cannot malform {entity}; use one of {', '.join(_PARENT_KEYS)}")

        if not isinstance(field, str) or not field or field.startswith("_"):
            raise ValueError("field must be the name of an API field")

        with self.lock:
            record = self.world.require(entity, record_id)
            self._world_changed = True
            record.setdefault(serialize.MALFORMED_KEY, {})[field] = copy.deepcopy(value)

    def set_company_installed(self, company_id: int, installed: bool) -> None:
        """Install or uninstall the app in a company (Company Admin → App Management)."""
        with self.lock:
            self._world_changed = True
            self.world.require("companies", company_id)["_installed"] = bool(installed)

    def add_project_member(self, user: str | int | User, project_id: int) -> None:
        """Make a user a member of a project (and of its company, as a non-admin)."""
        with self.lock:
            self._world_changed = True
            target = self._user(user)
            project = self.world.require("projects", project_id)
            target.member_of.add(project["_company_id"])
            target.projects.add(project_id)

    def remove_project_member(self, user: str | int | User, project_id: int) -> None:
        with self.lock:
            self._world_changed = True
            self._user(user).projects.discard(project_id)

    def revoke_user_tokens(self, user: str | int | User) -> int:
        """Revoke all of a user's tokens, as "My Connected Apps → Revoke" does."""
        with self.lock:
            return self.tokens.revoke_user(self._user(user).id)

    # Call log helpers

    def token_pairs(self, user: str | int | User | None = None) -> list[TokenPair]:
        """Every access/refresh pair issued so far (revoked ones too), optionally for a user."""
        with self.lock:
            user_id = None if user is None else self._user(user).id
            return [pair for pair in self.tokens.pairs if user_id in (None, pair.user_id)]

    def token_calls(self, grant_type: str | None = None) -> list[dict[str, Any]]:
        """Recorded /oauth/token calls, optionally of one grant type."""
        with self.lock:
            calls = list(self.stats.token_calls)

        return [call for call in calls if grant_type is None or call["grant_type"] == grant_type]

    def rate_limit_exceeded(self, user: str | int | User | None = None) -> bool:
        """Whether a real rate limit was hit (by anyone, or by one user)."""
        with self.lock:
            user_id = None if user is None else self._user(user).id
            return self.stats.limit_exceeded(user_id)

    def rate_limit_exceeded_by_pair(self) -> dict[str, dict[str, Any]]:
        """Real rate-limit exceedances per token pair (connection) that had any.

        ``{"pair-2": {"user": "demo@palcode.test", "exceeded": 3}}``; injected 429s are not
        counted. Per user: ``stats_dict()["rate_limit"]["by_user"]``.
        """
        with self.lock:
            return self.stats.limit_exceeded_by_pair(self._logins())

    def stats_dict(self) -> dict[str, Any]:
        with self.lock:
            return self.stats.to_dict(self._logins())

    # Internals

    def _emit(self, changes: list[Change | None]) -> None:
        webhook_events.emit(self, [change for change in changes if change is not None])

    def _logins(self) -> dict[int, str]:
        return {user.id: user.login for user in self.world.users.values()}

    def _user(self, user: str | int | User) -> User:
        if isinstance(user, User):
            return user

        found = self.world.find_user(user)
        if found is None:
            raise WorldError(f"no user {user}")

        return found

    def _make(
        self, rng: random.Random, entity: str, parent_id: Any, vendor_id: int | None
    ) -> dict[str, Any]:
        world = self.world
        if entity == "companies":
            company = seed.make_company(rng, world)
            seed.make_trades(rng, world, company)
            demo = world.find_user(seed.DEMO_LOGIN)
            if demo is not None:
                demo.admin_of.add(company["id"])
                demo.member_of.add(company["id"])
            return company

        if entity == "projects":
            return seed.make_project(rng, world, world.require("companies", parent_id))

        if entity == "vendors":
            company = world.require("companies", parent_id)
            names = {world.records["vendors"][vid]["name"] for vid in world.vendor_ids(parent_id)}
            return seed.make_vendor(rng, world, company, names)

        if entity == "bid_packages":
            return seed.make_bid_package(rng, world, world.require("projects", parent_id))

        package = world.require("bid_packages", parent_id)
        company_id = world.records["projects"][package["project_id"]]["_company_id"]
        if vendor_id is None:
            vendor_ids = world.vendor_ids(company_id)
            if not vendor_ids:
                raise WorldError("the company has no vendors to bid")
            vendor_id = vendor_ids[0]
        elif world.get("vendors", vendor_id) is None:
            raise WorldError(f"no vendors record with id {vendor_id}")

        return seed.make_bid(rng, world, package, vendor_id)

    def _serialize(self, entity: str, record: dict[str, Any]) -> dict[str, Any]:
        if entity == "projects":
            return serialize.project(self.world, record)  # type: ignore[return-value]
        if entity == "bid_packages":
            return serialize.bid_package(self.world, record)
        if entity == "bids":
            return serialize.bid(self.world, record)
        if entity == "vendors":
            return serialize.vendor(self.world, record)
        if entity == "companies":
            return {k: v for k, v in record.items() if not k.startswith("_")}

        raise WorldError(f"unknown entity {entity}; expected one of {', '.join(ENTITIES)}")


def _normalize(changes: dict[str, Any]) -> dict[str, Any]:
    """Store timestamps given by callers as whole unix seconds, like the seeded data."""
    result = {}
    for key, value in changes.items():
        if key in serialize.TIMESTAMP_KEYS and isinstance(value, str):
            value = int(parse_timestamp(value))
        elif key in serialize.TIMESTAMP_KEYS and isinstance(value, float):
            value = int(value)
        result[key] = value

    return result


def _copy(value: Any) -> Any:
    if isinstance(value, list | dict):
        return type(value)(value) if isinstance(value, list) else dict(value)

    return value
