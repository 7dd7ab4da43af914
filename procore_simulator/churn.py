"""Data that changes while a listing is read, as it does in a busy Procore company.

After a list endpoint serves a page, ``after_page`` inserts, updates and deletes records of
the listing's entity in the listing's scope (the company for projects and vendors, the
project for bid packages and bids, the bid package for a package's bids), as many as the
``churn_*_per_page`` knobs say. Every change spends one unit of ``churn_budget``; at 0
churn stops, so a sync can settle. Lists are offset-paged and sorted by id, so a delete
makes a later page skip a record and an insert shows up at the end, exactly as in Procore.

Targets and new values come from the seeded fault generator; the changes go through the
state's ``create_record`` / ``update_record`` / ``delete_record``, so ``updated_at``,
cascades and webhooks behave as for any other change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procore_simulator import catalog
from procore_simulator.seed import DAY

if TYPE_CHECKING:
    from procore_simulator.state import SimulatorState


@dataclass(frozen=True)
class Scope:
    """Where a listing's records live: the entity plus its company, project or package."""

    entity: str
    company_id: int | None = None
    project_id: int | None = None
    package_id: int | None = None


def after_page(state: SimulatorState, scope: Scope) -> None:
    """Apply one page's worth of churn; the caller holds the state lock."""
    config = state.config
    plan: tuple[tuple[str, int, Callable[[SimulatorState, Scope], int | None]], ...] = (
        ("insert", config.churn_inserts_per_page, _insert),
        ("update", config.churn_updates_per_page, _update),
        ("delete", config.churn_deletes_per_page, _delete),
    )
    for kind, count, change in plan:
        for _ in range(count):
            if config.churn_budget <= 0:
                return

            record_id = change(state, scope)
            if record_id is None:
                break

            config.churn_budget -= 1
            state.stats.record_churn(scope.entity, record_id, kind)


def _insert(state: SimulatorState, scope: Scope) -> int | None:
    entity = scope.entity
    if entity in ("projects", "vendors"):
        return state.create_record(entity, scope.company_id)["id"]

    if entity == "bid_packages":
        return state.create_record(entity, scope.project_id)["id"]

    world = state.world
    rng = state.fault_rng
    package_id = scope.package_id
    if package_id is None:
        package_ids = world.package_ids(scope.project_id)
        if not package_ids:
            return None
        package_id = rng.choice(package_ids)

    bids = world.records["bids"]
    bidders = {bids[bid_id]["_vendor_id"] for bid_id in world.bids_by_package[package_id]}
    company_id = world.company_of_project(world.records["bid_packages"][package_id]["project_id"])
    vendor_ids = [vid for vid in world.vendor_ids(company_id) if vid not in bidders]
    if not vendor_ids:
        return None

    return state.create_record("bids", package_id, vendor_id=rng.choice(vendor_ids))["id"]


def _update(state: SimulatorState, scope: Scope) -> int | None:
    record_id = _pick(state, scope)
    if record_id is None:
        return None

    record = state.world.records[scope.entity][record_id]
    state.update_record(scope.entity, record_id, **_new_values(state, scope.entity, record))
    return record_id


def _delete(state: SimulatorState, scope: Scope) -> int | None:
    record_id = _pick(state, scope)
    if record_id is not None:
        state.delete_record(scope.entity, record_id)

    return record_id


def _pick(state: SimulatorState, scope: Scope) -> int | None:
    """A random existing record of the scope, or None when it has none."""
    world = state.world
    if scope.entity == "projects":
        ids = world.project_ids(scope.company_id)
    elif scope.entity == "vendors":
        ids = world.vendor_ids(scope.company_id)
    elif scope.entity == "bid_packages":
        ids = world.package_ids(scope.project_id)
    elif scope.package_id is not None:
        ids = world.bid_ids_for_package(scope.package_id)
    else:
        ids = world.bid_ids_for_project(scope.project_id)

    return state.fault_rng.choice(ids) if ids else None


def _new_values(state: SimulatorState, entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """A plausible edit: new project value, prequalification, bid due date or bid amount."""
    rng = state.fault_rng
    if entity == "projects":
        return {"total_value": f"{round(rng.uniform(1.2, 48.0), 3) * 1_000_000:.2f}"}

    if entity == "vendors":
        return {"prequalified": not record.get("prequalified")}

    if entity == "bid_packages":
        return {"bid_due_date": int(record.get("bid_due_date") or 0) + DAY}

    amount = record.get("lump_sum_amount")
    if isinstance(amount, int | float):
        return {"lump_sum_amount": round(amount * rng.uniform(0.95, 1.05), 2)}

    return {"bidder_comments": rng.choice(catalog.BIDDER_COMMENTS)}
