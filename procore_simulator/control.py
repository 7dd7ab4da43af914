"""The JSON control API under ``/_simulator/`` for the local stack, demos and tests.

No authentication: the simulator is a local development tool. Calls here are not counted
as API calls and are not rate limited.

- ``GET  /_simulator/expected?user=``: per-company counts a complete sync must land
- ``GET  /_simulator/expected_records?user=&company_id=&entity=``: the records themselves
- ``GET  /_simulator/expected_all?user=``: every company's records in one answer
- ``GET  /_simulator/stats``: API calls, token-endpoint calls, rate-limit exceedances
- ``GET|POST /_simulator/config``: read or change runtime knobs
- ``POST /_simulator/companies/<id>/installed`` ``{"installed": false}``
- ``POST /_simulator/companies/<id>/grow`` ``{"projects": 2000, "bid_packages_per_project": 2,
  "bids_per_package": 5, "vendors": 300}``: add many records; answers the counts added
- ``POST /_simulator/users/<login>/revoke``: revoke all of a user's tokens
- ``POST /_simulator/users/<login>/projects/<id>``, ``DELETE`` to remove: project membership
- ``POST /_simulator/records/<entity>`` ``{"parent_id": ..., ...fields}``: create
- ``PATCH|DELETE /_simulator/records/<entity>/<id>``: update (bumps updated_at) or delete
- ``POST /_simulator/records/<entity>/<id>/malform`` ``{"field": ..., "value": ...}``: answer
  that field as exactly that raw JSON value from now on
- ``POST /_simulator/clock/advance`` ``{"seconds": 600}``: move simulated time
- ``POST /_simulator/reset``: back to the seeded world, starting knobs and no tokens
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, request

from procore_simulator.config import ConfigError
from procore_simulator.context import current_state
from procore_simulator.responses import json_response
from procore_simulator.world import WorldError

logger = logging.getLogger(__name__)
blueprint = Blueprint("control", __name__, url_prefix="/_simulator")


@blueprint.errorhandler(WorldError)
def _world_error(error: WorldError) -> Response:
    return json_response({"error": str(error)}, 404)


@blueprint.errorhandler(ConfigError)
def _config_error(error: ConfigError) -> Response:
    return json_response({"error": str(error)}, 400)


@blueprint.errorhandler(ValueError)
def _value_error(error: ValueError) -> Response:
    return json_response({"error": str(error)}, 400)


@blueprint.get("/expected")
def expected() -> Response:
    summary = current_state().expected(_required_arg("user"))
    return json_response({str(company_id): data for company_id, data in summary.items()})


@blueprint.get("/expected_records")
def expected_records() -> Response:
    company_id = int(_required_arg("company_id"))
    records = current_state().expected_records(
        _required_arg("user"), company_id, _required_arg("entity")
    )
    return json_response(records)


@blueprint.get("/expected_all")
def expected_all() -> Response:
    return json_response(current_state().expected_all(_required_arg("user")))


@blueprint.get("/stats")
def stats() -> Response:
    return json_response(current_state().stats_dict())


@blueprint.get("/config")
def get_config() -> Response:
    state = current_state()
    with state.lock:
        return json_response(state.config.to_dict())


@blueprint.post("/config")
def set_config() -> Response:
    state = current_state()
    applied = state.set_config(**_body())
    logger.info("simulator config changed", extra={"settings": sorted(applied)})
    with state.lock:
        return json_response(state.config.to_dict())


@blueprint.post("/companies/<int:company_id>/installed")
def set_installed(company_id: int) -> Response:
    body = _body()
    if not isinstance(body.get("installed"), bool):
        raise ValueError("installed must be true or false")

    current_state().set_company_installed(company_id, body["installed"])
    return json_response({"company_id": company_id, "installed": body["installed"]})


@blueprint.post("/companies/<int:company_id>/grow")
def grow_company(company_id: int) -> Response:
    body = _body()
    known = ("projects", "bid_packages_per_project", "bids_per_package", "vendors")
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(unknown)}")

    counts = current_state().grow_company(company_id, **body)
    return json_response({"company_id": company_id, "added": counts})


@blueprint.post("/users/<login>/revoke")
def revoke_user(login: str) -> Response:
    revoked = current_state().revoke_user_tokens(login)
    return json_response({"user": login, "revoked_token_pairs": revoked})


@blueprint.post("/users/<login>/projects/<int:project_id>")
def add_member(login: str, project_id: int) -> Response:
    current_state().add_project_member(login, project_id)
    return json_response({"user": login, "project_id": project_id, "member": True})


@blueprint.delete("/users/<login>/projects/<int:project_id>")
def remove_member(login: str, project_id: int) -> Response:
    current_state().remove_project_member(login, project_id)
    return json_response({"user": login, "project_id": project_id, "member": False})


@blueprint.post("/records/<entity>")
def create_record(entity: str) -> Response:
    body = _body()
    parent_id = body.pop("parent_id", None)
    if parent_id is not None and not isinstance(parent_id, int):
        raise ValueError("parent_id must be an integer")

    record = current_state().create_record(entity, parent_id, **body)
    return json_response(record, 201)


@blueprint.patch("/records/<entity>/<int:record_id>")
def update_record(entity: str, record_id: int) -> Response:
    return json_response(current_state().update_record(entity, record_id, **_body()))


@blueprint.delete("/records/<entity>/<int:record_id>")
def delete_record(entity: str, record_id: int) -> Response:
    current_state().delete_record(entity, record_id)
    return Response(status=204)


@blueprint.post("/records/<entity>/<int:record_id>/malform")
def malform_record(entity: str, record_id: int) -> Response:
    body = _body()
    if "field" not in body or "value" not in body:
        raise ValueError("the body needs field and value")

    state = current_state()
    state.malform_record(entity, record_id, body["field"], body["value"])
    return json_response(state.api_record(entity, record_id))


@blueprint.post("/clock/advance")
def advance_clock() -> Response:
    seconds = _body().get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError("seconds must be a number")

    state = current_state()
    state.clock.advance(float(seconds))
    return json_response({"now": int(state.clock.now())})


@blueprint.post("/reset")
def reset() -> Response:
    current_state().reset()
    logger.info("simulator reset")
    return json_response({"reset": True})


def _required_arg(name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise ValueError(f"query parameter {name} is required")

    return value


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")

    return data
