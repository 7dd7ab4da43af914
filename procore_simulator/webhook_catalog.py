"""Which webhook resources exist, at which scope, and which event types each one sends.

The defaults follow the one sandbox capture in the API notes (section 7): company level
"Projects" (create, update), "Company Vendors" (create, update) and "Bids" (update only);
project level "Project Vendors" (create, update, delete). ``webhook_all_event_types``
allows create, update and delete everywhere; ``webhook_bid_packages_resource`` adds a
"Bid Packages" resource, which the notes leave UNCONFIRMED. "Project Vendors" can be
subscribed to but never fires: the simulator has no project vendor directories.
"""

from __future__ import annotations

from dataclasses import dataclass

from procore_simulator.config import SimulatorConfig

EVENT_TYPES = ("create", "update", "delete")
COMPANY = "company"
PROJECT = "project"


@dataclass(frozen=True)
class Resource:
    """One webhook resource: its name, scopes, default event types and simulated entity."""

    name: str
    levels: frozenset[str]
    default_events: tuple[str, ...]
    entity: str | None
    product_category: str
    tool: str

    @property
    def project_level(self) -> bool:
        """Whether its events carry a ``project_id`` (company-level ones carry null)."""
        return PROJECT in self.levels


_RESOURCES = (
    Resource(
        "Projects", frozenset({COMPANY}), ("create", "update"), "projects", "Core", "Projects"
    ),
    Resource(
        "Company Vendors",
        frozenset({COMPANY}),
        ("create", "update"),
        "vendors",
        "Core",
        "Company Directory",
    ),
    Resource(
        "Project Vendors", frozenset({PROJECT}), EVENT_TYPES, None, "Core", "Project Directory"
    ),
    Resource(
        "Bids", frozenset({COMPANY, PROJECT}), ("update",), "bids", "Preconstruction", "Bidding"
    ),
)
_BID_PACKAGES = Resource(
    "Bid Packages",
    frozenset({COMPANY, PROJECT}),
    EVENT_TYPES,
    "bid_packages",
    "Preconstruction",
    "Bidding",
)


def resources(config: SimulatorConfig, level: str | None = None) -> list[Resource]:
    """The resources the knobs make available, optionally only those of one scope."""
    found = list(_RESOURCES)
    if config.webhook_bid_packages_resource:
        found.append(_BID_PACKAGES)

    return [resource for resource in found if level is None or level in resource.levels]


def find(config: SimulatorConfig, name: str, level: str | None = None) -> Resource | None:
    """The available resource with that exact name (at that scope), or None."""
    return next((r for r in resources(config, level) if r.name == name), None)


def for_entity(config: SimulatorConfig, entity: str) -> Resource | None:
    """The resource that reports changes of a simulated entity, if one is available."""
    return next((r for r in resources(config) if r.entity == entity), None)


def event_types(config: SimulatorConfig, resource: Resource) -> tuple[str, ...]:
    """The event types a resource sends under the current knobs."""
    return EVENT_TYPES if config.webhook_all_event_types else resource.default_events


def to_json(config: SimulatorConfig, resource: Resource) -> dict[str, object]:
    """A resource as ``GET /rest/v1.0/webhooks/resources`` lists it."""
    supported = event_types(config, resource)
    return {
        "resource_name": resource.name,
        "api_version": "v2",
        "product_category": resource.product_category,
        "tools": [resource.tool],
        "event_types": list(supported),
        "except": [event for event in EVENT_TYPES if event not in supported],
    }
