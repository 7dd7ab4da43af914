"""Who sees what: user-level OAuth mirrors the signed-in user's Procore permissions.

A user sees the companies they belong to. In a company where they are admin they see every
project; elsewhere only the projects they are a member of. Bid packages and bids follow
their project. Every company member sees the company's vendor directory.
"""

from __future__ import annotations

from procore_simulator.world import User, World


def company_ids(world: World, user: User) -> list[int]:
    """The user's companies that still exist, by id."""
    return sorted(cid for cid in user.member_of if cid in world.records["companies"])


def is_member(world: World, user: User, company_id: int) -> bool:
    return company_id in user.member_of and company_id in world.records["companies"]


def project_ids(world: World, user: User, company_id: int) -> list[int]:
    """Ids of the company's projects the user can see (active and inactive), sorted."""
    if not is_member(world, user, company_id):
        return []

    all_ids = world.project_ids(company_id)
    if company_id in user.admin_of:
        return all_ids

    return [project_id for project_id in all_ids if project_id in user.projects]


def can_see_project(world: World, user: User, project_id: int) -> bool:
    company_id = world.company_of_project(project_id)
    if company_id is None or not is_member(world, user, company_id):
        return False

    return company_id in user.admin_of or project_id in user.projects


def can_see_vendor(world: World, user: User, vendor_id: int) -> bool:
    vendor = world.get("vendors", vendor_id)
    return vendor is not None and is_member(world, user, vendor["_company_id"])
