"""POST /integrations/procore/webhooks: Procore's webhook deliveries. No Palcode.ai identity:
the hook's own Authorization value is checked instead. It only queues; it answers at once."""

import os
from functools import lru_cache

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from procore_sync import aws, webhook_events
from procore_sync.http import json_body, make_resolver, responses
from procore_sync.observability import logger, tracer
from procore_sync.services import get_services

app = make_resolver()
# Procore delivers at least once and duplicates; an event id is acted on once a day at most.
config = IdempotencyConfig(event_key_jmespath="[connection, event_id]", expires_after_seconds=86400)


def _accept(delivery: dict) -> dict:
    caller = webhook_events.webhooks.HookCaller(**delivery["caller"])
    event = webhook_events.ProcoreEvent.model_validate(delivery["event"])
    return webhook_events.accept(get_services(), caller, event)


@lru_cache(maxsize=1)
def accept_once():
    """`_accept`, once per (connection, event id), its record in the idempotency table."""
    persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"],
                                           boto3_client=aws.client("dynamodb"))
    return idempotent_function(data_keyword_argument="delivery", persistence_store=persistence, config=config)(_accept)


@app.post("/integrations/procore/webhooks",
          responses=responses(200, 400, 401, ok="accepted (or a duplicate, ignored): `{accepted}`"))
def receive() -> dict:
    caller = webhook_events.authenticate(get_services(), app.current_event.headers.get("authorization"))
    event = webhook_events.read_event(caller, json_body(app))
    config.register_lambda_context(app.lambda_context)
    return accept_once()(delivery={
        "connection": f"{caller.user_id}:{caller.company_id}", "event_id": str(event.id),
        "caller": {"user_id": caller.user_id, "company_id": caller.company_id, "secret": ""},
        "event": event.model_dump(),
    })


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
