"""Turn stored records into the JSON shapes Procore's API returns, per endpoint and view.

Derived fields (display names, nested company/vendor/project objects, counts) are built
here from the stored facts; any API key stored on the record wins over the derived value,
so a test can override any field with ``update_record``.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from procore_simulator import catalog
from procore_simulator.world import User, World

TIMESTAMP_KEYS = frozenset(
    {
        "created_at",
        "updated_at",
        "bid_due_date",
        "invitation_last_sent_at",
        "due_date",
        "pre_bid_walk_through_date",
        "pre_bid_rfi_deadline_date",
    }
)

# Where a record keeps the raw API values that override its serialized fields.
MALFORMED_KEY = "_malformed"

# Project fields that only v1.1 returns; the v1.0 show leaves them out.
_PROJECT_V1_1_ONLY = frozenset(
    {
        "departments",
        "description",
        "flag",
        "logo_url",
        "office",
        "program",
        "project_bid_type",
        "project_owner_type",
        "project_region",
        "project_type",
        "square_feet",
        "tz_name",
        "warranty_start_date",
        "warranty_end_date",
        "actual_start_date",
        "inbound_email",
        "persistent_message",
        "public_notes",
    }
)

_BID_PACKAGE_LIST_MINIMAL = (
    "id",
    "project_id",
    "bid_due_date",
    "number",
    "title",
    "submitted_bids_count",
)

_BID_PACKAGE_LIST_FULL = (
    *_BID_PACKAGE_LIST_MINIMAL,
    "open",
    "hidden",
    "sealed",
    "blind_bidding",
    "accounting_method",
    "lump_sum_bidding",
    "allow_bidder_sum",
    "accept_post_due_submissions",
    "anticipated_award_date",
    "project_name",
    "project_location",
    "project_currency_iso_code",
    "has_any_bid_invited",
)

_VENDOR_NORMAL_EXCLUDES = frozenset(
    {
        "bidding",
        "bidding_distribution",
        "standard_cost_codes",
        "project_ids",
        "attachments",
        "business_register",
    }
)


def iso(timestamp: int | float | str | None) -> str | None:
    """Format unix seconds as ``YYYY-MM-DDTHH:MM:SSZ``; strings and None pass through."""
    if timestamp is None or isinstance(timestamp, str):
        return timestamp

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(timestamp)))


def _date(timestamp: int | None) -> str | None:
    if timestamp is None:
        return None

    return time.strftime("%Y-%m-%d", time.gmtime(int(timestamp)))


def _merge(derived: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """Lay the record's public keys over the derived fields, formatting timestamps.

    Fields a test malformed (``_malformed``, set by ``SimulatorState.malform_record``) go
    on last and untouched, so the answer carries exactly the raw JSON value.
    """
    for key, value in record.items():
        if key.startswith("_"):
            continue

        derived[key] = iso(value) if key in TIMESTAMP_KEYS else value

    for key, value in record.get(MALFORMED_KEY, {}).items():
        derived[key] = copy.deepcopy(value)

    return derived


def _lookup(world: World, entity: str, record_id: int | None) -> dict[str, Any]:
    """The stored record, or an empty dict when the id is missing or unknown."""
    if record_id is None:
        return {}

    return world.records[entity].get(record_id, {})


def _pick(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: data.get(key) for key in keys}


# Users and companies


def me(user: User) -> dict[str, Any]:
    return {"id": user.id, "login": user.login, "name": user.name}


def company(record: dict[str, Any], user: User) -> dict[str, Any]:
    data = {"my_company": record["id"] == user.employer_id}
    return _merge(data, record)


# Projects


def project(
    world: World, record: dict[str, Any], version: str = "v1.1", view: str = "normal"
) -> dict[str, Any] | int:
    """A project as /rest/v1.1/projects (``view``) or /rest/v1.0/projects returns it.

    v1.1 views: ``ids`` (a bare integer), ``compact`` (id and name), ``normal`` and
    ``extended`` (``extended`` adds ``custom_fields``). v1.0 views: ``normal`` and
    ``compact`` (id, name, display_name).
    """
    if view == "ids":
        return record["id"]

    company_record = world.records["companies"].get(record["_company_id"], {})
    project_type = record.get("_project_type", "Commercial")
    stage = record.get("stage", "Course of Construction")
    data: dict[str, Any] = {
        "display_name": f"{record.get('project_number')} - {record.get('name')}",
        "is_demo": False,
        "parent_job_id": None,
        "country_code": "US",
        "fax": None,
        "project_stage": {"id": catalog.STAGE_IDS.get(stage, 0), "name": stage},
        "project_template": None,
        "origin_id": None,
        "origin_data": None,
        "origin_code": None,
        "owners_project_id": None,
        "estimated_value": record.get("total_value"),
        "store_number": None,
        "accounting_project_number": record.get("project_number"),
        "designated_market_area": None,
        "work_scope": "New Construction",
        "priority": None,
        "company": {"id": company_record.get("id"), "name": company_record.get("name")},
        "projected_finish_date": record.get("completion_date"),
        # v1.1 additions
        "departments": [],
        "description": f"{project_type} project for {company_record.get('name')}.",
        "flag": None,
        "logo_url": None,
        "office": {"id": record["_company_id"], "name": f"{record.get('city')} Office"},
        "program": None,
        "project_bid_type": {"id": 1, "name": "Competitive Bid"},
        "project_owner_type": {"id": 1, "name": "Private"},
        "project_region": {"id": 1, "name": record.get("state_code")},
        "project_type": {"id": catalog.STAGE_IDS.get(stage, 0) + 10, "name": project_type},
        "warranty_start_date": None,
        "warranty_end_date": None,
        "actual_start_date": record.get("start_date"),
        "inbound_email": None,
        "persistent_message": None,
        "public_notes": None,
    }
    data = _merge(data, record)
    if version == "v1.0":
        data = {key: value for key, value in data.items() if key not in _PROJECT_V1_1_ONLY}
        if view == "compact":
            return _pick(data, ("id", "name", "display_name"))

        return data

    if view == "compact":
        return _pick(data, ("id", "name"))
    if view == "extended":
        data["custom_fields"] = {}

    return data


# Bid packages


def bid_package(world: World, record: dict[str, Any]) -> dict[str, Any]:
    """The full bid package, as the v1.0 show endpoint returns it."""
    project_record = world.records["projects"].get(record["project_id"], {})
    company_record = _lookup(world, "companies", project_record.get("_company_id"))
    staff = company_record.get("_staff") or [{}]
    manager = staff[record.get("_manager", 0) % len(staff)]
    contact = _contact(manager)
    bid_ids = world.bids_by_package.get(record["id"], {})
    bids = [world.records["bids"][bid_id] for bid_id in bid_ids]
    project_id = record["project_id"]
    location = ", ".join(
        str(part)
        for part in (
            project_record.get("address"),
            project_record.get("city"),
            f"{project_record.get('state_code')} {project_record.get('zip')}",
        )
    )
    data: dict[str, Any] = {
        "anticipated_award_date": _date(record.get("bid_due_date", 0) + 14 * 86_400),
        "project_currency_iso_code": "USD",
        "project_currency_display": "US Dollar ($)",
        "bid_email_message": f"You are invited to bid {record.get('title')}.",
        "bid_web_message": "Please submit your bid through the bidding portal.",
        "bid_submission_confirmation": "Thank you, your bid has been received.",
        "bid_emails_include_link_to_bidding_documents": True,
        "bidding_countdown_email_days": 3,
        "pre_bid_meeting_location": None,
        "pre_bid_meeting_date": None,
        "pre_bid_meeting_online_link": None,
        "pre_bid_meeting_notes": None,
        "created_by": contact,
        "manager": {
            "login_information_id": manager.get("id"),
            "contact_id": manager.get("id"),
            "name": f"{manager.get('first')} {manager.get('last')}",
            "email": manager.get("email"),
            "job_title": manager.get("job_title"),
            "invited": True,
            "vendor": {"id": company_record.get("id"), "name": company_record.get("name")},
        },
        "point_of_contact": contact,
        "point_of_contact_login_id": manager.get("id"),
        "distribution_members": [contact],
        "distribution_member_ids": [manager.get("id")],
        "submitted_bids_count": sum(
            1 for bid in bids if bid.get("bid_status") in ("submitted", "awarded")
        ),
        "has_any_bid_invited": any(bid.get("bid_status") != "not_invited" for bid in bids),
        "project_name": project_record.get("name"),
        "project_location": location,
        "project_latitude": str(project_record.get("latitude")),
        "project_longitude": str(project_record.get("longitude")),
        "project_image_url": None,
        "project_logo_url": company_record.get("logo_url"),
        "bid_docs_manifest": None,
        "attachments_zip_streaming_url": None,
        "require_nda": False,
        "nda_attachments": [],
        "display_project_name": True,
        "enable_public_discovery": False,
        "bid_form_sections_enabled": False,
        "flexible_response_types_enabled": False,
        "trades_and_services": [],
        "business_classifications": [],
        "links": {
            "bid_list": f"/{project_id}/project/bidding/{record['id']}/bids",
            "vendors": f"/{project_id}/project/bidding/{record['id']}/vendors",
            "submit": f"/{project_id}/project/bidding/{record['id']}/submit",
        },
    }
    return _merge(data, record)


def bid_package_list_item(
    world: World, record: dict[str, Any], shape: str = "full"
) -> dict[str, Any]:
    """A bid package as the v1.1 list returns it (``shape`` is the config knob)."""
    keys = _BID_PACKAGE_LIST_MINIMAL if shape == "minimal" else _BID_PACKAGE_LIST_FULL
    return _pick(bid_package(world, record), keys)


# Bids


def bid(world: World, record: dict[str, Any]) -> dict[str, Any]:
    """A bid as the bid lists return it."""
    package = world.records["bid_packages"].get(record["bid_package_id"], {})
    project_record = _lookup(world, "projects", record.get("_project_id"))
    company_record = _lookup(world, "companies", record.get("company_id"))
    vendor = _lookup(world, "vendors", record.get("_vendor_id"))
    staff = company_record.get("_staff") or [{}]
    manager = staff[package.get("_manager", 0) % len(staff)]
    status = record.get("bid_status")
    trade_names = [
        world.trades[trade_id]["name"]
        for trade_id in vendor.get("_trade_ids", [])
        if trade_id in world.trades
    ]
    data: dict[str, Any] = {
        "bid_package_title": package.get("title"),
        "bid_form_id": package.get("id"),
        "bid_form_title": f"{package.get('title')} Bid Form",
        "awarded": status == "awarded",
        "submitted": status in ("submitted", "awarded"),
        "lump_sum_enabled": bool(package.get("lump_sum_bidding", True)),
        "due_date": iso(package.get("bid_due_date")),
        "bid_requester": {
            "company": company_record.get("name"),
            "contact": f"{manager.get('first')} {manager.get('last')}",
            "company_address": company_record.get("_address"),
            "company_phone": company_record.get("_phone"),
            "company_website": company_record.get("_website"),
            "email_address": manager.get("email"),
            "first_name": manager.get("first"),
            "last_name": manager.get("last"),
            "mobile_phone": manager.get("phone"),
            "vendor_address": _vendor_address(vendor),
            "business_phone": manager.get("phone"),
            "fax_number": None,
        },
        "vendor": {
            "id": record.get("_vendor_id"),
            "name": vendor.get("name"),
            "avatar_url": None,
            "trades": ", ".join(trade_names),
        },
        "project": {
            "name": project_record.get("name"),
            "address": project_record.get("address"),
        },
    }
    return _merge(data, record)


# Vendors


def vendor(world: World, record: dict[str, Any], view: str = "extended") -> dict[str, Any]:
    """A company-directory vendor. Views: ``compact`` (id, name), ``normal``, ``extended``.

    Procore's other views (``erp``, ``directory``, ``summary``) are answered like ``normal``.
    """
    contact = dict(record.get("_contact") or {})
    for key in ("created_at", "updated_at"):
        contact[key] = iso(contact.get(key))

    trades = [
        {
            "id": trade_id,
            "name": world.trades[trade_id]["name"],
            "active": world.trades[trade_id]["active"],
            "updated_at": iso(world.trades[trade_id]["updated_at"]),
        }
        for trade_id in record.get("_trade_ids", [])
        if trade_id in world.trades
    ]
    name = record.get("name", "")
    data: dict[str, Any] = {
        "abbreviated_name": "".join(word[0] for word in name.split() if word[0].isalpha())[:6],
        "legal_name": name,
        "trade_name": name,
        "country_code": "US",
        "is_connected": False,
        "non_union_prevailing_wage": False,
        "labor_union": None,
        "business_id": None,
        "business_register": None,
        "company": name,
        "logo": None,
        "notes": None,
        "contact_count": 1 if contact else 0,
        "children_count": 0,
        "company_vendor": True,
        "origin_id": None,
        "origin_code": None,
        "origin_data": None,
        "synced_to_erp": False,
        "primary_contact": {
            "id": contact.get("id"),
            "first_name": contact.get("first_name"),
            "last_name": contact.get("last_name"),
            "business_phone": contact.get("business_phone"),
            "business_phone_extension": None,
            "fax_number": None,
            "mobile_phone": None,
            "email_address": contact.get("email_address"),
            "created_at": contact.get("created_at"),
            "updated_at": contact.get("updated_at"),
        }
        if contact
        else None,
        "vendor_group": None,
        "parent": None,
        "attachments": [],
        "bidding": _bidding_flags(record["id"]),
        "bidding_distribution": [],
        "project_ids": [],
        "standard_cost_codes": [],
        "trades": trades,
    }
    data = _merge(data, record)
    if view == "compact":
        return _pick(data, ("id", "name"))
    if view != "extended":
        return {key: value for key, value in data.items() if key not in _VENDOR_NORMAL_EXCLUDES}

    return data


def _bidding_flags(vendor_id: int) -> dict[str, bool]:
    flags = (
        "affirmative_action",
        "small_business",
        "african_american_business",
        "hispanic_business",
        "womens_business",
        "historically_underutilized_business",
        "sdvo_business",
        "certified_business_enterprise",
        "asian_american_business",
        "native_american_business",
        "disadvantaged_business",
        "minority_business_enterprise",
        "eight_a_business",
    )
    return {flag: (vendor_id >> position) % 7 == 0 for position, flag in enumerate(flags)}


def _contact(staff: dict[str, Any]) -> dict[str, Any]:
    return {
        "email": staff.get("email"),
        "first": staff.get("first"),
        "last": staff.get("last"),
        "numbers": [staff.get("phone")] if staff.get("phone") else [],
    }


def _vendor_address(record: dict[str, Any]) -> str | None:
    if not record:
        return None

    return f"{record.get('address')}, {record.get('city')}, {record.get('state_code')} " + str(
        record.get("zip")
    )


def bid_show(world: World, record: dict[str, Any]) -> dict[str, Any]:
    """A bid as the show endpoints return it: the list fields plus detail fields."""
    data = bid(world, record)
    project_id = record.get("_project_id")
    detail: dict[str, Any] = {
        "deleted_at": None,
        "bidders_can_add_line_items": False,
        "bidder_notes": "",
        "bidder_inclusion": "",
        "bidder_exclusion": "",
        "attachments_count": 0,
        "recipient_ids": [],
        "recipient_list": [],
        "recipient_list_with_email_and_number": [],
        "mailto": None,
        "bid_convertible_to_subcontract": data["awarded"],
        "bid_convertible_to_purchase_order": data["awarded"],
        "contract_button_disabled_reason": None if data["awarded"] else "Bid is not awarded.",
        "po_button_disabled_reason": None if data["awarded"] else "Bid is not awarded.",
        "links": {
            "uploads": f"/{project_id}/project/bidding/bids/{record['id']}/uploads",
            "cost_codes": f"/{project_id}/project/cost_codes",
            "bid_pdf": f"/{project_id}/project/bidding/bids/{record['id']}.pdf",
        },
        "bid_items": [],
        "cost_codes": [],
        "attachments": [],
        "attachments_zip_streaming_url": None,
    }
    return {**detail, **data}


def company_bid_package(world: World, record: dict[str, Any]) -> dict[str, Any]:
    """A bid package as ``/rest/v1.0/companies/{id}/bid_packages`` lists it."""
    full = bid_package(world, record)
    due = full.get("bid_due_date")
    bid_ids = world.bids_by_package.get(record["id"], {})
    statuses = [world.records["bids"][bid_id].get("bid_status") for bid_id in bid_ids]
    keys = (
        "id",
        "project_id",
        "bid_due_date",
        "number",
        "title",
        "project_name",
        "project_location",
        "accounting_method",
        "allow_bidder_sum",
        "accept_post_due_submissions",
        "sealed",
        "enable_prebid_walkthrough",
        "enable_prebid_rfi_deadline",
        "pre_bid_rfi_deadline_date",
    )
    data = _pick(full, keys)
    data.update(
        {
            "formatted_bid_due_date": due[:10] if isinstance(due, str) else None,
            "formatted_bid_web_message": full.get("bid_web_message"),
            "formatted_bid_email_message": full.get("bid_email_message"),
            "bid_invites_sent_count": sum(1 for status in statuses if status != "not_invited"),
            "bids_received_count": full.get("submitted_bids_count"),
            "has_bid_docs": False,
            "user_bid_id": None,
            "links": full.get("links"),
        }
    )
    return data
