"""Deterministic generation of the seeded world for one (size, seed) pair.

Every random choice comes from one ``random.Random`` seeded with the size and seed; the
world's "now" is the fixed ``BASE_TIME``, so two runs with the same pair produce identical
data. The ``make_*`` factories are also used to create single records at runtime.

Seeded users (password for all: ``procore``):

- ``demo@palcode.test`` (Dana Estimator): admin of every company, sees everything.
- ``pat.pm@palcode.test`` (Pat Morgan): non-admin member of the first two companies (the first
  one only in the tiny world) and of some of their projects (9 of 15 and 6 of 15 in S).
- ``other@palcode.test`` (Olivia Reyes): admin of the last company only.
"""

from __future__ import annotations

import calendar
import random
import re
import time
from dataclasses import dataclass
from typing import Any

from procore_simulator import catalog
from procore_simulator.world import User, World

BASE_TIME = calendar.timegm((2026, 5, 1, 12, 0, 0))
DAY = 86_400
PASSWORD = "procore"  # noqa: S105 - the documented password of the fake users

DEMO_LOGIN = "demo@palcode.test"
PAT_LOGIN = "pat.pm@palcode.test"
OTHER_LOGIN = "other@palcode.test"

_BIG_OFFSET = 598_134_300_000_000
_RANGE_SPAN = 10_000_000
_RANGE_BASES = {
    "projects": 10_000_000,
    "bid_packages": 100_000_000,
    "bids": 300_000_000,
    "vendors": 500_000_000,
    "trades": 700_000_000,
    "staff": 3_000_000,
}

_OPEN_STATUSES = ("not_invited", "undecided", "will_bid", "will_not_bid", "submitted")
_OPEN_WEIGHTS = (10, 25, 20, 15, 30)
_CLOSED_STATUSES = ("submitted", "will_not_bid", "undecided")
_CLOSED_WEIGHTS = (70, 20, 10)


@dataclass(frozen=True)
class SizeProfile:
    """How many records of each kind a world size holds (per parent, on average)."""

    companies: int
    projects_per_company: int
    packages_per_project: int
    bids_per_package: int
    vendors_per_company: int
    vary: bool


PROFILES: dict[str, SizeProfile] = {
    "tiny": SizeProfile(2, 3, 2, 5, 10, vary=False),
    "S": SizeProfile(3, 15, 6, 8, 80, vary=True),
    "M": SizeProfile(5, 40, 8, 10, 400, vary=True),
    "L": SizeProfile(8, 150, 12, 12, 1500, vary=True),
}


def build_world(size: str, seed: int) -> World:
    """Generate the complete world for a size and seed."""
    profile = PROFILES[size]
    # NOTE: a seeded generator on purpose: the data must repeat exactly, nothing here is secret.
    rng = random.Random(f"procore-simulator:{size}:{seed}")  # noqa: S311
    world = World()
    for index in range(profile.companies):
        company = make_company(rng, world, index)
        _seed_directory(rng, world, company, profile)

    for company in list(world.records["companies"].values()):
        vendors = _vendors_by_division(world, company["id"])
        for _ in range(profile.projects_per_company):
            project = make_project(rng, world, company)
            _seed_bidding(rng, world, project, profile, vendors)

    _seed_users(rng, world)
    return world


# Factories (one record each)


def make_company(rng: random.Random, world: World, index: int | None = None) -> dict[str, Any]:
    """Create and add a company, with its staff and id ranges."""
    if index is None:
        index = 1 + max((c["_index"] for c in world.records["companies"].values()), default=-1)

    big = index % 2 == 1
    company_id = 598_134_325_779_301 + index * 1_976 if big else 8_089 + index * 1_371
    for entity, base in _RANGE_BASES.items():
        world.next_ids[(entity, company_id)] = base + index * _RANGE_SPAN + (_BIG_OFFSET * big)

    name = catalog.COMPANY_NAMES[index % len(catalog.COMPANY_NAMES)]
    if index >= len(catalog.COMPANY_NAMES):
        name = f"{name} {index // len(catalog.COMPANY_NAMES) + 1}"

    cities = _region(index)
    city = cities[0]
    domain = _slug(name) + ".example"
    staff = []
    for _ in range(4):
        first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
        staff.append(
            {
                "id": world.allocate_id("staff", company_id),
                "first": first,
                "last": last,
                "email": f"{first[0].lower()}{last.lower()}@{domain}",
                "phone": _phone(rng, city),
                "job_title": rng.choice(catalog.JOB_TITLES),
            }
        )

    company = {
        "id": company_id,
        "name": name,
        "is_active": True,
        "logo_url": f"https://storage.procore.example/companies/{company_id}/logo.png"
        if rng.random() < 0.5
        else None,
        "pcn_business_experience": rng.random() < 0.4,
        "_index": index,
        "_installed": True,
        "_cities": cities,
        "_address": f"{rng.randint(100, 9900)} {rng.choice(catalog.STREET_NAMES)}",
        "_phone": _phone(rng, city),
        "_website": f"https://www.{domain}",
        "_staff": staff,
    }
    return world.add("companies", company)


def make_project(rng: random.Random, world: World, company: dict[str, Any]) -> dict[str, Any]:
    """Create and add a project in a company."""
    company_id = company["id"]
    index = len(world.projects_by_company.get(company_id, {}))
    city = rng.choice(company["_cities"])
    place = rng.choice(catalog.PLACE_WORDS)
    building, project_type, sector = rng.choice(catalog.BUILDING_TYPES)
    if building == "Fire Station":
        building = f"Fire Station No. {rng.randint(2, 48)}"

    name = f"{place} {building}{rng.choice(catalog.NAME_SUFFIXES)}"
    active = rng.random() < 0.72
    created = BASE_TIME - rng.randint(20, 1100) * DAY - rng.randrange(DAY)
    updated = created + rng.randrange(BASE_TIME - created)
    start = created + rng.randint(30, 120) * DAY
    finish = start + rng.randint(180, 720) * DAY
    stage = rng.choice(catalog.ACTIVE_STAGES if active else catalog.INACTIVE_STAGES)
    year = _date(created)[2:4]

    project = {
        "id": world.allocate_id("projects", company_id),
        "_company_id": company_id,
        "name": name,
        "project_number": f"{year}-{index + 1:03d}",
        "address": f"{rng.randint(100, 9900)} {rng.choice(catalog.STREET_NAMES)}",
        "city": city.name,
        "state_code": city.state_code,
        "zip": city.zip,
        "county": f"{city.county} County",
        "latitude": round(city.latitude + rng.uniform(-0.05, 0.05), 6),
        "longitude": round(city.longitude + rng.uniform(-0.05, 0.05), 6),
        "time_zone": city.time_zone,
        "tz_name": city.tz_name,
        "phone": _phone(rng, city),
        "stage": stage,
        "active": active,
        "total_value": f"{round(rng.uniform(1.2, 48.0), 3) * 1_000_000:.2f}",
        "square_feet": rng.randrange(8_000, 240_000, 500),
        "start_date": _date(start),
        "completion_date": _date(finish),
        "delivery_method": rng.choice(catalog.DELIVERY_METHODS),
        "_project_type": project_type,
        "sector": sector,
        "created_at": created,
        "updated_at": updated,
    }
    return world.add("projects", project)


def make_bid_package(
    rng: random.Random,
    world: World,
    project: dict[str, Any],
    division_index: int | None = None,
    number: int | None = None,
) -> dict[str, Any]:
    """Create and add a bid package in a project."""
    company = world.records["companies"][project["_company_id"]]
    if division_index is None:
        division_index = rng.randrange(len(catalog.DIVISIONS))
    if number is None:
        number = len(world.packages_by_project.get(project["id"], {})) + 1

    division = catalog.DIVISIONS[division_index]
    is_open = project["active"] and rng.random() < 0.6
    issued = min(project["created_at"] + rng.randint(5, 90) * DAY, BASE_TIME - 50 * DAY)
    if is_open:
        due = BASE_TIME + rng.randint(3, 45) * DAY + 7 * 3_600
    else:
        due = min(issued + rng.randint(14, 40) * DAY, BASE_TIME - 5 * DAY) + 7 * 3_600

    walkthrough = rng.random() < 0.5
    rfi_deadline = rng.random() < 0.4
    package = {
        "id": world.allocate_id("bid_packages", company["id"]),
        "project_id": project["id"],
        "number": number,
        "title": f"{division.number} - {division.title}",
        "open": is_open,
        "hidden": False,
        "sealed": rng.random() < 0.2,
        "blind_bidding": rng.random() < 0.15,
        "bid_due_date": due,
        "accounting_method": "amount" if rng.random() < 0.85 else "unit",
        "accept_post_due_submissions": rng.random() < 0.3,
        "allow_bidder_sum": rng.random() < 0.5,
        "lump_sum_bidding": rng.random() < 0.9,
        "enable_countdown_emails": rng.random() < 0.6,
        "enable_prebid_walkthrough": walkthrough,
        "pre_bid_walk_through_date": due - rng.randint(7, 12) * DAY if walkthrough else None,
        "pre_bid_walk_through_notes": rng.choice(catalog.PRE_BID_NOTES) if walkthrough else "",
        "enable_prebid_rfi_deadline": rfi_deadline,
        "pre_bid_rfi_deadline_date": due - rng.randint(3, 6) * DAY if rfi_deadline else None,
        "_division": division_index,
        "_issued_at": issued,
        "_manager": rng.randrange(len(company["_staff"])),
    }
    return world.add("bid_packages", package)


def make_bid(
    rng: random.Random,
    world: World,
    package: dict[str, Any],
    vendor_id: int,
    status: str | None = None,
) -> dict[str, Any]:
    """Create and add one vendor's bid on a bid package."""
    project = world.records["projects"][package["project_id"]]
    if status is None:
        status = _pick_status(rng, package["open"])

    division = catalog.DIVISIONS[package["_division"]]
    created = package["_issued_at"] + rng.randrange(3 * DAY)
    latest = max(created, min(package["bid_due_date"], BASE_TIME))
    updated = created + rng.randrange(latest - created + 1)
    amount = None
    comments = ""
    if status in ("submitted", "awarded"):
        value = float(project["total_value"]) * division.share
        amount = round(value * rng.uniform(0.75, 1.3), 2)
        comments = rng.choice(catalog.BIDDER_COMMENTS) if rng.random() < 0.6 else ""

    bid = {
        "id": world.allocate_id("bids", project["_company_id"]),
        "bid_package_id": package["id"],
        "company_id": project["_company_id"],
        "bid_status": status,
        "lump_sum_amount": amount,
        "bidder_comments": comments,
        "is_bidder_committed": _commitment(status),
        "invitation_last_sent_at": None if status == "not_invited" else created,
        "created_at": created,
        "updated_at": updated,
        "_project_id": project["id"],
        "_vendor_id": vendor_id,
    }
    return world.add("bids", bid)


def make_vendor(
    rng: random.Random,
    world: World,
    company: dict[str, Any],
    used_names: set[str] | None = None,
    division_index: int | None = None,
) -> dict[str, Any]:
    """Create and add a vendor in a company's directory."""
    company_id = company["id"]
    if division_index is None:
        division_index = rng.randrange(len(catalog.DIVISIONS))

    division = catalog.DIVISIONS[division_index]
    city = rng.choice(company["_cities"])
    name = _vendor_name(rng, division, city, used_names if used_names is not None else set())
    domain = _slug(name) + ".example"
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    created = BASE_TIME - rng.randint(60, 2_000) * DAY - rng.randrange(DAY)
    updated = created + rng.randrange(BASE_TIME - created)
    trade_ids = [
        trade_id
        for trade_id in world.trades_by_company.get(company_id, [])
        if world.trades[trade_id]["_division"] == division_index
    ]
    if len(trade_ids) > 1:
        trade_ids = sorted(rng.sample(trade_ids, rng.randint(1, min(2, len(trade_ids)))))

    vendor = {
        "id": world.allocate_id("vendors", company_id),
        "_company_id": company_id,
        "name": name,
        "address": f"{rng.randint(100, 9900)} {rng.choice(catalog.STREET_NAMES)}",
        "city": city.name,
        "state_code": city.state_code,
        "zip": city.zip,
        "business_phone": _phone(rng, city),
        "mobile_phone": _phone(rng, city),
        "fax_number": _phone(rng, city) if rng.random() < 0.3 else None,
        "email_address": f"estimating@{domain}",
        "website": f"https://www.{domain}",
        "is_active": rng.random() < 0.88,
        "license_number": f"{city.state_code}-{rng.randint(100_000, 999_999)}",
        "union_member": rng.random() < 0.35,
        "prequalified": rng.random() < 0.55,
        "authorized_bidder": rng.random() < 0.8,
        "created_at": created,
        "updated_at": updated,
        "_division": division_index,
        "_trade_ids": trade_ids,
        "_contact": {
            "id": world.allocate_id("staff", company_id),
            "first_name": first,
            "last_name": last,
            "email_address": f"{first[0].lower()}{last.lower()}@{domain}",
            "business_phone": _phone(rng, city),
            "created_at": created,
            "updated_at": updated,
        },
    }
    return world.add("vendors", vendor)


# Seeding steps


def make_trades(rng: random.Random, world: World, company: dict[str, Any]) -> None:
    """Create the company's trade list (every trade of every CSI division)."""
    company_id = company["id"]
    for division_index, division in enumerate(catalog.DIVISIONS):
        for trade_name in division.trades:
            world.add_trade(
                {
                    "id": world.allocate_id("trades", company_id),
                    "name": trade_name,
                    "active": True,
                    "updated_at": BASE_TIME - rng.randint(100, 900) * DAY,
                    "_company_id": company_id,
                    "_division": division_index,
                }
            )


def _seed_directory(
    rng: random.Random, world: World, company: dict[str, Any], profile: SizeProfile
) -> None:
    make_trades(rng, world, company)
    used_names: set[str] = set()
    for _ in range(profile.vendors_per_company):
        make_vendor(rng, world, company, used_names)


def _vendors_by_division(world: World, company_id: int) -> dict[int, list[int]]:
    by_division: dict[int, list[int]] = {}
    for vendor_id in world.vendor_ids(company_id):
        division_index = world.records["vendors"][vendor_id]["_division"]
        by_division.setdefault(division_index, []).append(vendor_id)

    return by_division


def _seed_bidding(
    rng: random.Random,
    world: World,
    project: dict[str, Any],
    profile: SizeProfile,
    by_division: dict[int, list[int]],
) -> None:
    count = _vary(rng, profile.packages_per_project, profile.vary, len(catalog.DIVISIONS))
    divisions = sorted(rng.sample(range(len(catalog.DIVISIONS)), count))
    vendor_ids = [vendor_id for ids in by_division.values() for vendor_id in ids]
    for number, division_index in enumerate(divisions, start=1):
        package = make_bid_package(rng, world, project, division_index, number)
        bids = _vary(rng, profile.bids_per_package, profile.vary, len(vendor_ids))
        matching = by_division.get(division_index, [])
        chosen = rng.sample(matching, min(bids, len(matching)))
        if len(chosen) < bids:
            taken = set(chosen)
            others = [vendor_id for vendor_id in vendor_ids if vendor_id not in taken]
            chosen += rng.sample(others, bids - len(chosen))

        statuses = [_pick_status(rng, package["open"]) for _ in chosen]
        if not package["open"] and "submitted" in statuses and rng.random() < 0.8:
            statuses[statuses.index("submitted")] = "awarded"

        for vendor_id, status in sorted(zip(chosen, statuses, strict=True)):
            make_bid(rng, world, package, vendor_id, status)


def _seed_users(rng: random.Random, world: World) -> None:
    company_ids = list(world.records["companies"])
    first, last = company_ids[0], company_ids[-1]
    pat_companies = company_ids[:1] if len(company_ids) <= 2 else company_ids[:2]

    demo = User(1_947_221, DEMO_LOGIN, "Dana Estimator", PASSWORD, first)
    demo.admin_of = set(company_ids)
    demo.member_of = set(company_ids)

    pat = User(1_947_358, PAT_LOGIN, "Pat Morgan", PASSWORD, first)
    pat.member_of = set(pat_companies)
    for company_id in pat_companies:
        pat.projects |= _some_projects(rng, world, company_id)

    other = User(598_134_325_900_117, OTHER_LOGIN, "Olivia Reyes", PASSWORD, last)
    other.admin_of = {last}
    other.member_of = {last}

    for user in (demo, pat, other):
        world.users[user.id] = user


def _some_projects(rng: random.Random, world: World, company_id: int) -> set[int]:
    """A random subset of a company's projects, always with an active and an inactive one."""
    project_ids = world.project_ids(company_id)
    picked = {project_id for project_id in project_ids if rng.random() < 0.35}
    for wanted in (True, False):
        candidates = [
            pid for pid in project_ids if world.records["projects"][pid]["active"] is wanted
        ]
        if candidates and not any(world.records["projects"][p]["active"] is wanted for p in picked):
            picked.add(rng.choice(candidates))

    return picked


# Small helpers


def _vary(rng: random.Random, mean: int, vary: bool, cap: int) -> int:
    count = rng.randint(max(1, mean - 2), mean + 2) if vary else mean
    return min(count, cap)


def _pick_status(rng: random.Random, is_open: bool) -> str:
    if is_open:
        return rng.choices(_OPEN_STATUSES, _OPEN_WEIGHTS)[0]

    return rng.choices(_CLOSED_STATUSES, _CLOSED_WEIGHTS)[0]


def _commitment(status: str) -> bool | None:
    if status in ("not_invited", "undecided"):
        return None

    return status != "will_not_bid"


def _vendor_name(
    rng: random.Random, division: catalog.Division, city: catalog.City, used: set[str]
) -> str:
    for attempt in range(8):
        prefix = rng.choice(catalog.VENDOR_PREFIXES)
        word = rng.choice(division.vendor_words)
        suffix = rng.choice(catalog.VENDOR_SUFFIXES)
        name = f"{prefix} {word} {suffix}"
        if attempt >= 4:
            name = f"{prefix} {word} of {city.name} {suffix}"
        if name not in used:
            used.add(name)
            return name

    number = 2
    while f"{name} {number}" in used:
        number += 1

    used.add(f"{name} {number}")
    return f"{name} {number}"


def _region(index: int) -> list[catalog.City]:
    cities = catalog.CITIES
    start = (index * 5) % len(cities)
    return [cities[(start + offset) % len(cities)] for offset in range(6)]


def _phone(rng: random.Random, city: catalog.City) -> str:
    return f"({city.area_code}) 555-01{rng.randrange(100):02d}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower().replace("&", "and"))


def _date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))
