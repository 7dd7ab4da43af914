"""POST /integrations/procore/connect: start the OAuth flow for the signed-in user."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from procore_sync.connect import BROWSER_COOKIE, start_connect
from procore_sync.http import BadRequest, caller_user_id, json_body, make_resolver, responses
from procore_sync.observability import logger, tracer
from procore_sync.services import get_services

app = make_resolver()


@app.post("/integrations/procore/connect", responses=responses(200, 400, 401, ok="`{authorize_url}` and the browser-binding cookie"))
def connect():
    services = get_services()
    return_to = json_body(app).get("return_to")
    if return_to is not None and not isinstance(return_to, str):
        raise BadRequest("return_to", "must be the URL of an allowed page")
    started = start_connect(services, user_id=caller_user_id(app), return_to=return_to or None)
    secure = services.settings.procore_redirect_uri.startswith("https://")
    cookie = Cookie(name=BROWSER_COOKIE, value=started.browser_nonce, path="/", secure=secure,
                    http_only=True, same_site=SameSite.LAX_MODE, max_age=started.max_age)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                    body={"authorize_url": started.authorize_url}, cookies=[cookie],
                    headers={"Cache-Control": "no-store"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
