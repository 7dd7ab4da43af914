"""The Powertools logger, metrics and tracer shared by every function.

The tracer is built when a function first imports it: it loads the X-Ray SDK, some 100 ms of a
cold start, which the read routes do without (Lambda's active tracing still records their
invocations; they have no subsegments of their own).
"""

import logging
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
metrics = Metrics()


def __getattr__(name: str) -> Any:
    if name == "tracer":
        from aws_lambda_powertools import Tracer

        globals()["tracer"] = Tracer()
        return globals()["tracer"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# botocore and boto3 write whole request and response bodies at DEBUG: the client secret read
# from SSM, the PKCE verifier in an OAuth state item. Whatever level the function's log
# configuration sets (Lambda's own, or POWERTOOLS_LOG_LEVEL), they stay at INFO or above.
for _name in ("botocore", "boto3"):
    _wire = logging.getLogger(_name)
    _wire.setLevel(max(_wire.level, logging.INFO))

# The Encryption SDK writes a line at INFO for every encrypt and decrypt; only its warnings matter.
_sdk = logging.getLogger("aws_encryption_sdk")
_sdk.setLevel(max(_sdk.level, logging.WARNING))


def count(name: str, value: float = 1, *, unit: MetricUnit = MetricUnit.Count) -> None:
    """One metric point, flushed with the invocation's metrics (`@metrics.log_metrics`)."""
    metrics.add_metric(name=name, unit=unit, value=value)


def count_by(name: str, dimension: str, key: str, value: float) -> None:
    """One metric point with its own dimension (e.g. records written per entity), written now."""
    with single_metric(name=name, unit=MetricUnit.Count, value=value) as metric:
        metric.add_dimension(name=dimension, value=key)
