"""GET /integrations/procore/callback: Procore sends the browser here after sign-in and Allow."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from procore_sync.connect import BROWSER_COOKIE, complete_callback
from procore_sync.http import make_resolver, responses
from procore_sync.observability import logger, tracer
from procore_sync.services import get_services

app = make_resolver()


def _browser_nonce() -> str | None:
    for cookie in app.current_event.cookies or []:
        name, _, value = cookie.strip().partition("=")
        if name == BROWSER_COOKIE:
            return value
    return None


@app.get("/integrations/procore/callback", responses=responses(302, ok="to the integrations page, `?procore=connected` or `?procore=error&reason=...`"))
def callback():
    services = get_services()
    params = {k: v for k, v in (app.current_event.query_string_parameters or {}).items()
              if k in ("code", "state", "error", "error_description")}
    outcome = complete_callback(services, params=params, browser_nonce=_browser_nonce())
    cookies = []
    if outcome.state_consumed:  # the flow is over: forget the browser binding
        cookies.append(Cookie(name=BROWSER_COOKIE, value="", path="/", http_only=True,
                              secure=services.settings.procore_redirect_uri.startswith("https://"),
                              same_site=SameSite.LAX_MODE, max_age=0))
    return Response(status_code=302, body="", cookies=cookies, headers={
        "Location": outcome.redirect_url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
    })


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
