"""REST: the signed-in user (``/rest/v1.0/me``) and their companies (``/companies``)."""

from __future__ import annotations

from flask import Blueprint, Response

from procore_simulator import serialize, visibility
from procore_simulator.api_common import paged
from procore_simulator.context import current_state, current_user
from procore_simulator.responses import json_response

blueprint = Blueprint("api_account", __name__)


@blueprint.get("/rest/v1.0/me")
def me() -> Response:
    return json_response(serialize.me(current_user()))


@blueprint.get("/rest/v1.0/companies")
def companies() -> Response:
    """Every company the user belongs to, whether the app is installed there or not."""
    state = current_state()
    user = current_user()
    with state.lock:
        records = [
            state.world.records["companies"][company_id]
            for company_id in visibility.company_ids(state.world, user)
        ]
        return paged(records, lambda record: serialize.company(record, user))
