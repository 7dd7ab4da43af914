"""Randomized fault injection over the local stack.

A *schedule* (`schedule.py`) is a replayable list of steps: changes made in Procore (records
created, updated, deleted, projects made inactive, bid packages closed, vendors deactivated,
the app uninstalled and reinstalled, a user revoking and reconnecting), faults switched on
(Procore's 429s, 5xx, slow answers, timeouts, reset connections, a lost refresh answer; a
worker killed mid-job; duplicate and out-of-order SQS deliveries; DynamoDB throttling and
unprocessed batch items; KMS errors), and syncs run under them. `harness.py` plays a schedule on
the local stack, stops the faults, lets the syncs settle and asks `invariants.py` what broke.

Faults are injected from the outside only: the simulator's knobs, botocore event hooks on the
product's own AWS clients, and wrappers around a few of the product's methods. Nothing in the
product knows it is being tested.
"""
