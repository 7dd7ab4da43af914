"""Procore's REST API: authenticated GETs, the company header, pagination and rate limits.

A listing's page (up to 1,000 records, some 2 MB of JSON) is read as a stream and parsed as it
arrives, so a job holds a few records at a time rather than the page, however big it is.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import ijson
import requests
import urllib3

from .errors import (
    AppNotInstalledError,
    ProcoreError,
    ProcoreForbiddenError,
    ProcoreNotFoundError,
    ProcoreRateLimitedError,
    ProcoreServerError,
    ProcoreUnauthorizedError,
    ProcoreUnavailableError,
)
from .rate_budget import MemoryBudgetStore, RateBudget

APP_NOT_INSTALLED = "app is not connected to this company"
CHUNK_BYTES = 16 * 1024  # read from a page's stream at a time: some eight records
JSON_SPACE = b" \t\r\n"


class AccessTokens:
    """What the client needs from the token lifecycle: a current token, and a new one after a 401."""

    def current(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def after_rejection(self, rejected: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ProcoreClient:
    """GET requests to Procore on behalf of one connection.

    A 401 triggers one token refresh and one retry; a 429 or 503 is waited out in-process when
    the wait is short (`max_wait_seconds`), otherwise raised so the job can be delayed.
    """

    def __init__(
        self,
        *,
        api_url: str,
        tokens: AccessTokens,
        session: requests.Session | None = None,
        timeout: float = 20.0,
        max_wait_seconds: float = 15.0,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        budget: RateBudget | None = None,
    ) -> None:
        """`budget` is the connection's share of Procore's rate limits; by default one kept in
        this process (a sync shares one kept in DynamoDB across its workers)."""
        self._api_url = api_url.rstrip("/")
        self._tokens = tokens
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max_wait = max_wait_seconds
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._budget = budget or RateBudget(MemoryBudgetStore())
        self.calls = 0
        self.throttles = 0  # answers that were 429, or 503 with Retry-After
        self.budget_waits = 0  # times a call waited for the connection's budget

    def get(self, path: str, *, company_id: int | None = None, params: dict[str, Any] | None = None) -> Any:
        response = self._request(self._url(path), company_id=company_id, params=params)
        return json.loads(response.text, parse_float=Decimal)

    def post(self, path: str, *, company_id: int, body: dict[str, Any]) -> Any:
        """A write (only webhook hooks and triggers: the sync itself never writes to Procore).
        It is not retried: a lost answer to a create must not create twice."""
        response = self._request(self._url(path), company_id=company_id, params=None, method="POST",
                                 body=body, retry=False)
        return json.loads(response.text, parse_float=Decimal) if response.text.strip() else None

    def delete(self, path: str, *, company_id: int, params: dict[str, Any] | None = None) -> None:
        self._request(self._url(path), company_id=company_id, params=params, method="DELETE")

    def pages(
        self,
        path: str,
        *,
        company_id: int | None = None,
        params: dict[str, Any] | None = None,
        per_page: int = 100,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page of a list endpoint as a list, following `Link: rel="next"` to the last
        page. For short listings; a sync reads `listing()`, whose pages are streams."""
        for page in self.listing(path, company_id=company_id, params=params, per_page=per_page):
            yield list(page.records)

    def listing(
        self,
        path: str,
        *,
        company_id: int | None = None,
        params: dict[str, Any] | None = None,
        per_page: int = 100,
        start_url: str | None = None,
    ) -> Iterator[Page]:
        """Yield each page with what Procore said about it; `start_url` (a `next_url` from an
        earlier page) carries on from there instead of from page 1.

        A page's records are parsed from the open answer as they are read, so read them before
        asking for the next page: the answer is closed then (or when the listing is closed)."""
        url: str | None = start_url or self._url(path)
        query: dict[str, Any] | None = None if start_url else {**(params or {}), "per_page": per_page, "page": 1}
        while url:
            with self._request(url, company_id=company_id, params=query, stream=True) as response:
                url = response.links.get("next", {}).get("url")
                if url:
                    url = urljoin(self._api_url + "/", url)
                yield Page(records=_records(response), next_url=url, total=_int_header(response, "Total"),
                           served_at=_served_at(response))
            query = None  # the next link carries every parameter

    def _url(self, path: str) -> str:
        return f"{self._api_url}/{path.lstrip('/')}"

    def _request(self, url: str, *, company_id: int | None, params: dict[str, Any] | None, method: str = "GET",
                 body: dict[str, Any] | None = None, retry: bool = True,
                 stream: bool = False) -> requests.Response:
        """Send the request until an answer below 400 comes, refreshing the token after a 401 and
        waiting out or retrying what the status and headers call for. With `stream` the answer's
        body is left unread: the caller reads it and closes the answer."""
        token = self._tokens.current()
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if company_id is not None:
                headers["Procore-Company-Id"] = str(company_id)
            self._wait_for_budget()
            self.calls += 1
            try:
                response = self._session.request(method, url, headers=headers, params=params, json=body,
                                                 timeout=self._timeout, stream=stream)
            except requests.Timeout:
                error: ProcoreError = ProcoreUnavailableError("Procore did not answer in time")
            except requests.ConnectionError:
                error = ProcoreUnavailableError("connection to Procore failed")
            else:
                self._budget.observe(response.headers)
                if response.status_code < 400:
                    return response
                with response:  # an error answer is small: read it whole, then free the connection
                    error = _error_from(response)
                if response.status_code == 401 and not refreshed:
                    token = self._tokens.after_rejection(token)
                    refreshed = True
                    attempt -= 1
                    continue
                if response.status_code == 429 or (response.status_code == 503 and error.retry_after is not None):
                    self.throttles += 1
            if not error.retryable or not retry or attempt >= self._max_attempts:
                raise error
            wait = _backoff(error.retry_after, attempt)
            if wait > self._max_wait:
                raise error
            self._sleep(wait)

    def _wait_for_budget(self) -> None:
        """Take one call from the connection's budget, waiting for a window to reset when it is
        spent instead of earning a 429; a wait too long for a job is raised so it is delayed."""
        while (wait := self._budget.take()) > 0:
            if wait > self._max_wait:
                raise ProcoreRateLimitedError(
                    "this connection's rate budget is spent until its window resets", retry_after=wait)
            self.budget_waits += 1
            self._sleep(wait)


@dataclass(frozen=True)
class Page:
    """One page of a listing: its records, the link to the next page, Procore's `Total` and the
    time Procore served it (its `Date` header, on Procore's clock).

    `records` can be iterated once, while the listing is on this page: it parses the answer as it
    is read, and raises a `ProcoreError` if the answer breaks off or is not a JSON array."""

    records: Iterable[Any]
    next_url: str | None
    total: int | None
    served_at: float | None


def _records(response: requests.Response) -> Iterator[Any]:
    """The items of the JSON array a page's answer holds, parsed as its bytes arrive (numbers
    that are not integers as Decimal, as DynamoDB needs), so only a chunk's worth is held.

    An answer that breaks off, whether the connection fails or the JSON ends early or goes
    wrong, raises `ProcoreUnavailableError`: it is retryable, and the records already read were
    written as they came (writes are idempotent), while the page's checkpoint is never saved,
    so the job is redelivered to read the page again. The parser's own message is not passed
    on, not even as the new error's context: it quotes the body, and bid amounts are
    commercially sensitive."""
    chunks = response.iter_content(CHUNK_BYTES)
    broke: str | None = None
    try:
        head = b""
        for chunk in chunks:
            if head := chunk.lstrip(JSON_SPACE):
                break
        if head and not head.startswith(b"["):  # anything but an array would parse to no items
            raise ProcoreError("expected a list", status=response.status_code)
        yield from ijson.items(_Body(head, chunks, status=response.status_code), "item", use_float=False,
                               buf_size=CHUNK_BYTES)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        broke = f"the connection broke while a page was read ({type(exc).__name__})"
    except ijson.JSONError:
        broke = "a page's answer ended early or is not valid JSON"
    if broke is not None:  # raised here, outside the handler, so it carries no context
        raise ProcoreUnavailableError(broke)


MAX_DIGITS = 4300  # Python's own limit on an integer's digits; ijson's C parser crashes past it
MAX_OPEN_BRACKETS = 2000  # records nest a few levels deep; ijson's memory grows as the square of it
_DIGIT_BYTES = b"0123456789"
_LONG_NUMBER = re.compile(rb"[0-9]{%d}" % (MAX_DIGITS + 1))


class _Body:
    """An answer's chunks as the file ijson reads (its file reader parses some 2.5 times faster
    than feeding it chunk by chunk): the chunk already looked at first, then the rest.

    Each chunk is checked first for what ijson's C parser does not survive, which only a broken
    or hostile answer holds: a run of digits longer than Python turns into an integer (the
    parser crashes the process) and brackets opened thousands deep (its memory grows as the
    square of the depth). Either is a `ProcoreError` that is not retried. The bracket count does
    not skip strings, so a record's text would need two thousand unmatched brackets to trip it."""

    def __init__(self, head: bytes, chunks: Iterator[bytes], *, status: int) -> None:
        self._head: bytes | None = head
        self._chunks = chunks
        self._status = status
        self._digits = 0  # digits at the end of what was read so far
        self._open = 0  # brackets opened and not yet closed

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson asks for nothing first, to learn that the file gives bytes
        chunk, self._head = self._head, None  # the chunk already looked at, once
        if not chunk:
            chunk = next(self._chunks, b"")
        self._check(chunk)
        return chunk

    def _check(self, chunk: bytes) -> None:
        leading = len(chunk) - len(chunk.lstrip(_DIGIT_BYTES))
        if self._digits + leading > MAX_DIGITS or _LONG_NUMBER.search(chunk):
            raise ProcoreError("a page's answer holds a number longer than any record's", status=self._status)
        trailing = len(chunk) - len(chunk.rstrip(_DIGIT_BYTES))
        self._digits = self._digits + trailing if trailing == len(chunk) else trailing
        self._open += chunk.count(b"[") + chunk.count(b"{") - chunk.count(b"]") - chunk.count(b"}")
        if self._open > MAX_OPEN_BRACKETS:
            raise ProcoreError("a page's answer nests deeper than any record's", status=self._status)


def _int_header(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _served_at(response: requests.Response) -> float | None:
    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return None


def _backoff(retry_after: float | None, attempt: int) -> float:
    base = retry_after if retry_after is not None else min(2.0 ** attempt, 30.0)
    return base + random.uniform(0, min(1.0, base / 4 + 0.1))  # noqa: S311 - jitter, not security


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    reset = response.headers.get("X-Rate-Limit-Reset")
    if reset is not None:
        try:
            return max(0.0, float(reset) - time.time())
        except ValueError:
            return None
    return None


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return str(errors[0])
        if isinstance(errors, dict | str):
            return str(errors)
        for key in ("error_description", "message", "error"):
            if body.get(key):
                return str(body[key])
    return str(body)[:300]


def _error_from(response: requests.Response) -> ProcoreError:
    status = response.status_code
    message = _message(response)
    if status == 401:
        return ProcoreUnauthorizedError(message, status=status)
    if status == 403:
        if APP_NOT_INSTALLED in message.lower():
            return AppNotInstalledError(message, status=status)
        return ProcoreForbiddenError(message, status=status)
    if status == 404:
        return ProcoreNotFoundError(message, status=status)
    if status == 429:
        return ProcoreRateLimitedError(message, status=status, retry_after=_retry_after(response))
    if status >= 500:
        return ProcoreServerError(message, status=status, retry_after=_retry_after(response))
    return ProcoreError(message, status=status)
