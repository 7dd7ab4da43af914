"""Walks the connect flow as a browser would: connect → Procore sign-in → Allow → callback.

Used by the demo and the end-to-end tests; it only follows links and submits the forms that
the pages show, so it exercises the same redirects a person's browser does.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, object]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._current = a.get("id") or f"form{len(self.forms)}"
            self.forms[self._current] = {"action": a.get("action") or "", "fields": {}}
        elif tag == "input" and self._current and a.get("type") == "hidden" and a.get("name"):
            self.forms[self._current]["fields"][a["name"]] = a.get("value") or ""  # type: ignore[index]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _form(html: str, form_id: str) -> tuple[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    if form_id not in parser.forms:
        raise RuntimeError(f"the page has no form {form_id!r}")
    form = parser.forms[form_id]
    return str(form["action"]), dict(form["fields"])  # type: ignore[arg-type]


@dataclass
class ConnectResult:
    landing_url: str
    outcome: str | None
    reason: str | None


def authorize(
    api_url: str, user_jwt: str, *, login: str, password: str, decision: str = "allow",
    session: requests.Session | None = None, return_to: str | None = None,
) -> tuple[requests.Session, str]:
    """Start the connect flow and answer Procore's pages; return the browser and the callback URL."""
    browser = session or requests.Session()
    body = {"return_to": return_to} if return_to else {}
    started = browser.post(f"{api_url}/integrations/procore/connect",
                           headers={"Authorization": f"Bearer {user_jwt}"}, json=body, timeout=30)
    started.raise_for_status()
    authorize_url = started.json()["authorize_url"]

    page = browser.get(authorize_url, timeout=30)
    page.raise_for_status()
    if 'id="sign-in"' in page.text:
        action, fields = _form(page.text, "sign-in")
        page = browser.post(urljoin(page.url, action), data={**fields, "login": login, "password": password},
                            timeout=30)
        page.raise_for_status()
    if 'id="consent"' in page.text:
        action, fields = _form(page.text, "consent")
        answer = browser.post(urljoin(page.url, action), data={**fields, "decision": decision},
                              allow_redirects=False, timeout=30)
    else:  # consent remembered: Procore redirects straight away
        answer = page.history[-1] if page.history else page
    return browser, answer.headers["Location"]


def follow_callback(browser: requests.Session, callback_url: str) -> ConnectResult:
    """Open the callback URL in `browser` and read where it sends the browser."""
    landed = browser.get(callback_url, allow_redirects=False, timeout=60)
    if landed.status_code != 302:
        raise RuntimeError(f"callback answered {landed.status_code}, expected a redirect")
    landing = landed.headers["Location"]
    query = parse_qs(urlsplit(landing).query)
    return ConnectResult(landing, (query.get("procore") or [None])[0], (query.get("reason") or [None])[0])


def connect(
    api_url: str, user_jwt: str, *, login: str, password: str, decision: str = "allow",
    session: requests.Session | None = None,
) -> ConnectResult:
    browser, callback_url = authorize(api_url, user_jwt, login=login, password=password, decision=decision,
                                      session=session)
    return follow_callback(browser, callback_url)
