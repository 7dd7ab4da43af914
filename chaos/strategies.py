"""Hypothesis strategies for schedules.

A schedule is a few *segments*; each switches some faults on, makes some changes in Procore,
runs a sync under them, and sometimes calms everything down before the next. Hypothesis shrinks
a failing schedule by dropping segments, steps and faults and by making numbers smaller, so
what it prints is close to the least that still fails.

The fault intensities stay inside what the product promises to absorb (a job gets five SQS
deliveries; botocore retries DynamoDB and KMS a few times): a schedule that breaks an invariant
here is a bug, not bad luck. `wide=True` draws fault intensities past those promises too (KMS
failing for longer than a refresh waits for it), for tests of the schedule format only.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .schedule import ENTITIES, Schedule

PICKS = st.integers(min_value=0, max_value=40)

CHANGES = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(ENTITIES), PICKS),
    st.tuples(st.just("update"), st.sampled_from(ENTITIES), PICKS),
    st.tuples(st.just("delete"), st.sampled_from(ENTITIES), PICKS),
    st.tuples(st.just("deactivate"), st.sampled_from(("projects", "bid_packages", "vendors")), PICKS),
    st.tuples(st.just("uninstall"), st.integers(0, 1)),
    st.tuples(st.just("reinstall"), st.integers(0, 1)),
    st.tuples(st.just("unshare"), PICKS),
    st.tuples(st.just("revoke"), st.sampled_from(("dana", "pat"))),
    st.tuples(st.just("reconnect"), st.sampled_from(("dana", "dee", "pat"))),
)

PROCORE_KNOBS = st.one_of(
    st.fixed_dictionaries({"rate_429": st.sampled_from([0.05, 0.15]), "retry_after_on_429": st.booleans()}),
    st.fixed_dictionaries({"error_rate_5xx": st.sampled_from([0.1, 0.25]),
                           "fault_5xx_status": st.sampled_from([0, 500, 503])}),
    st.fixed_dictionaries({"latency_ms": st.sampled_from([30, 120])}),
    st.fixed_dictionaries({"timeout_rate": st.sampled_from([0.05, 0.1])}),
    st.fixed_dictionaries({"reset_rate": st.sampled_from([0.05, 0.15])}),
    st.fixed_dictionaries({"churn_inserts_per_page": st.integers(0, 1), "churn_updates_per_page": st.integers(0, 1),
                           "churn_deletes_per_page": st.integers(0, 1), "churn_budget": st.integers(1, 6)}),
)


def faults(*, wide: bool = False) -> st.SearchStrategy:
    kms_failures = st.integers(1, 30) if wide else st.integers(1, 6)
    kms_operations = st.sampled_from(("Decrypt", "GenerateDataKey"))
    return st.one_of(
        st.tuples(st.just("procore"), PROCORE_KNOBS),
        st.tuples(st.just("refresh"), st.booleans()),
        st.tuples(st.just("kill"), st.integers(1, 60)),
        st.tuples(st.just("kill"), st.integers(1, 8), st.just("checkpoint")),
        st.tuples(st.just("race"), st.integers(2, 6)),
        st.tuples(st.just("sqs"), st.sampled_from([0.3, 0.7]), st.integers(0, 3)),
        st.tuples(st.just("replay"), st.integers(1, 5)),
        st.tuples(st.just("dynamodb"), st.sampled_from([0.0, 0.05, 0.15]), st.sampled_from([0.0, 0.3, 0.6])),
        st.tuples(st.just("kms"), kms_failures, kms_operations),
        st.tuples(st.just("webhooks"), st.booleans()),
    )


@st.composite
def schedules(draw, *, max_segments: int = 2, max_faults: int = 2, max_changes: int = 3,
              wide: bool = False, casts=(("dana", "pat"), ("dana", "dee", "pat"))):
    steps: list[tuple] = []
    for _ in range(draw(st.integers(1, max_segments))):
        steps += draw(st.lists(faults(wide=wide), max_size=max_faults))
        steps += draw(st.lists(CHANGES, max_size=max_changes))
        steps.append(("sync",))
        if draw(st.booleans()):
            steps.append(("calm",))
    return Schedule(seed=draw(st.integers(0, 2**16)), steps=tuple(steps), cast=draw(st.sampled_from(casts)),
                    spike_limit=draw(st.sampled_from((10, 25, 25))))
