"""Make one company very large, fast: projects, bid packages, bids and vendors at scale.

The records come from the seed module's ``make_*`` factories, so they look like the seeded
ones (timestamps before the seeded "now", packages per CSI division, bidders taken first
from vendors of the package's trade). Nothing is serialized on the way, which keeps tens of
thousands of bids to about a second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from procore_simulator import catalog, seed
from procore_simulator.world import World


@dataclass
class Growth:
    """What ``grow_company`` added: counts per entity and the new records, in order."""

    counts: dict[str, int] = field(
        default_factory=lambda: {"projects": 0, "bid_packages": 0, "bids": 0, "vendors": 0}
    )
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, entity: str, record: dict[str, Any]) -> None:
        self.counts[entity] += 1
        self.records.append((entity, record))


def grow_company(
    rng: random.Random,
    world: World,
    company_id: int,
    projects: int = 0,
    bid_packages_per_project: int = 0,
    bids_per_package: int = 0,
    vendors: int = 0,
) -> Growth:
    """Add vendors first (so the new bids can use them), then projects with their bidding.

    Each package gets ``bids_per_package`` bids from distinct vendors (fewer when the
    directory is smaller); packages of one project take distinct divisions while there are
    divisions left.
    """
    company = world.require("companies", company_id)
    growth = Growth()
    used_names = {world.records["vendors"][vid]["name"] for vid in world.vendor_ids(company_id)}
    for _ in range(vendors):
        growth.add("vendors", seed.make_vendor(rng, world, company, used_names))

    by_division: dict[int, list[int]] = {}
    for vendor_id in world.vendor_ids(company_id):
        division = world.records["vendors"][vendor_id]["_division"]
        by_division.setdefault(division, []).append(vendor_id)
    all_vendors = [vendor_id for ids in by_division.values() for vendor_id in ids]

    division_count = len(catalog.DIVISIONS)
    for _ in range(projects):
        project = seed.make_project(rng, world, company)
        growth.add("projects", project)
        if bid_packages_per_project <= division_count:
            divisions = sorted(rng.sample(range(division_count), bid_packages_per_project))
        else:
            divisions = [rng.randrange(division_count) for _ in range(bid_packages_per_project)]

        for number, division in enumerate(divisions, start=1):
            package = seed.make_bid_package(rng, world, project, division, number)
            growth.add("bid_packages", package)
            matching = by_division.get(division, [])
            for vendor_id in _bidders(rng, matching, all_vendors, bids_per_package):
                growth.add("bids", seed.make_bid(rng, world, package, vendor_id))

    return growth


def _bidders(
    rng: random.Random, matching: list[int], everyone: list[int], wanted: int
) -> list[int]:
    """Distinct vendors for one package: the trade's own first, then anyone, sorted."""
    chosen = rng.sample(matching, min(wanted, len(matching)))
    if len(chosen) < wanted:
        # Sampling enough of everyone covers the shortfall without scanning the directory.
        taken = set(chosen)
        extra = rng.sample(everyone, min(wanted + len(taken), len(everyone)))
        fresh = [vendor_id for vendor_id in extra if vendor_id not in taken]
        chosen += fresh[: wanted - len(taken)]

    return sorted(chosen)
