"""The fewest Procore calls that return the records a sync needs, worked out from the world.

The simulator's world is deterministic for a (size, seed) pair, so the benchmark builds the
same world in this process (before anything is measured) and counts, for the user it
connects, what each listing holds. A listing of n records on an endpoint whose largest page is
p costs `pages(n, p) = max(1, ceil(n / p))` calls: even an empty listing costs the one call
that says it is empty.

Full sync (the formula the goal is judged on):

    per company:  pages(projects, 300) + pages(active vendors, 1000) + pages(inactive vendors, 1000)
    per project:  pages(bid packages, 1000) + pages(bids, 1000)
    per company where the app is not installed: 1 (the call that answers 403)

Projects come from `/rest/v1.1/projects?filters[by_status]=All` (300 a page), vendors from
`/rest/v1.0/vendors` and `/rest/v1.0/companies/{id}/vendors/inactive`, bid packages from
`/rest/v1.1/projects/{id}/bid_packages?view=all` and bids from `/rest/v1.0/projects/{id}/bids`
(1000 a page). The sync makes no other Procore call (`/me` and `/companies` belong to the
connect, not to a sync); the benchmark checks that and would add any it saw.

A coarser variant, reported beside it: `/rest/v1.0/companies/{id}/bids` returns the same bid
records for a whole company, so bids could cost `pages(company bids, 1000)` per company
instead of one call or more per project. (Bid packages have no company-wide listing of the
same records: `/companies/{id}/bid_packages` answers another shape.)

Incremental sync with no change: projects and (active) vendors are asked for by `updated_at`
from the last listing's watermark less the engine's 10-minute overlap, so they cost
`pages(records updated in that overlap, page)`; the inactive vendors, bid packages and bids
have no change filter and must be read whole, as above.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from procore_simulator import seed, visibility
from procore_simulator.world import World

OVERLAP_SECONDS = 600  # the engine's incremental overlap (procore_sync.sync.incremental)


def pages(n: int, per_page: int) -> int:
    return max(1, math.ceil(n / per_page))


@dataclass
class ProjectShape:
    id: int
    bid_packages: int
    bids: int


@dataclass
class CompanyShape:
    id: int
    installed: bool
    projects: list[ProjectShape] = field(default_factory=list)
    active_vendors: int = 0
    inactive_vendors: int = 0
    projects_in_overlap: int = 0  # updated within the overlap before the newest update
    active_vendors_in_overlap: int = 0

    @property
    def bids(self) -> int:
        return sum(p.bids for p in self.projects)

    @property
    def records(self) -> int:
        if not self.installed:
            return 0
        return (len(self.projects) + self.active_vendors + self.inactive_vendors
                + sum(p.bid_packages + p.bids for p in self.projects))


@dataclass
class WorldShape:
    """What one user sees in one world: per company and project, how many records."""

    size: str
    companies: list[CompanyShape]

    @property
    def records(self) -> int:
        return sum(c.records for c in self.companies)

    def largest_company(self) -> CompanyShape:
        return max((c for c in self.companies if c.installed), key=lambda c: (c.records, c.id))

    def smallest_company(self) -> CompanyShape:
        return min((c for c in self.companies if c.installed), key=lambda c: (c.records, c.id))

    def to_dict(self) -> dict:
        return asdict(self)


def _in_overlap(updated: list[int]) -> int:
    if not updated:
        return 0
    newest = max(updated)
    return sum(1 for t in updated if t >= newest - OVERLAP_SECONDS)


def shape(size: str, login: str, seed_value: int = 7) -> WorldShape:
    """Build the seeded world and measure what `login` sees in it."""
    world: World = seed.build_world(size, seed_value)
    user = world.find_user(login)
    if user is None:
        raise LookupError(f"no user {login} in the {size} world")
    companies = []
    for company_id in visibility.company_ids(world, user):
        company = world.records["companies"][company_id]
        vendors = [world.records["vendors"][v] for v in world.vendor_ids(company_id)]
        active = [v for v in vendors if v.get("is_active")]
        project_ids = visibility.project_ids(world, user, company_id)
        projects = [world.records["projects"][p] for p in project_ids]
        shape_ = CompanyShape(
            id=company_id, installed=bool(company["_installed"]),
            active_vendors=len(active), inactive_vendors=len(vendors) - len(active),
            projects_in_overlap=_in_overlap([int(p["updated_at"]) for p in projects if "updated_at" in p]),
            active_vendors_in_overlap=_in_overlap([int(v["updated_at"]) for v in active if "updated_at" in v]),
        )
        for pid in project_ids:
            packages = [world.records["bid_packages"][b] for b in world.package_ids(pid)]
            listed = sum(1 for b in packages if not b.get("hidden"))  # what view=all lists
            shape_.projects.append(ProjectShape(id=pid, bid_packages=listed,
                                                bids=len(world.bid_ids_for_project(pid))))
        companies.append(shape_)
    return WorldShape(size=size, companies=companies)


@dataclass(frozen=True)
class PageSizes:
    projects: int = 300
    default: int = 1000

    @classmethod
    def from_simulator(cls, config: dict) -> PageSizes:
        caps = config.get("max_per_page") or {}
        default = int(caps.get("default", 1000))
        return cls(projects=int(caps.get("projects_v1_1", default)), default=default)


def full_sync_calls(world: WorldShape, caps: PageSizes, *, company_bids: bool = False) -> int:
    """The fewest calls of a full sync (see the module docstring)."""
    return _list_calls(world, caps, company_bids=company_bids, changed_only=False)


def incremental_calls(world: WorldShape, caps: PageSizes, *, company_bids: bool = False) -> int:
    """The list calls an incremental sync with no change cannot avoid."""
    return _list_calls(world, caps, company_bids=company_bids, changed_only=True)


def _list_calls(world: WorldShape, caps: PageSizes, *, company_bids: bool, changed_only: bool) -> int:
    """Projects and active vendors whole, or (`changed_only`) only those in the overlap window of
    the `updated_at` filter; inactive vendors, bid packages and bids (no change filter) whole."""
    total = 0
    for c in world.companies:
        if not c.installed:
            total += 1
            continue
        projects = c.projects_in_overlap if changed_only else len(c.projects)
        vendors = c.active_vendors_in_overlap if changed_only else c.active_vendors
        total += pages(projects, caps.projects) + pages(vendors, caps.default)
        total += pages(c.inactive_vendors, caps.default)
        total += sum(pages(p.bid_packages, caps.default) for p in c.projects)
        if company_bids:
            total += pages(c.bids, caps.default)
        else:
            total += sum(pages(p.bids, caps.default) for p in c.projects)
    return total


def bid_calls(world: WorldShape, caps: PageSizes, *, company_bids: bool = False) -> int:
    """The bid listings alone: per project, or per company."""
    if company_bids:
        return sum(pages(c.bids, caps.default) for c in world.companies if c.installed)
    return sum(pages(p.bids, caps.default) for c in world.companies if c.installed for p in c.projects)
