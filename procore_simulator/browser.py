"""A scripted browser that walks the simulator's sign-in and consent pages with requests.

Tests and the local stack use it to play the user: start from an authorize URL (the one
the app under test redirects to), sign in, press Allow or Deny, and stop at the redirect
back to the app without following it.

Example::

    result = walk(authorize_url, login="demo@palcode.test", password="procore")
    result.code, result.state
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests


class BrowserError(RuntimeError):
    """The pages did not look as expected (for example a rejected password)."""


@dataclass
class Form:
    """One HTML form: where it posts and its named inputs."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self.error: str | None = None
        self._current: Form | None = None
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(values.get("action", ""), values.get("method", "get").lower())
            self.forms[values.get("id", f"form-{len(self.forms)}")] = self._current
        elif tag == "input" and self._current is not None and values.get("name"):
            self._current.fields[values["name"]] = values.get("value", "")
        elif values.get("id") == "error":
            self._in_error = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error = (self.error or "") + data


def parse_forms(html: str) -> tuple[dict[str, Form], str | None]:
    """Return the page's forms by id and the text of its error message, if any."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms, parser.error


@dataclass
class AuthorizationResult:
    """Where the login host sent the browser back to, and what it carried."""

    redirect_url: str
    code: str | None
    state: str | None
    error: str | None
    error_description: str | None


def authorize_url(
    base_url: str,
    client_id: str,
    redirect_uri: str,
    state: str | None = None,
    code_challenge: str | None = None,
    code_challenge_method: str | None = None,
) -> str:
    """Build an ``/oauth/authorize`` URL on the simulator."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    optional = {
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": code_challenge_method,
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    return f"{base_url}/oauth/authorize?{urlencode(params)}"


def walk(
    start_url: str,
    login: str,
    password: str,
    decision: str = "allow",
    session: requests.Session | None = None,
    timeout: float = 10.0,
) -> AuthorizationResult:
    """Open ``start_url``, sign in if asked, answer the consent page, return the redirect.

    Raises ``BrowserError`` when the sign-in is rejected or a page is not recognised.
    """
    browser = session if session is not None else requests.Session()
    response = browser.get(start_url, allow_redirects=False, timeout=timeout)
    for _ in range(6):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if urlsplit(location).path == "/oauth/authorize/native":
                return _result(location)

            if _is_login_host(location, start_url):
                response = browser.get(location, allow_redirects=False, timeout=timeout)
                continue

            return _result(location)

        forms, error = parse_forms(response.text)
        if "sign-in" in forms:
            if error:
                raise BrowserError(f"sign-in rejected: {error.strip()}")

            form = forms["sign-in"]
            data = {**form.fields, "login": login, "password": password}
            response = browser.post(
                urljoin(response.url, form.action),
                data=data,
                allow_redirects=False,
                timeout=timeout,
            )
            continue

        if "consent" in forms:
            form = forms["consent"]
            data = {**form.fields, "decision": decision}
            response = browser.post(
                urljoin(response.url, form.action),
                data=data,
                allow_redirects=False,
                timeout=timeout,
            )
            continue

        raise BrowserError(f"unexpected page (HTTP {response.status_code}): {error or ''}")

    raise BrowserError("too many steps in the authorization flow")


def _is_login_host(location: str, start_url: str) -> bool:
    target, start = urlsplit(location), urlsplit(start_url)
    return (target.scheme, target.netloc) == (start.scheme, start.netloc) and (
        target.path.startswith("/oauth/authorize")
    )


def _result(location: str) -> AuthorizationResult:
    query = parse_qs(urlsplit(location).query)

    def first(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    return AuthorizationResult(
        redirect_url=location,
        code=first("code"),
        state=first("state"),
        error=first("error"),
        error_description=first("error_description"),
    )
