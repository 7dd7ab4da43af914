"""A project job's two listings (bid packages, then bids): what the first wrote stays written
whatever happens to the second, and nothing is written once the user has disconnected."""

from types import SimpleNamespace

import pytest

from procore_sync.procore.client import Page
from procore_sync.procore.errors import ProcoreForbiddenError, ProcoreServerError
from procore_sync.sync import listing
from procore_sync.sync.runner import JobCancelledError, sync_project_listings

PACKAGES = [{"id": i, "title": f"Package {i}"} for i in (1, 2, 3)]


class Records:
    def __init__(self) -> None:
        self.puts: list[str] = []

    def fingerprints(self, pk, prefix):
        return {}

    def put_many(self, items):
        items = list(items)
        self.puts.extend(item["sk"] for item in items)
        return len(items)

    def mark_deleted(self, pk, sks, deleted_at):
        return 0


class Procore:
    """The bid packages in one page; then the bids listing does what `bids` says."""

    def __init__(self, bids) -> None:
        self._bids = bids

    def listing(self, path, **kwargs):
        if path.endswith("/bid_packages"):
            yield Page(records=iter(PACKAGES), next_url=None, total=3, served_at=None)
        else:
            yield from self._bids()


def run(procore, records, guard=lambda: None):
    progress = listing.no_checkpoints()
    return sync_project_listings(SimpleNamespace(records=records), procore, user_id="u", company_id=1,
                                 project_id=7, guard=guard, progress=progress, log={})


@pytest.mark.parametrize("error", [ProcoreForbiddenError("forbidden", status=403),
                                   ProcoreServerError("boom", status=500)], ids=["403", "500"])
def test_a_bids_listing_that_fails_leaves_the_bid_packages_written(error):
    records = Records()

    def bids():
        raise error
        yield  # pragma: no cover

    with pytest.raises(type(error)):
        run(Procore(bids), records)
    assert sorted(records.puts) == ["bid_package#7#1", "bid_package#7#2", "bid_package#7#3"]


def test_nothing_is_written_once_the_user_has_disconnected():
    records = Records()
    connection = {"status": "connected"}
    written_at_disconnect = []

    def bids():
        connection["status"] = "not_connected"  # the user disconnects while the bids are asked for
        written_at_disconnect.append(len(records.puts))
        yield Page(records=iter([{"id": 9, "bid_package_id": 1}]), next_url=None, total=1, served_at=None)

    def guard():
        if connection["status"] != "connected":
            raise JobCancelledError()

    with pytest.raises(JobCancelledError):
        run(Procore(bids), records, guard)
    assert records.puts[written_at_disconnect[0]:] == []
