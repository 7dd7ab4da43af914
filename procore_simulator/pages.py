"""HTML for the browser side of the authorization flow: sign-in, consent, errors, OOB code.

The markup is deliberately plain so scripts can walk it with ``html.parser``: the forms have
fixed ids (``sign-in``, ``consent``) and the request travels in a hidden ``request_id``.
"""

from __future__ import annotations

from html import escape

APP_NAME = "Palcode.ai"
PERMISSIONS = (
    "See your name and e-mail address",
    "Read the companies you belong to",
    "Read projects you have access to",
    "Read bid packages and bids",
    "Read the company directory (vendors)",
)

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; background: #f3f4f6; margin: 0; }
header { background: #1c1c1c; color: #fff; padding: 14px 24px; font-weight: bold; }
header span { color: #f47e42; }
main { max-width: 420px; margin: 48px auto; background: #fff; padding: 28px 32px;
       border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 22px; margin-top: 0; }
label { display: block; margin: 14px 0 4px; font-size: 14px; }
input[type=email], input[type=password], input[type=text] { width: 100%; padding: 8px;
       box-sizing: border-box; border: 1px solid #bbb; border-radius: 4px; }
button { margin-top: 18px; padding: 9px 18px; border: 0; border-radius: 4px; cursor: pointer;
         font-size: 15px; }
button.primary { background: #f47e42; color: #fff; }
button.secondary { background: #e5e7eb; color: #111; margin-left: 8px; }
.error { background: #fde8e8; color: #9b1c1c; padding: 8px 10px; border-radius: 4px; }
.muted { color: #6b7280; font-size: 13px; }
code { font-size: 16px; word-break: break-all; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | Procore (simulator)</title><style>{_STYLE}</style></head>"
        "<body><header><span>Procore</span> &middot; local simulator</header>"
        f"<main>{body}</main></body></html>"
    )


def sign_in(request_id: str, error: str | None = None, login: str = "") -> str:
    alert = f'<p class="error" id="error">{escape(error)}</p>' if error else ""
    return _page(
        "Sign in",
        f"<h1>Sign in to Procore</h1>{alert}"
        f'<p class="muted">{escape(APP_NAME)} wants to connect to your Procore account.</p>'
        '<form id="sign-in" method="post" action="/oauth/authorize/sign-in">'
        f'<input type="hidden" name="request_id" value="{escape(request_id)}">'
        '<label for="login">Email</label>'
        f'<input type="email" id="login" name="login" value="{escape(login)}" '
        'autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" '
        'autocomplete="current-password" required>'
        '<button type="submit" class="primary">Sign In</button>'
        "</form>",
    )


def consent(request_id: str, user_name: str, user_login: str) -> str:
    items = "".join(f"<li>{escape(item)}</li>" for item in PERMISSIONS)
    return _page(
        "Authorize application",
        f"<h1>Authorize {escape(APP_NAME)}?</h1>"
        f"<p><strong>{escape(APP_NAME)}</strong> is asking for access to your Procore account."
        f" It will be able to:</p><ul>{items}</ul>"
        f'<p class="muted">Signed in as {escape(user_name)} ({escape(user_login)}). '
        f'<a href="/oauth/authorize/sign-out?request_id={escape(request_id)}">'
        "Not you?</a></p>"
        '<form id="consent" method="post" action="/oauth/authorize/decision">'
        f'<input type="hidden" name="request_id" value="{escape(request_id)}">'
        '<button type="submit" name="decision" value="allow" class="primary">Allow</button>'
        '<button type="submit" name="decision" value="deny" class="secondary">Deny</button>'
        "</form>",
    )


def error(title: str, message: str) -> str:
    return _page(
        title,
        f'<h1>{escape(title)}</h1><p class="error" id="error">{escape(message)}</p>',
    )


def oob_code(code: str) -> str:
    return _page(
        "Authorization code",
        "<h1>Authorization code</h1><p>Copy this code into the application:</p>"
        f'<p><code id="code">{escape(code)}</code></p>',
    )
