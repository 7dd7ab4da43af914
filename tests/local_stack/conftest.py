"""Fixtures for the local stack's tests: a stack over the tiny fixture template."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stack_fixtures import FIXTURES, fake_module

from local_stack import LocalStack


@pytest.fixture(scope="module")
def fixture_stack() -> Iterator[LocalStack]:
    stack = LocalStack(
        api_port=0,
        template_path=FIXTURES / "template.yaml",
        root=FIXTURES,
        static_dirs={"/app/": FIXTURES / "static"},
        sync_interval=0,
        visibility_timeout=1,
    )
    stack.start()
    assert stack.runtime is not None
    for logical_id in stack.runtime.functions:
        stack.runtime.handler(logical_id)  # import now, so tests can read what handlers record
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack(fixture_stack: LocalStack) -> Iterator[LocalStack]:
    """The module's stack, with empty queues and tables and fresh handler records."""
    fixture_stack.wait_until_idle(timeout=30)
    fixture_stack.reset()
    records = {"echo": ("CALLS",), "worker": ("EVENTS", "SEEN"), "tick": ("EVENTS", "JOBS")}
    for name, lists in records.items():
        module = fake_module(name)
        for attribute in lists:
            getattr(module, attribute).clear()
    yield fixture_stack
