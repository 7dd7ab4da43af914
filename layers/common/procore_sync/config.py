"""Settings read from the environment, the one place that knows the variable names."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """What every function needs to know about its tables, queue, key and Procore."""

    connections_table: str = Field(default_factory=lambda: _env("CONNECTIONS_TABLE"))
    oauth_states_table: str = Field(default_factory=lambda: _env("OAUTH_STATES_TABLE"))
    sync_state_table: str = Field(default_factory=lambda: _env("SYNC_STATE_TABLE"))
    records_table: str = Field(default_factory=lambda: _env("RECORDS_TABLE"))
    sync_queue_url: str = Field(default_factory=lambda: _env("SYNC_QUEUE_URL"))
    token_key_arn: str = Field(default_factory=lambda: _env("TOKEN_KEY_ARN"))

    procore_login_url: str = Field(default_factory=lambda: _env("PROCORE_LOGIN_URL").rstrip("/"))
    procore_api_url: str = Field(default_factory=lambda: _env("PROCORE_API_URL").rstrip("/"))
    procore_client_id: str = Field(default_factory=lambda: _env("PROCORE_CLIENT_ID"))
    procore_redirect_uri: str = Field(default_factory=lambda: _env("PROCORE_REDIRECT_URI"))

    integrations_page_url: str = Field(default_factory=lambda: _env("INTEGRATIONS_PAGE_URL"))
    allowed_return_urls: list[str] = Field(
        default_factory=lambda: [u for u in os.environ.get("ALLOWED_RETURN_URLS", "").split(",") if u]
    )

    webhook_url: str = Field(default_factory=lambda: os.environ.get("WEBHOOK_URL", "").rstrip("/"))
    full_sync_interval_seconds: int = Field(
        default_factory=lambda: int(os.environ.get("FULL_SYNC_INTERVAL_SECONDS") or 86400)
    )
    job_lease_seconds: float = Field(default_factory=lambda: float(os.environ.get("JOB_LEASE_SECONDS") or 60))
    # A job that no worker has touched for this long is abandoned (its Lambda timed out on the
    # last delivery, or its message was lost): five deliveries of 720 s plus a throttle delay fit.
    job_abandoned_seconds: float = Field(
        default_factory=lambda: float(os.environ.get("JOB_ABANDONED_SECONDS") or 7200)
    )
    oauth_state_lifetime_seconds: int = 600
    token_refresh_margin_seconds: int = 300
    refresh_lease_seconds: int = 30
    procore_timeout_seconds: float = 20.0

    @property
    def return_urls(self) -> list[str]:
        """Every page the callback may send a browser to: the integrations page and the allow-list."""
        return [self.integrations_page_url, *self.allowed_return_urls]


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def get_client_secret() -> str:
    """The Procore client secret: from `PROCORE_CLIENT_SECRET` when set, else from SSM.

    On AWS the template passes the name of an SSM SecureString parameter; Powertools caches
    the decrypted value for five minutes, so rotating the secret needs no deploy.
    """
    secret = os.environ.get("PROCORE_CLIENT_SECRET")
    if secret:
        return secret
    from aws_lambda_powertools.utilities import parameters

    name = _env("PROCORE_CLIENT_SECRET_PARAMETER")
    return str(parameters.get_parameter(name, decrypt=True))
