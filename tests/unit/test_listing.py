"""A listing read page by page from streamed answers: a page whose answer breaks off saves no
checkpoint, keeps what it wrote, and the job delivered again carries on at that page."""

import io
import json
import re

import pytest
import responses

from procore_sync.procore.client import ProcoreClient
from procore_sync.procore.errors import ProcoreUnavailableError
from procore_sync.sync import listing
from procore_sync.sync.writer import EntityWriter

from .test_procore_streaming import API, Tokens, Wire

PROJECTS = f"{API}/rest/v1.1/projects"
PER_PAGE = 50
TOTAL = 150


class Records:
    """The records table: what was put, and fingerprints of it for a writer made later."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[str, bool]] = {}
        self.puts: list[str] = []

    def fingerprints(self, pk, prefix):
        return {sk: v for sk, v in self.stored.items() if sk.startswith(prefix)}

    def put_many(self, items):
        for item in items:
            self.puts.append(item["sk"])
            self.stored[item["sk"]] = (item["content_hash"], False)
        return len(items)


class Checkpoints:
    def __init__(self) -> None:
        self.saved: dict[int, object] = {}

    def save(self, user_id, run_id, job_id, name, page):
        self.saved[page.number] = page

    def load(self, user_id, run_id, job_id, name):
        return [self.saved[n] for n in sorted(self.saved)]

    def clear(self, *args):
        self.saved.clear()


def project(i: int) -> dict:
    return {"id": i, "name": f"Project {i}", "updated_at": f"2024-01-0{1 + i % 5}T00:00:00Z",
            "description": "x" * 2000}  # some 2 KB, as Procore's are


def serve(cut_page: int | None):
    """Procore's projects, 50 a page (some 100 KB); the answer for `cut_page` breaks off, once,
    after 80 KB."""
    cuts = {cut_page}

    def answer(request):
        n = int(re.search(r"[?&]page=(\d+)", request.url).group(1))
        body = json.dumps([project(i) for i in range((n - 1) * PER_PAGE + 1, n * PER_PAGE + 1)]).encode()
        headers = {"Total": str(TOTAL), "Date": "Mon, 08 Jan 2024 00:00:00 GMT"}
        if n * PER_PAGE < TOTAL:
            headers["Link"] = f'<{PROJECTS}?page={n + 1}&per_page={PER_PAGE}>; rel="next"'
        if n in cuts:
            cuts.discard(n)
            return 200, headers, io.BufferedReader(Wire(body, cut_at=80_000))
        return 200, headers, body

    responses.add_callback(responses.GET, re.compile(f"{PROJECTS}.*"), callback=answer,
                           content_type="application/json")


def read(records: Records, checkpoints: Checkpoints, *, resumable: bool):
    writer = EntityWriter(records, pk="p", prefix="project#", entity="project",
                          key=lambda p: (f"project#{p['id']}", {}))
    progress = listing.JobProgress(checkpoints, "u", "r", "j", heartbeat=lambda: None, resumable=resumable)
    client = ProcoreClient(api_url=API, tokens=Tokens(), sleep=lambda s: None)
    outcome = listing.read(client, writer, progress, listing="projects", path="/rest/v1.1/projects",
                           company_id=1, params=None, per_page=PER_PAGE, log={})
    return outcome, writer


@responses.activate
def test_a_page_that_breaks_off_saves_no_checkpoint_and_the_next_delivery_carries_on_there():
    # GIVEN three pages of projects, the second of which breaks off partway through its body
    serve(cut_page=2)
    records, checkpoints = Records(), Checkpoints()

    # WHEN the job reads the listing
    with pytest.raises(ProcoreUnavailableError):
        read(records, checkpoints, resumable=False)

    # THEN page 1 is checkpointed and page 2 is not; page 2's full batches before the cut landed
    assert list(checkpoints.saved) == [1]
    first_delivery = list(records.puts)
    assert first_delivery[:PER_PAGE] == [f"project#{i}" for i in range(1, PER_PAGE + 1)]
    assert first_delivery[PER_PAGE:] == [f"project#{i}" for i in range(PER_PAGE + 1, PER_PAGE + 26)]

    # WHEN the job is delivered again
    outcome, writer = read(records, checkpoints, resumable=True)

    # THEN it asks for page 2, not page 1, writes each record that had not landed once, and the
    # listing settles with every record and the newest updated_at seen
    assert [int(re.search(r"[?&]page=(\d+)", c.request.url).group(1)) for c in responses.calls] == [1, 2, 2, 3]
    assert sorted(records.puts, key=lambda sk: int(sk.split("#")[1])) == [f"project#{i}" for i in range(1, 151)]
    assert outcome.settled and outcome.updated_through == "2024-01-05T00:00:00Z"
    assert writer.counts["created"] + writer.counts["unchanged"] == TOTAL
    assert writer.present_keys() == {f"project#{i}" for i in range(1, 151)}


@responses.activate
def test_the_newest_update_is_taken_from_the_stream_the_writer_reads():
    serve(cut_page=None)
    outcome, writer = read(Records(), Checkpoints(), resumable=False)
    assert outcome.settled and outcome.reads == 1
    assert outcome.updated_through == "2024-01-05T00:00:00Z"
    assert writer.counts["created"] == TOTAL
