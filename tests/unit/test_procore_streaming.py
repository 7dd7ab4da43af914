"""A listing's pages are read as streams: records come as their bytes arrive, an answer that
breaks off is a retryable error that quotes nothing of the body, and every answer is closed."""

import io
import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest
import requests
import responses

from procore_sync.procore.client import ProcoreClient
from procore_sync.procore.errors import ProcoreError, ProcoreUnavailableError

API = "https://procore.test"
VENDORS = f"{API}/rest/v1.0/vendors"


class Tokens:
    def __init__(self) -> None:
        self.token = "t1"

    def current(self) -> str:
        return self.token

    def after_rejection(self, rejected: str) -> str:
        self.token = "t2"
        return self.token


class Wire(io.RawIOBase):
    """An answer's bytes as the socket hands them over: counts how many were read, and can be
    cut (the connection reset) after `cut_at` bytes."""

    def __init__(self, data: bytes, *, cut_at: int | None = None) -> None:
        self._data = data
        self._cut_at = cut_at
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        end = len(self._data) if self._cut_at is None else self._cut_at
        if self._cut_at is not None and self.read_bytes >= end:
            raise ConnectionResetError("connection reset by peer")
        n = min(len(buffer), end - self.read_bytes)
        buffer[:n] = self._data[self.read_bytes:self.read_bytes + n]
        self.read_bytes += n
        return n


def vendors(first: int, n: int) -> list[dict]:
    return [{"id": i, "name": f"Vendor {i} " + "x" * 200, "rating": 4.25} for i in range(first, first + n)]


def client_seeing(answers: list[requests.Response]) -> ProcoreClient:
    """A client whose session keeps every answer it got, to check that each was closed."""
    session = requests.Session()
    session.hooks["response"].append(lambda response, *args, **kwargs: answers.append(response))
    return ProcoreClient(api_url=API, tokens=Tokens(), session=session, sleep=lambda s: None)


def add_page(body, *, status=200, headers=None):
    responses.add(responses.GET, re.compile(f"{VENDORS}.*"), status=status, body=body,
                  headers=headers or {}, content_type="application/json")


@responses.activate
def test_a_page_is_parsed_as_it_is_read_and_its_answer_closed_before_the_next():
    # GIVEN two pages, the first of 1,000 records (some 250 KB) with Procore's headers
    first = json.dumps(vendors(0, 1000)).encode()
    wire = Wire(first)
    add_page(io.BufferedReader(wire), headers={
        "Total": "1003", "Date": "Tue, 02 Jan 2024 03:04:05 GMT",
        "Link": f'<{VENDORS}?company_id=1&page=2&per_page=1000>; rel="next"'})
    add_page(json.dumps(vendors(1000, 3)))
    answers: list[requests.Response] = []

    # WHEN the first record of the first page is taken
    pages = client_seeing(answers).listing("/rest/v1.0/vendors", company_id=1, params={"company_id": 1},
                                           per_page=1000)
    page = next(pages)
    records = iter(page.records)
    record = next(records)

    # THEN it came from the first chunks alone, its number exact, with what Procore said of the page
    assert record["id"] == 0 and record["rating"] == Decimal("4.25")
    assert wire.read_bytes < len(first) // 4
    assert (page.total, page.next_url.endswith("page=2&per_page=1000"), page.served_at) == (
        1003, True, 1704164645.0)

    # AND the rest arrives in order, and asking for the next page closes the first's answer
    assert [r["id"] for r in records] == list(range(1, 1000))
    second = next(pages)
    assert answers[0].raw.closed
    assert [r["id"] for r in second.records] == [1000, 1001, 1002] and second.next_url is None
    assert next(pages, None) is None and answers[1].raw.closed


@responses.activate
def test_pages_still_gives_lists_that_outlive_the_answer():
    add_page(json.dumps(vendors(0, 3)))
    pages = list(ProcoreClient(api_url=API, tokens=Tokens()).pages("/rest/v1.0/vendors", company_id=1))
    assert [[r["id"] for r in page] for page in pages] == [[0, 1, 2]]


@responses.activate
def test_a_connection_reset_mid_page_is_a_retryable_error_after_the_records_that_arrived():
    # GIVEN a page whose connection is reset partway through its body
    body = json.dumps(vendors(0, 500)).encode()
    add_page(io.BufferedReader(Wire(body, cut_at=len(body) // 2)))
    answers: list[requests.Response] = []
    listing = client_seeing(answers).listing("/rest/v1.0/vendors", company_id=1)
    page = next(listing)

    # WHEN its records are read
    seen = []
    with pytest.raises(ProcoreUnavailableError) as caught:
        for record in page.records:
            seen.append(record["id"])

    # THEN the records before the cut came, then an error the job retries, naming the cause
    assert 0 < len(seen) < 500 and seen == list(range(len(seen)))
    assert caught.value.retryable and "broke while a page was read" in caught.value.message
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # nothing that quotes the body
    listing.close()
    assert answers[0].raw.closed


@pytest.mark.parametrize("body", [
    b'[{"id": 1, "name": "a"}, {"id": 2, "bid": 125000.5, "na',  # the answer ends early
    b'[{"id": 1, "bid": 125000.5}, {"id": 2 "bid": 99}]',  # not JSON
    b"",
])
@responses.activate
def test_a_page_that_ends_early_or_is_not_json_is_retryable_and_quotes_nothing(body):
    add_page(body)
    listing = ProcoreClient(api_url=API, tokens=Tokens()).listing("/rest/v1.0/vendors", company_id=1)
    page = next(listing)  # its records are read while the listing is on this page
    with pytest.raises(ProcoreUnavailableError) as caught:
        list(page.records)
    assert caught.value.retryable
    assert "125000" not in str(caught.value) and "bid" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # nothing that quotes the body


@pytest.mark.parametrize("body", [b' {"errors": ["not a list"]}', b"null", b'"text"'])
@responses.activate
def test_a_page_that_is_not_a_json_array_is_refused(body):
    add_page(body)
    listing = ProcoreClient(api_url=API, tokens=Tokens()).listing("/rest/v1.0/vendors", company_id=1)
    page = next(listing)  # its records are read while the listing is on this page
    with pytest.raises(ProcoreError) as caught:
        list(page.records)
    assert type(caught.value) is ProcoreError and caught.value.message == "expected a list"
    assert caught.value.status == 200


@responses.activate
def test_a_streamed_listing_refreshes_on_401_and_closes_the_refused_answer():
    responses.add(responses.GET, re.compile(f"{VENDORS}.*"), status=401, json={"error": "invalid_token"})
    add_page(json.dumps(vendors(0, 2)))
    answers: list[requests.Response] = []
    client = client_seeing(answers)
    pages = list(client.pages("/rest/v1.0/vendors", company_id=1))
    assert [[r["id"] for r in page] for page in pages] == [[0, 1]]
    assert [a.status_code for a in answers] == [401, 200] and all(a.raw.closed for a in answers)
    assert responses.calls[1].request.headers["Authorization"] == "Bearer t2"


@responses.activate
def test_closing_a_listing_partway_closes_the_open_answer():
    add_page(json.dumps(vendors(0, 300)), headers={"Link": f'<{VENDORS}?page=2>; rel="next"'})
    answers: list[requests.Response] = []
    pages = client_seeing(answers).listing("/rest/v1.0/vendors", company_id=1)
    next(iter(next(pages).records))
    pages.close()
    assert answers[0].raw.closed and len(responses.calls) == 1


@pytest.mark.parametrize("body", [
    b'[{"id": 1, "bid": ' + b"9" * 5000 + b"}]",  # longer than Python makes an integer of
    b'[{"id": 1, "bid": 1' + b"9" * 20_000 + b"}]",  # a number cut across chunks
    b"[" + b"[" * 30_000 + b"]" * 30_000 + b"]",  # nested thousands deep
], ids=["long-integer", "integer-across-chunks", "deep-nesting"])
def test_a_page_ijson_would_not_survive_is_a_clear_error_and_the_process_lives(body, tmp_path):
    # ijson's C parser crashes the process on an over-long integer, and its memory grows as the
    # square of the nesting depth: run the listing in a child process, so a crash fails the test
    # instead of killing the test run
    (tmp_path / "body").write_bytes(body)
    script = f"""
import re, responses, sys
sys.path[:0] = {sys.path!r}
from procore_sync.procore.client import ProcoreClient
from procore_sync.procore.errors import ProcoreError
from tests.unit.test_procore_streaming import API, Tokens
with responses.RequestsMock() as mock:
    mock.add(responses.GET, re.compile(API + "/.*"), status=200, content_type="application/json",
             body=open({str(tmp_path / "body")!r}, "rb").read())
    client = ProcoreClient(api_url=API, tokens=Tokens(), sleep=lambda s: None)
    try:
        for page in client.listing("/rest/v1.0/vendors", company_id=1):
            list(page.records)
    except ProcoreError as exc:
        print(type(exc).__name__, exc.retryable, exc)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the listing's process died ({done.returncode}): {done.stderr[-500:]}"
    assert done.stdout.startswith("ProcoreError False 200: a page's answer"), done.stdout
    assert "999" not in done.stdout
