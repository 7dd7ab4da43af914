"""The product's local stack: moto as AWS, a gateway, SQS pollers and a schedule timer.

Everything is derived from template.yaml; see `local_stack.stack.LocalStack`.
"""

from local_stack.stack import LocalStack

__all__ = ["LocalStack"]
