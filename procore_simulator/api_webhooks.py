"""REST: the Webhooks API (hooks, triggers, deliveries, resources) on the API host.

These calls pass the same guard as every other endpoint (Bearer token, rate limits,
``Procore-Company-Id``). Each names its scope with ``company_id`` or ``project_id`` (in the
JSON body or the query; ``project_id`` wins), checked against the header like the other
endpoints; a hook is only found through its own scope. Managing hooks needs the "Webhooks
API" permission: a login listed in ``webhooks_permission_users`` (``"*"`` means everyone),
else 403. Invalid values answer 422 with Procore's field map, ``{"errors": {"namespace":
["..."]}}``. Deletes answer 204.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, Response, request

from procore_simulator import webhook_catalog
from procore_simulator.api_common import company_scope, paged, visible_project
from procore_simulator.config import EVERYONE
from procore_simulator.context import current_state, current_user
from procore_simulator.responses import ApiError, json_response, not_found
from procore_simulator.webhook_store import Hook

blueprint = Blueprint("api_webhooks", __name__)

HOOKS = "/rest/v1.0/webhooks/hooks"
NAMESPACE = re.compile(r"[a-z0-9-]+")
API_VERSIONS = ("v2", "v2.0")
NO_PERMISSION = "You do not have permission to manage webhooks (Webhooks API: None)."
DELIVERY_FILTERS: dict[str, tuple[str, ...] | None] = {
    "any": None,
    "successful": ("ok",),
    "discarded": ("discarded",),
    "failing": ("retried", "failed"),
}


class InvalidField(ApiError):
    """A 422 naming the field: ``{"errors": {field: [message]}}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, message)
        self.field = field

    def response(self) -> Response:
        return json_response({"errors": {self.field: self.messages}}, 422)


# Hooks


@blueprint.post(HOOKS)
def create_hook() -> Response:
    state = current_state()
    body = _body()
    with state.lock:
        company_id, project_id = _scope(body)
        fields = _hook_fields(body, partial=False)
        hook = state.webhooks.add_hook(
            company_id=company_id,
            project_id=project_id,
            user_id=current_user().id,
            destination_headers=fields.pop("destination_headers", {}),
            **fields,
        )
        return json_response(hook.to_json(), 201)


@blueprint.get(HOOKS)
def list_hooks() -> Response:
    state = current_state()
    namespace = request.args.get("namespace")
    api_version = request.args.get("api_version")
    with state.lock:
        company_id, project_id = _scope({})
        hooks = [
            hook.to_json()
            for hook in state.webhooks.hooks.values()
            if (hook.company_id, hook.project_id) == (company_id, project_id)
            and namespace in (None, hook.namespace)
            and api_version in (None, hook.api_version)
        ]
        return paged(hooks, lambda hook: hook)


@blueprint.patch(f"{HOOKS}/<int:hook_id>")
def update_hook(hook_id: int) -> Response:
    state = current_state()
    body = _body()
    with state.lock:
        hook = _hook(hook_id, body)
        for name, value in _hook_fields(body, partial=True).items():
            setattr(hook, name, value)

        return json_response(hook.to_json())


@blueprint.delete(f"{HOOKS}/<int:hook_id>")
def delete_hook(hook_id: int) -> Response:
    state = current_state()
    with state.lock:
        hook = _hook(hook_id, _body())
        del state.webhooks.hooks[hook.id]
        return Response(status=204)


# Triggers


@blueprint.post(f"{HOOKS}/<int:hook_id>/triggers")
def create_trigger(hook_id: int) -> Response:
    state = current_state()
    body = _body()
    with state.lock:
        hook = _hook(hook_id, body)
        data = body.get("trigger")
        if not isinstance(data, dict):
            raise ApiError(400, "Missing required parameter: trigger")

        name = str(data.get("resource_name") or "")
        level = webhook_catalog.PROJECT if hook.project_id else webhook_catalog.COMPANY
        resource = webhook_catalog.find(state.config, name, level)
        if resource is None:
            raise InvalidField("resource_name", f"is not an available {level} resource")

        event_type = str(data.get("event_type") or "").lower()
        if event_type not in webhook_catalog.event_types(state.config, resource):
            raise InvalidField("event_type", f"{event_type or 'none'} is not supported for {name}")

        if hook.has_trigger(resource.name, event_type):
            raise InvalidField("event_type", "has already been taken")

        trigger = state.webhooks.add_trigger(hook, resource.name, event_type)
        return json_response(trigger.to_json(), 201)


@blueprint.get(f"{HOOKS}/<int:hook_id>/triggers")
def list_triggers(hook_id: int) -> Response:
    state = current_state()
    with state.lock:
        hook = _hook(hook_id, {})
        triggers = [trigger.to_json() for trigger in hook.triggers.values()]
        return paged(triggers, lambda trigger: trigger)


@blueprint.delete(f"{HOOKS}/<int:hook_id>/triggers/<int:trigger_id>")
def delete_trigger(hook_id: int, trigger_id: int) -> Response:
    state = current_state()
    with state.lock:
        hook = _hook(hook_id, _body())
        if hook.triggers.pop(trigger_id, None) is None:
            raise not_found()

        return Response(status=204)


# Deliveries and resources


@blueprint.get(f"{HOOKS}/<int:hook_id>/deliveries")
def list_deliveries(hook_id: int) -> Response:
    """The attempt log, oldest first; ``filter[status]=any|successful|discarded|failing``."""
    chosen = request.args.get("filter[status]") or "any"
    if chosen not in DELIVERY_FILTERS:
        raise ApiError(400, f"filter[status] must be one of {', '.join(DELIVERY_FILTERS)}")

    state = current_state()
    with state.lock:
        hook = _hook(hook_id, {})
        outcomes = DELIVERY_FILTERS[chosen]
        rows = [row for row in hook.deliveries if outcomes is None or row["outcome"] in outcomes]
        return paged(rows, dict)


@blueprint.get("/rest/v1.0/webhooks/resources")
def list_resources() -> Response:
    """The resources a hook of that scope can subscribe to, with their event types."""
    state = current_state()
    with state.lock:
        _, project_id = _scope({}, needs_permission=False)
        level = webhook_catalog.COMPANY if project_id is None else webhook_catalog.PROJECT
        return json_response(
            [
                webhook_catalog.to_json(state.config, resource)
                for resource in webhook_catalog.resources(state.config, level)
            ]
        )


# Helpers


def _scope(body: dict[str, Any], needs_permission: bool = True) -> tuple[int, int | None]:
    """The (company id, project id or None) a call names, checked; then the permission."""
    raw_project = body.get("project_id", request.args.get("project_id"))
    if raw_project is not None and str(raw_project).strip():
        if not str(raw_project).strip().isdigit():
            raise ApiError(400, "project_id must be an integer")

        project = visible_project(int(raw_project))
        company_id, project_id = project["_company_id"], project["id"]
    else:
        company_id = company_scope(body.get("company_id", request.args.get("company_id")))
        project_id = None

    if needs_permission:
        _require_permission()

    return company_id, project_id


def _require_permission() -> None:
    allowed = {login.strip().lower() for login in current_state().config.webhooks_permission_users}
    if EVERYONE not in allowed and current_user().login not in allowed:
        raise ApiError(403, NO_PERMISSION)


def _hook(hook_id: int, body: dict[str, Any]) -> Hook:
    """The hook, when it belongs to the scope the call names; else 404."""
    scope = _scope(body)
    hook = current_state().webhooks.hooks.get(hook_id)
    if hook is None or (hook.company_id, hook.project_id) != scope:
        raise not_found()

    return hook


def _hook_fields(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    """Validated hook fields from ``{"hook": {...}}``; with ``partial`` only those sent."""
    data = body.get("hook")
    if not isinstance(data, dict):
        raise ApiError(400, "Missing required parameter: hook")

    fields: dict[str, Any] = {}
    if not partial or "namespace" in data:
        namespace = data.get("namespace")
        if not isinstance(namespace, str) or not NAMESPACE.fullmatch(namespace):
            raise InvalidField("namespace", "may only contain a-z, 0-9 and -")
        fields["namespace"] = namespace

    if not partial or "destination_url" in data:
        url = data.get("destination_url")
        parts = urlparse(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidField("destination_url", "must be an http or https URL")
        fields["destination_url"] = url

    if not partial or "api_version" in data:
        api_version = data.get("api_version", "v2")
        if api_version not in API_VERSIONS:
            raise InvalidField("api_version", "only v2 payloads are simulated")
        fields["api_version"] = api_version

    if "destination_headers" in data:
        headers = data["destination_headers"] or {}
        if not isinstance(headers, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in headers.items()
        ):
            raise InvalidField("destination_headers", "must map header names to strings")
        fields["destination_headers"] = dict(headers)

    return fields


def _body() -> dict[str, Any]:
    if not request.data:
        return {}

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object")

    return data
