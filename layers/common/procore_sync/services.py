"""Builds the repositories, cipher and Procore objects from the settings, once per container.

The token cipher (the Encryption SDK, cryptography) and the Procore client and OAuth (requests,
authlib) are imported by the members that build them, so a function that reads only DynamoDB
(the read routes, status) never loads them: that is most of its cold start.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from .config import Settings, get_client_secret, get_settings
from .storage.checkpoints import CheckpointRepository
from .storage.connections import ConnectionRepository
from .storage.oauth_states import OAuthStateRepository
from .storage.records import RecordRepository
from .storage.sync_state import ConnectionBudgetStore, SyncStateRepository
from .sync.queue import SyncQueue

if TYPE_CHECKING:
    from .crypto import TokenCipher
    from .procore.client import ProcoreClient
    from .procore.oauth import ProcoreOAuth
    from .tokens import ConnectionTokens


class Services:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    @cached_property
    def connections(self) -> ConnectionRepository:
        return ConnectionRepository(self.settings.connections_table)

    @cached_property
    def oauth_states(self) -> OAuthStateRepository:
        return OAuthStateRepository(self.settings.oauth_states_table)

    @cached_property
    def sync_state(self) -> SyncStateRepository:
        return SyncStateRepository(self.settings.sync_state_table, on_run_finished=self.connections.clear_active_run)

    @cached_property
    def records(self) -> RecordRepository:
        return RecordRepository(self.settings.records_table)

    @cached_property
    def queue(self) -> SyncQueue:
        return SyncQueue(self.settings.sync_queue_url)

    @cached_property
    def cipher(self) -> TokenCipher:
        from .crypto import TokenCipher

        return TokenCipher(self.settings.token_key_arn)

    def oauth(self) -> ProcoreOAuth:
        from .procore.oauth import ProcoreOAuth

        s = self.settings
        return ProcoreOAuth(
            login_url=s.procore_login_url,
            client_id=s.procore_client_id,
            client_secret=get_client_secret(),
            redirect_uri=s.procore_redirect_uri,
            timeout=s.procore_timeout_seconds,
        )

    def tokens(self, user_id: str) -> ConnectionTokens:
        from .tokens import ConnectionTokens

        return ConnectionTokens(
            user_id,
            connections=self.connections,
            cipher=self.cipher,
            oauth_factory=self.oauth,
            margin_seconds=self.settings.token_refresh_margin_seconds,
            lease_seconds=self.settings.refresh_lease_seconds,
        )

    @cached_property
    def checkpoints(self) -> CheckpointRepository:
        return CheckpointRepository(self.settings.sync_state_table)

    def procore(self, user_id: str, *, connection: dict[str, Any] | None = None) -> ProcoreClient:
        """A client for one connection, spending the rate budget all its workers share.
        `connection`: the item the caller has just read with its tokens (saves the client a read)."""
        from .procore.client import ProcoreClient
        from .procore.rate_budget import RateBudget

        tokens = self.tokens(user_id)
        if connection is not None:
            tokens.prime(connection)
        return ProcoreClient(
            api_url=self.settings.procore_api_url,
            tokens=tokens,
            timeout=self.settings.procore_timeout_seconds,
            budget=RateBudget(ConnectionBudgetStore(self.sync_state, user_id)),
        )


_services: Services | None = None


def get_services() -> Services:
    global _services
    if _services is None:
        _services = Services()
    return _services


def reset_services() -> None:
    global _services
    _services = None
