"""The seeded world: determinism, sizes, and realistic, consistent data."""

from __future__ import annotations

import re

import pytest

from procore_simulator import SimulatorConfig, SimulatorState
from procore_simulator.expected import EXPECTED_ENTITIES

DEMO = "demo@palcode.test"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _snapshot(state: SimulatorState) -> tuple:
    summary = state.expected(DEMO)
    records = {
        (company_id, entity): state.expected_records(DEMO, company_id, entity)
        for company_id in summary
        for entity in EXPECTED_ENTITIES
    }
    return summary, records


def test_seed_same_seed_gives_identical_world() -> None:
    # GIVEN two simulators with the same size and seed
    first = SimulatorState(SimulatorConfig(size="S", seed=7))
    second = SimulatorState(SimulatorConfig(size="S", seed=7))

    # WHEN / THEN their ground truth and records are identical
    assert _snapshot(first) == _snapshot(second)


def test_seed_other_seed_gives_other_world() -> None:
    first = SimulatorState(SimulatorConfig(size="tiny", seed=7))
    second = SimulatorState(SimulatorConfig(size="tiny", seed=8))

    assert _snapshot(first) != _snapshot(second)


@pytest.mark.parametrize(
    ("size", "low", "high", "companies"),
    [("tiny", 80, 130, 2), ("S", 2_500, 3_500, 3), ("M", 17_000, 23_000, 5)],
)
def test_seed_sizes_hold_expected_record_counts(size: str, low: int, high: int, companies: int):
    state = SimulatorState(SimulatorConfig(size=size, seed=7))

    counts = state.world.counts()

    assert low <= sum(counts.values()) <= high
    assert counts["companies"] == companies


def test_seed_data_is_realistic_and_consistent() -> None:
    # GIVEN the S world
    state = SimulatorState(SimulatorConfig(size="S", seed=7))
    world = state.world
    summary = state.expected(DEMO)

    # THEN ids beyond 32 bits exist for every entity
    for entity in ("companies", "projects", "bid_packages", "bids", "vendors"):
        assert any(record_id >= 2**31 for record_id in world.records[entity]), entity
        assert any(record_id < 2**31 for record_id in world.records[entity]), entity

    # AND the mix includes inactive projects, closed packages and inactive vendors
    all_projects = [r for c in summary for r in state.expected_records(DEMO, c, "projects")]
    packages = [r for c in summary for r in state.expected_records(DEMO, c, "bid_packages")]
    vendors = [r for c in summary for r in state.expected_records(DEMO, c, "vendors")]
    bids = [r for c in summary for r in state.expected_records(DEMO, c, "bids")]
    assert {p["active"] for p in all_projects} == {True, False}
    assert {p["open"] for p in packages} == {True, False}
    assert {v["is_active"] for v in vendors} == {True, False}
    assert re.match(r"^\d{2} - \w", packages[0]["title"])
    assert all("updated_at" not in package for package in packages)

    # AND bids carry amounts with cents, known statuses and vendors from the directory
    statuses = {"not_invited", "undecided", "will_not_bid", "will_bid", "submitted", "awarded"}
    assert {bid["bid_status"] for bid in bids} <= statuses
    assert any(bid["lump_sum_amount"] and bid["lump_sum_amount"] % 1 for bid in bids)
    for bid in bids:
        vendor = world.records["vendors"][bid["vendor"]["id"]]
        assert vendor["_company_id"] == bid["company_id"]
        assert vendor["name"] == bid["vendor"]["name"]
        assert ISO.match(bid["created_at"]) and ISO.match(bid["updated_at"])


def test_seed_expected_counts_match_records() -> None:
    state = SimulatorState(SimulatorConfig(size="S", seed=7))

    for company_id, summary in state.expected(DEMO).items():
        for entity in EXPECTED_ENTITIES:
            records = state.expected_records(DEMO, company_id, entity)
            assert summary[entity] == len(records)
