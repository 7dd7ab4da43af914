"""Call log for assertions: API calls, token-endpoint calls, rate-limit exceedances,
injected faults, the changes churn made while listings were read, and webhook deliveries.

Tokens are never recorded; token pairs appear under their public id (``pair-3``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

CHURN_KINDS = ("insert", "update", "delete")
WEBHOOK_OUTCOMES = ("ok", "retried", "failed", "discarded")


class Stats:
    """Counters the simulator keeps while serving."""

    def __init__(self) -> None:
        self.api_calls = 0
        self.api_calls_by_user: Counter[int] = Counter()
        self.api_calls_by_company: Counter[int] = Counter()
        self.api_calls_by_token: Counter[str] = Counter()
        self.unauthorized_calls = 0
        self.rate_limited = 0
        self.rate_limited_by_user: Counter[int] = Counter()
        self.rate_limited_by_token: Counter[str] = Counter()
        self.rate_limited_pair_users: dict[str, int] = {}
        self.injected_429 = 0
        self.injected_5xx = 0
        self.injected_timeouts = 0
        self.injected_resets = 0
        self.token_calls: list[dict[str, Any]] = []
        self.churn_by_kind: Counter[str] = Counter()
        self.churn_changes: list[dict[str, Any]] = []
        self.webhook_events = 0
        self.webhook_duplicates = 0
        self.webhook_attempts: list[dict[str, Any]] = []

    def record_api_call(self, user_id: int, pair_id: str, company_id: int | None) -> None:
        self.api_calls += 1
        self.api_calls_by_user[user_id] += 1
        self.api_calls_by_token[pair_id] += 1
        if company_id is not None:
            self.api_calls_by_company[company_id] += 1

    def record_rate_limited(self, user_id: int, pair_id: str) -> None:
        self.rate_limited += 1
        self.rate_limited_by_user[user_id] += 1
        self.rate_limited_by_token[pair_id] += 1
        self.rate_limited_pair_users[pair_id] = user_id

    def record_churn(self, entity: str, record_id: int, kind: str) -> None:
        """Record one change churn made; ``kind`` is "insert", "update" or "delete"."""
        self.churn_by_kind[kind] += 1
        self.churn_changes.append({"entity": entity, "id": record_id, "kind": kind})

    def record_webhook_event(self, duplicated: bool) -> None:
        """Count one queued event (a duplicated one is delivered twice)."""
        self.webhook_events += 1
        self.webhook_duplicates += int(duplicated)

    def record_webhook_attempt(
        self, event_id: int, hook_id: int, status: int | None, outcome: str, at: float
    ) -> None:
        """Record one delivery attempt, or a discard; ``status`` is None without an answer."""
        self.webhook_attempts.append(
            {
                "event_id": event_id,
                "hook_id": hook_id,
                "status": status,
                "outcome": outcome,
                "at": int(at),
            }
        )

    def record_token_call(
        self,
        grant_type: str | None,
        outcome: str,
        status: int,
        at: float,
        user_id: int | None = None,
        pair_id: str | None = None,
        dropped: bool = False,
    ) -> None:
        """Record one /oauth/token call; ``outcome`` is "issued" or an OAuth error code."""
        self.token_calls.append(
            {
                "grant_type": grant_type,
                "outcome": outcome,
                "status": status,
                "at": int(at),
                "user_id": user_id,
                "pair_id": pair_id,
                "dropped": dropped,
            }
        )

    def limit_exceeded(self, user_id: int | None = None) -> bool:
        """Whether a real rate limit (not an injected 429) was ever hit."""
        if user_id is None:
            return self.rate_limited > 0

        return self.rate_limited_by_user[user_id] > 0

    def limit_exceeded_by_pair(self, logins: dict[int, str]) -> dict[str, dict[str, Any]]:
        """Real exceedances per token pair that had any: ``{pair: {"user", "exceeded"}}``."""
        result = {}
        for pair_id, count in self.rate_limited_by_token.items():
            user_id = self.rate_limited_pair_users[pair_id]
            result[pair_id] = {"user": logins.get(user_id, str(user_id)), "exceeded": count}

        return result

    def to_dict(self, logins: dict[int, str]) -> dict[str, Any]:
        """JSON-ready statistics; users appear by login, ids become strings."""
        by_grant: Counter[str] = Counter(str(call["grant_type"]) for call in self.token_calls)
        return {
            "api_calls": {
                "total": self.api_calls,
                "unauthorized": self.unauthorized_calls,
                "by_user": {
                    logins.get(uid, str(uid)): n for uid, n in self.api_calls_by_user.items()
                },
                "by_company": {str(cid): n for cid, n in self.api_calls_by_company.items()},
                "by_token": dict(self.api_calls_by_token),
            },
            "rate_limit": {
                "exceeded": self.rate_limited > 0,
                "total": self.rate_limited,
                "by_user": {
                    logins.get(uid, str(uid)): n for uid, n in self.rate_limited_by_user.items()
                },
                "by_token": dict(self.rate_limited_by_token),
                "by_pair": self.limit_exceeded_by_pair(logins),
            },
            "injected_faults": {
                "429": self.injected_429,
                "5xx": self.injected_5xx,
                "timeouts": self.injected_timeouts,
                "resets": self.injected_resets,
            },
            "churn": {
                "total": len(self.churn_changes),
                "by_kind": {kind: self.churn_by_kind[kind] for kind in CHURN_KINDS},
                "changes": [dict(change) for change in self.churn_changes],
            },
            "webhooks": {
                "events": self.webhook_events,
                "duplicated": self.webhook_duplicates,
                "attempts": len(self.webhook_attempts),
                "by_outcome": {
                    outcome: sum(1 for a in self.webhook_attempts if a["outcome"] == outcome)
                    for outcome in WEBHOOK_OUTCOMES
                },
                "deliveries": [dict(attempt) for attempt in self.webhook_attempts],
            },
            "token_endpoint": {
                "total": len(self.token_calls),
                "by_grant_type": dict(by_grant),
                "calls": list(self.token_calls),
            },
        }
