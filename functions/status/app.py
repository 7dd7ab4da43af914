"""GET /integrations/procore/status: the caller's connection, companies and last sync."""

from aws_lambda_powertools.logging import correlation_paths

from procore_sync.http import caller_user_id, make_resolver, responses
from procore_sync.observability import logger, tracer
from procore_sync.services import get_services
from procore_sync.status import connection_status

app = make_resolver()


@app.get("/integrations/procore/status", responses=responses(200, 401, ok="the connection, its companies and last sync"))
def status() -> dict:
    return connection_status(get_services(), caller_user_id(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
