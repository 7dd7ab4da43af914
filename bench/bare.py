"""The CPU bound: a bare loop that does only what a full sync cannot avoid.

It fetches the same pages as the sync (same endpoints, same page sizes, following
`Link: rel="next"`), parses them as the sync must for DynamoDB (numbers as Decimal), and
batch-writes the same items, 25 to a request, under partitions of its own. It validates
nothing, hashes nothing and keeps no state: no checkpoints, leases, job records, watermarks,
fingerprints of stored records or fan-out. Its CPU time, read off this thread's clock in the
same run, is what the sync's is compared with.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

import requests

PROJECTS_PER_PAGE = 300
PER_PAGE = 1000


def _pages(session: requests.Session, api_url: str, token: str, path: str, company_id: int,
           params: dict[str, Any] | None, per_page: int) -> Iterator[list[dict[str, Any]]]:
    url: str | None = f"{api_url}{path}"
    query: dict[str, Any] | None = {**(params or {}), "per_page": per_page, "page": 1}
    headers = {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(company_id),
               "Accept": "application/json"}
    while url:
        response = session.get(url, headers=headers, params=query, timeout=60)
        response.raise_for_status()
        yield json.loads(response.text, parse_float=Decimal)
        url = response.links.get("next", {}).get("url")
        url = urljoin(api_url + "/", url) if url else None
        query = None


def bare_sync(*, api_url: str, token: str, company_ids: list[int], table: Any, pk_prefix: str) -> dict[str, Any]:
    """Fetch and write every record of the companies; returns the records written, the
    calls made and this thread's CPU seconds."""
    session = requests.Session()
    now = datetime.now(UTC).isoformat()
    written = calls = 0
    began = time.thread_time()
    with table.batch_writer() as batch:
        def put(pk: str, sk: str, entity: str, record: dict[str, Any], **extra: Any) -> None:
            batch.put_item(Item={"pk": pk, "sk": sk, "entity": entity, "procore_id": record["id"],
                                 "record": record, "synced_at": now, **extra})

        for company in company_ids:
            pk = f"{pk_prefix}#company#{company}"

            def pages(path: str, params: dict[str, Any] | None, per_page: int = PER_PAGE,
                      _company: int = company) -> Iterator[list[dict[str, Any]]]:
                nonlocal calls
                for page in _pages(session, api_url, token, path, _company, params, per_page):
                    calls += 1
                    yield page

            project_ids = []
            for page in pages("/rest/v1.1/projects", {"company_id": company, "filters[by_status]": "All"},
                              PROJECTS_PER_PAGE):
                for project in page:
                    put(pk, f"project#{project['id']}", "project", project, project_id=project["id"])
                    project_ids.append(project["id"])
                    written += 1
            for path, params in (("/rest/v1.0/vendors", {"company_id": company}),
                                 (f"/rest/v1.0/companies/{company}/vendors/inactive", None)):
                for page in pages(path, params):
                    for vendor in page:
                        put(pk, f"vendor#{vendor['id']}", "vendor", vendor)
                        written += 1
            for project in project_ids:
                for page in pages(f"/rest/v1.1/projects/{project}/bid_packages", {"view": "all"}):
                    for package in page:
                        put(pk, f"bid_package#{project}#{package['id']}", "bid_package", package,
                            project_id=project, bid_package_id=package["id"])
                        written += 1
                for page in pages(f"/rest/v1.0/projects/{project}/bids", None):
                    for bid in page:
                        put(pk, f"bid#{project}#{bid['bid_package_id']}#{bid['id']}", "bid", bid,
                            project_id=project, bid_package_id=bid["bid_package_id"])
                        written += 1
    return {"records": written, "calls": calls, "cpu_seconds": time.thread_time() - began}
