"""Connecting a Palcode.ai user to Procore: the start of the OAuth flow and its callback.

The state sent to Procore is 256 random bits, stored only as a hash, single use, and bound
to the user and to the browser that started the flow (a nonce in an HttpOnly cookie whose
hash sits beside the state). PKCE (S256) goes along with the client secret. The browser is
only ever sent back to a page in the configured allow-list.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from . import clock
from .errors import ConnectFlowError, IntegrationError
from .observability import logger
from .procore.errors import InvalidGrantError, OAuthError, ProcoreError
from .services import Services
from .storage.connections import CONNECTED
from .storage.sync_state import new_run_id
from .sync.dispatch import first_sync_still_coming, queue_sync_for_user
from .tokens import revoke_quietly, seal, unseal

BROWSER_COOKIE = "procore_connect"


@dataclass(frozen=True)
class ConnectStart:
    authorize_url: str
    browser_nonce: str
    max_age: int


@dataclass(frozen=True)
class CallbackOutcome:
    """Where the browser goes, and what the page shows: `connected`, or `error` with a reason."""

    redirect_url: str
    outcome: str
    reason: str | None = None
    state_consumed: bool = True  # False when no pending flow matched: leave the browser's cookie be


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def choose_return_url(services: Services, requested: str | None) -> str:
    allowed = services.settings.return_urls
    if not requested:
        return services.settings.integrations_page_url
    if requested not in allowed:
        raise ConnectFlowError("return_to is not an allowed page", reason="return_url_not_allowed",
                               field="return_to")
    return requested


def start_connect(services: Services, *, user_id: str, return_to: str | None = None) -> ConnectStart:
    return_url = choose_return_url(services, return_to)
    state = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)
    browser_nonce = secrets.token_urlsafe(32)
    lifetime = services.settings.oauth_state_lifetime_seconds
    now = clock.now()
    services.oauth_states.put(
        state,
        {
            "user_id": user_id,
            "browser_hash": _digest(browser_nonce),
            "code_verifier": code_verifier,
            "return_url": return_url,
            "created_at": int(now),
        },
        expires_at=int(now) + lifetime,
    )
    url = services.oauth().authorize_url(state=state, code_verifier=code_verifier)
    logger.info("procore connect started", user_id=user_id)
    return ConnectStart(authorize_url=url, browser_nonce=browser_nonce, max_age=lifetime)


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in params] + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def complete_callback(
    services: Services, *, params: dict[str, str], browser_nonce: str | None
) -> CallbackOutcome:
    """Finish the flow; every failure sends the browser back with a reason and stores nothing."""
    default_page = services.settings.integrations_page_url

    def refuse(reason: str, page: str = default_page, consumed: bool = True) -> CallbackOutcome:
        logger.warning("procore connect refused", reason=reason)
        url = _with_query(page, {"procore": "error", "reason": reason})
        return CallbackOutcome(url, "error", reason, state_consumed=consumed)

    state = params.get("state")
    if not state:
        return refuse("missing_state", consumed=False)
    pending = services.oauth_states.consume(state)
    if pending is None:
        return refuse("invalid_state", consumed=False)
    page = str(pending["return_url"])
    if page not in services.settings.return_urls:
        page = default_page
    if int(pending["expires_at"]) <= clock.now():
        return refuse("expired_state", page)
    if not browser_nonce or not hmac.compare_digest(_digest(browser_nonce), str(pending["browser_hash"])):
        return refuse("browser_mismatch", page)
    if params.get("error"):
        reason = "access_denied" if params["error"] == "access_denied" else "procore_error"
        return refuse(reason, page)
    code = params.get("code")
    if not code:
        return refuse("missing_code", page)

    user_id = str(pending["user_id"])
    try:
        _connect(services, user_id=user_id, code=code, code_verifier=str(pending["code_verifier"]))
    except InvalidGrantError:
        return refuse("code_rejected", page)
    except (OAuthError, ProcoreError, IntegrationError) as exc:
        logger.warning("procore code exchange failed", user_id=user_id, error=type(exc).__name__)
        return refuse("exchange_failed", page)
    return CallbackOutcome(_with_query(page, {"procore": "connected"}), "connected")


def _connect(services: Services, *, user_id: str, code: str, code_verifier: str) -> None:
    tokens = services.oauth().exchange_code(code=code, code_verifier=code_verifier, now=clock.now())
    procore = fixed_token_client(services, tokens.access_token)
    me = procore.get("/rest/v1.0/me")
    companies: dict[str, Any] = {}
    for page in procore.pages("/rest/v1.0/companies", per_page=100):
        for company in page:
            companies[str(company["id"])] = {
                "id": company["id"],
                "name": company.get("name"),
                "selected": True,
                "app_installed": True,
            }
    previous = services.connections.get(user_id, with_tokens=True)
    if previous and previous.get("companies"):
        for company_id, company in companies.items():
            earlier = previous["companies"].get(company_id)
            if earlier is not None:
                company["selected"] = bool(earlier.get("selected", True))
    previous_version = int(previous["token_version"]) if previous and "token_version" in previous else None
    first_sync_run_id = new_run_id()
    now = clock.iso()
    saved = services.connections.save_connected(
        {
            "user_id": user_id,
            "status": CONNECTED,
            "procore_user": {"id": me.get("id"), "login": me.get("login"), "name": me.get("name")},
            "companies": companies,
            "connected_at": now,
            "updated_at": now,
            "token_blob": seal(services.cipher, user_id, tokens),
            "token_expires_at": tokens.expires_at,
            "token_version": (previous_version or 0) + 1,
            "first_sync_run_id": first_sync_run_id,
            # a run under way stays noted, so the schedule does not start another beside it
            **{k: previous[k] for k in ("active_run_id", "active_run_at") if previous and k in previous},
        },
        replacing_version=previous_version,
    )
    if not saved:
        # Another callback of this user's connected at the same moment and holds the connection
        # (and its first sync); ours is surplus: leave no live pair behind at Procore.
        revoke_quietly(services.oauth, user_id=user_id, access_token=tokens.access_token)
        logger.info("procore connected by a concurrent callback", user_id=user_id)
        return
    if previous and previous.get("token_blob") is not None:  # a reconnect replaces a live pair
        try:
            replaced = unseal(services.cipher, user_id, previous["token_blob"])
            revoke_quietly(services.oauth, user_id=user_id, access_token=replaced.access_token)
        except IntegrationError:
            logger.warning("the replaced procore token pair did not decrypt", user_id=user_id)
    logger.info("procore connected", user_id=user_id, companies=len(companies))
    if first_sync_still_coming(services, user_id, previous):
        logger.info("first sync of the connect just before still running; no second run", user_id=user_id)
        return
    queue_sync_for_user(services, user_id=user_id, companies=companies, trigger="connect",
                        run_id=first_sync_run_id)


class _FixedToken:
    def __init__(self, token: str) -> None:
        self._token = token

    def current(self) -> str:
        return self._token

    def after_rejection(self, rejected: str) -> str:
        raise ConnectFlowError("Procore refused the new token", reason="exchange_failed")


def fixed_token_client(services: Services, access_token: str) -> Any:
    """A client that uses exactly this access token (and never refreshes it)."""
    from .procore.client import ProcoreClient

    return ProcoreClient(
        api_url=services.settings.procore_api_url,
        tokens=_FixedToken(access_token),  # type: ignore[arg-type]
        timeout=services.settings.procore_timeout_seconds,
    )
