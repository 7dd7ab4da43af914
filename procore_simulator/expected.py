"""Ground truth for tests and demos: what a complete sync for one user must land.

``everything`` gives all of it in one call: every record of every entity, per company.

Counts include inactive projects, closed bid packages and inactive vendors, because a
complete sync reads them all. Records are shaped exactly as the API's list endpoints return
them by default (projects as v1.1 ``normal``, bid packages as the v1.1 list, bids as the
bid lists, vendors as the ``extended`` directory view), sorted by id.
"""

from __future__ import annotations

from typing import Any

from procore_simulator import serialize, visibility
from procore_simulator.world import User, World

EXPECTED_ENTITIES = ("projects", "bid_packages", "bids", "vendors")


def summary(world: World, user: User) -> dict[int, dict[str, Any]]:
    """Per company: name, installed flag and the number of records of each entity."""
    result: dict[int, dict[str, Any]] = {}
    for company_id in visibility.company_ids(world, user):
        company = world.records["companies"][company_id]
        project_ids = visibility.project_ids(world, user, company_id)
        result[company_id] = {
            "name": company["name"],
            "installed": company["_installed"],
            "projects": len(project_ids),
            "bid_packages": sum(len(world.packages_by_project[pid]) for pid in project_ids),
            "bids": sum(len(world.bids_by_project[pid]) for pid in project_ids),
            "vendors": len(world.vendors_by_company.get(company_id, {})),
        }

    return result


def records(
    world: World, user: User, company_id: int, entity: str, bid_package_view: str = "full"
) -> list[dict[str, Any]]:
    """The records of one entity the user sees in one company, as the API returns them."""
    if entity not in EXPECTED_ENTITIES:
        raise ValueError(f"entity must be one of {', '.join(EXPECTED_ENTITIES)}")

    project_ids = visibility.project_ids(world, user, company_id)
    if entity == "projects":
        return [
            serialize.project(world, world.records["projects"][pid])  # type: ignore[misc]
            for pid in project_ids
        ]

    if entity == "vendors":
        if not visibility.is_member(world, user, company_id):
            return []

        return [
            serialize.vendor(world, world.records["vendors"][vid])
            for vid in world.vendor_ids(company_id)
        ]

    if entity == "bid_packages":
        package_ids = sorted(bpid for pid in project_ids for bpid in world.package_ids(pid))
        return [
            serialize.bid_package_list_item(
                world, world.records["bid_packages"][bpid], bid_package_view
            )
            for bpid in package_ids
        ]

    bid_ids = sorted(bid_id for pid in project_ids for bid_id in world.bid_ids_for_project(pid))
    return [serialize.bid(world, world.records["bids"][bid_id]) for bid_id in bid_ids]


def everything(
    world: World, user: User, bid_package_view: str = "full"
) -> dict[str, dict[str, Any]]:
    """Per company the user belongs to (id as a string): installed flag and all records."""
    result: dict[str, dict[str, Any]] = {}
    for company_id in visibility.company_ids(world, user):
        entry: dict[str, Any] = {"installed": world.records["companies"][company_id]["_installed"]}
        for entity in EXPECTED_ENTITIES:
            entry[entity] = records(world, user, company_id, entity, bid_package_view)

        result[str(company_id)] = entry

    return result
