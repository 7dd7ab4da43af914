"""The token lifecycle: one refresh in flight per connection, and no retry with a burned token."""

import threading
import time

import boto3
import pytest
from moto import mock_aws

from procore_sync import aws, clock
from procore_sync.crypto import TokenCipher
from procore_sync.errors import ReauthorizationRequiredError, TokenDecryptionError, TokenEncryptionError
from procore_sync.procore.errors import InvalidGrantError, ProcoreUnavailableError
from procore_sync.procore.oauth import TokenSet
from procore_sync.storage.connections import ConnectionRepository
from procore_sync import tokens as tokens_module
from procore_sync.tokens import ConnectionTokens, seal


@pytest.fixture
def env():
    with mock_aws():
        aws.reset_clients()
        boto3.client("dynamodb").create_table(
            TableName="connections", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        )
        key_arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
        yield ConnectionRepository("connections"), TokenCipher(key_arn)
        aws.reset_clients()


class FakeOAuth:
    """Counts refresh calls; rotates like Procore or fails as told."""

    def __init__(self, fail_with=None, delay=0.3):
        self.calls = 0
        self.fail_with = fail_with
        self.delay = delay
        self.lock = threading.Lock()

    def refresh(self, *, refresh_token, now):
        with self.lock:
            self.calls += 1
            n = self.calls
        time.sleep(self.delay)
        if self.fail_with:
            raise self.fail_with
        return TokenSet(access_token=f"access-{n}", refresh_token=f"refresh-{n}", expires_in=5400,
                        created_at=int(clock.now()))


def _connect(repo, cipher, user_id="u1", expires_in=60, lifetime=5400):
    """A connection whose access token (issued for `lifetime` seconds) expires in `expires_in`."""
    tokens = TokenSet(access_token="access-0", refresh_token="refresh-0", expires_in=lifetime,
                      created_at=int(clock.now()) - lifetime + expires_in)
    repo.save_connected({"user_id": user_id, "status": "connected", "companies": {},
                         "token_blob": seal(cipher, user_id, tokens), "token_expires_at": tokens.expires_at,
                         "token_version": 1}, replacing_version=None)


def _tokens(repo, cipher, oauth, user_id="u1"):
    return ConnectionTokens(user_id, connections=repo, cipher=cipher, oauth_factory=lambda: oauth,
                            margin_seconds=300, lease_seconds=30, poll_seconds=0.05)


def test_five_workers_on_an_expiring_token_make_exactly_one_refresh(env):
    # GIVEN a connection whose access token expires in a minute
    repo, cipher = env
    _connect(repo, cipher, expires_in=60)
    oauth = FakeOAuth()
    results, errors = [], []

    # WHEN five workers need a token at the same moment
    def work():
        try:
            results.append(_tokens(repo, cipher, oauth).current())
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(5)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    # THEN one refresh happened, every worker got the new token, the connection stays connected
    assert errors == []
    assert oauth.calls == 1
    assert results == ["access-1"] * 5
    item = repo.get("u1", with_tokens=True)
    assert item["status"] == "connected" and int(item["token_version"]) == 2
    assert "refresh_lease_owner" not in item


def test_a_fresh_token_is_used_without_refreshing(env):
    repo, cipher = env
    _connect(repo, cipher, expires_in=5400)
    oauth = FakeOAuth()
    assert _tokens(repo, cipher, oauth).current() == "access-0"
    assert oauth.calls == 0


def test_a_token_issued_for_less_than_the_margin_is_refreshed_at_half_its_life_not_at_once(env):
    # GIVEN Procore issues tokens for two minutes only (less than the 300 s margin)
    repo, cipher = env
    _connect(repo, cipher, expires_in=100, lifetime=120)
    oauth = FakeOAuth(delay=0)
    # THEN a token with more than half its life left is used as it is
    assert _tokens(repo, cipher, oauth).current() == "access-0"
    assert oauth.calls == 0
    # AND one past half its life is refreshed
    _connect(repo, cipher, user_id="u2", expires_in=50, lifetime=120)
    assert _tokens(repo, cipher, oauth, user_id="u2").current() == "access-1"
    assert oauth.calls == 1


def test_a_lost_refresh_answer_is_never_retried_and_needs_reauthorization(env):
    repo, cipher = env
    _connect(repo, cipher, expires_in=10)
    oauth = FakeOAuth(fail_with=ProcoreUnavailableError("connection reset"), delay=0)
    with pytest.raises(ReauthorizationRequiredError) as caught:
        _tokens(repo, cipher, oauth).current()
    assert caught.value.reason == "refresh_response_lost"
    # a second worker does not try again with the burned refresh token
    with pytest.raises(ReauthorizationRequiredError):
        _tokens(repo, cipher, oauth).current()
    assert oauth.calls == 1
    item = repo.get("u1", with_tokens=True)
    assert item["status"] == "reauthorization_required"
    assert item["reason"] == "refresh_response_lost"
    assert "token_blob" not in item


def test_invalid_grant_needs_reauthorization(env):
    repo, cipher = env
    _connect(repo, cipher, expires_in=10)
    oauth = FakeOAuth(fail_with=InvalidGrantError("invalid_grant", "revoked"), delay=0)
    with pytest.raises(ReauthorizationRequiredError) as caught:
        _tokens(repo, cipher, oauth).current()
    assert caught.value.reason == "refresh_token_rejected"
    assert repo.get("u1")["status"] == "reauthorization_required"


def test_after_rejection_uses_a_token_another_worker_already_refreshed(env):
    repo, cipher = env
    _connect(repo, cipher, expires_in=5400)
    oauth = FakeOAuth(delay=0)
    first = _tokens(repo, cipher, oauth)
    second = _tokens(repo, cipher, oauth)
    assert first.after_rejection("access-0") == "access-1"
    assert second.after_rejection("access-0") == "access-1"
    assert oauth.calls == 1


def test_a_token_copied_onto_another_users_row_does_not_decrypt(env):
    repo, cipher = env
    _connect(repo, cipher, user_id="alice")
    _connect(repo, cipher, user_id="mallory")
    alice = repo.get("alice", with_tokens=True)
    repo._table.update_item(Key={"user_id": "mallory"}, UpdateExpression="SET token_blob = :b",
                            ExpressionAttributeValues={":b": alice["token_blob"]})
    with pytest.raises(TokenDecryptionError):
        _tokens(repo, cipher, FakeOAuth(), user_id="mallory").current()


def test_the_stored_blob_holds_no_plaintext_token(env):
    repo, cipher = env
    _connect(repo, cipher)
    blob = bytes(repo.get("u1", with_tokens=True)["token_blob"].value)
    assert b"access-0" not in blob and b"refresh-0" not in blob


def test_a_new_pairs_life_is_counted_on_our_clock_not_procores():
    # GIVEN Procore's clock runs an hour behind ours
    now = clock.now()
    answer = {"access_token": "a", "refresh_token": "r", "expires_in": 5400, "created_at": int(now) - 3600,
              "token_type": "bearer"}
    # THEN the fresh token is good for its whole 5400 s from when the answer arrived
    assert TokenSet.from_response(answer, now=now).expires_at == int(now) + 5400


class ReconnectDuringRefresh(FakeOAuth):
    """While the refresh is at Procore, the user connects again (a new pair, version 2)."""

    def __init__(self, repo, cipher):
        super().__init__(delay=0)
        self.repo, self.cipher, self.revoked = repo, cipher, []

    def refresh(self, *, refresh_token, now):
        fresh = TokenSet(access_token="reconnected", refresh_token="r-new", expires_in=5400,
                         created_at=int(clock.now()))
        self.repo.save_connected({"user_id": "u1", "status": "connected", "companies": {},
                                  "token_blob": seal(self.cipher, "u1", fresh),
                                  "token_expires_at": fresh.expires_at, "token_version": 2},
                                 replacing_version=1)
        return super().refresh(refresh_token=refresh_token, now=now)

    def revoke(self, *, token):
        self.revoked.append(token)


def test_a_reconnect_during_a_refresh_is_not_undone(env):
    # GIVEN a token about to expire, and the user reconnecting while a worker refreshes it
    repo, cipher = env
    _connect(repo, cipher, expires_in=60)
    oauth = ReconnectDuringRefresh(repo, cipher)

    # WHEN the worker's refresh cannot be stored (the reconnect took its lease)
    token = _tokens(repo, cipher, oauth).current()

    # THEN the worker uses the reconnect's token, the connection stays connected, and the pair
    # the worker got but could not store is revoked at Procore
    assert token == "reconnected"
    item = repo.get("u1", with_tokens=True)
    assert item["status"] == "connected" and int(item["token_version"]) == 2
    assert oauth.revoked == ["access-1"]


class FlakyCipher:
    """A cipher whose next `failures` encryptions fail, as when KMS errors past botocore's retries."""

    def __init__(self, cipher, failures):
        self._cipher, self.failures = cipher, failures

    def encrypt(self, user_id, plaintext):
        if self.failures:
            self.failures -= 1
            raise TokenEncryptionError("token did not encrypt (KMSInternalException)")
        return self._cipher.encrypt(user_id, plaintext)

    def decrypt(self, user_id, ciphertext):
        return self._cipher.decrypt(user_id, ciphertext)


class RevokingOAuth(FakeOAuth):
    def __init__(self):
        super().__init__(delay=0)
        self.revoked = []

    def revoke(self, *, token):
        self.revoked.append(token)


def test_a_rotated_pair_is_encrypted_again_while_kms_fails_and_the_connection_keeps_it(env, monkeypatch):
    # GIVEN an expiring connection, and KMS failing the first two encryptions
    monkeypatch.setattr(tokens_module, "SEAL_RETRY_WAITS", (0.01, 0.01, 0.01))
    repo, cipher = env
    _connect(repo, cipher, expires_in=10)
    oauth = RevokingOAuth()
    flaky = FlakyCipher(cipher, failures=2)

    # WHEN a worker refreshes
    token = ConnectionTokens("u1", connections=repo, cipher=flaky, oauth_factory=lambda: oauth,
                             margin_seconds=300, lease_seconds=30, poll_seconds=0.05).current()

    # THEN the rotated pair is stored and used: one refresh, nothing revoked, still connected
    assert token == "access-1" and oauth.calls == 1 and oauth.revoked == []
    item = repo.get("u1", with_tokens=True)
    assert item["status"] == "connected"
    assert _tokens(repo, cipher, oauth).current() == "access-1"


def test_a_rotated_pair_kms_never_encrypts_is_revoked_and_the_connection_says_why(env, monkeypatch):
    # GIVEN an expiring connection, and KMS failing every encryption
    monkeypatch.setattr(tokens_module, "SEAL_RETRY_WAITS", (0.01, 0.01))
    repo, cipher = env
    _connect(repo, cipher, expires_in=10)
    oauth = RevokingOAuth()

    # WHEN a worker refreshes
    with pytest.raises(ReauthorizationRequiredError) as caught:
        ConnectionTokens("u1", connections=repo, cipher=FlakyCipher(cipher, failures=99),
                         oauth_factory=lambda: oauth, margin_seconds=300, lease_seconds=30,
                         poll_seconds=0.05).current()

    # THEN the pair nobody can keep is revoked, and the connection names the cause
    assert caught.value.reason == "token_encryption_failed"
    assert oauth.revoked == ["access-1"]
    item = repo.get("u1", with_tokens=True)
    assert item["status"] == "reauthorization_required" and item["reason"] == "token_encryption_failed"


def test_encrypting_a_rotated_pair_stops_trying_before_the_refresh_lease_runs_out(env, monkeypatch):
    # GIVEN KMS failing every encryption, each attempt taking long, and a 30 s refresh lease
    repo, cipher = env
    _connect(repo, cipher, expires_in=10)
    oauth = RevokingOAuth()
    clock_now = [0.0]
    monkeypatch.setattr(tokens_module.time, "monotonic", lambda: clock_now[0])
    monkeypatch.setattr(tokens_module.time, "sleep", lambda seconds: clock_now.__setitem__(0, clock_now[0] + seconds))

    class SlowFailingCipher(FlakyCipher):
        def encrypt(self, user_id, plaintext):
            clock_now[0] += 6  # an attempt that waits on KMS for six seconds
            return super().encrypt(user_id, plaintext)

    # WHEN a worker refreshes
    with pytest.raises(ReauthorizationRequiredError):
        ConnectionTokens("u1", connections=repo, cipher=SlowFailingCipher(cipher, failures=99),
                         oauth_factory=lambda: oauth, margin_seconds=300, lease_seconds=30,
                         poll_seconds=0.05).current()

    # THEN it tried no more once half the lease was gone, so it gave up (and revoked the pair)
    # while the lease still kept other workers from presenting the spent refresh token
    assert clock_now[0] < 30
    assert oauth.revoked == ["access-1"]


def test_a_job_reads_its_tokens_once_and_not_at_all_when_primed_with_the_connection(env, monkeypatch):
    # GIVEN a connection with a fresh token, and a count of reads of the connection item
    repo, cipher = env
    _connect(repo, cipher, expires_in=5400)
    reads = []
    real_get = repo.get
    monkeypatch.setattr(repo, "get", lambda *a, **k: reads.append(1) or real_get(*a, **k))
    # WHEN one job's client asks for a token before each of five calls
    tokens = _tokens(repo, cipher, FakeOAuth())
    assert [tokens.current() for _ in range(5)] == ["access-0"] * 5
    # THEN the connection was read once
    assert len(reads) == 1
    # AND a client started from the item its job has just read reads nothing
    primed = _tokens(repo, cipher, FakeOAuth())
    primed.prime(real_get("u1", with_tokens=True))
    assert primed.current() == "access-0"
    assert len(reads) == 1


def test_a_remembered_token_near_expiry_is_looked_up_and_refreshed(env, monkeypatch):
    # GIVEN a job that has used a token
    repo, cipher = env
    _connect(repo, cipher, expires_in=5400)
    oauth = FakeOAuth(delay=0)
    tokens = _tokens(repo, cipher, oauth)
    assert tokens.current() == "access-0"
    # WHEN the job runs on until the token is within the refresh margin of its expiry
    later = clock.now() + 5400 - 60
    monkeypatch.setattr(clock, "now", lambda: later)
    # THEN the next call refreshes rather than using the token it remembers
    assert tokens.current() == "access-1"
    assert oauth.calls == 1


def test_a_warm_container_asks_kms_once_per_stored_pair_and_every_pair_gets_its_own_data_key(env, monkeypatch):
    # GIVEN a count of the KMS requests the token cipher makes
    import botocore.client

    _, cipher = env
    kms_calls = []
    real_call = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        if self.meta.service_model.service_name == "kms":
            kms_calls.append(operation)
        return real_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    # WHEN two pairs are encrypted, and each stored pair is decrypted three times (three jobs)
    blobs = [cipher.encrypt("u1", b"pair-1"), cipher.encrypt("u1", b"pair-2")]
    plaintexts = [cipher.decrypt("u1", blob) for blob in blobs for _ in range(3)]
    # THEN each pair had a data key of its own, and KMS unwrapped each once
    assert plaintexts == [b"pair-1"] * 3 + [b"pair-2"] * 3
    assert kms_calls.count("GenerateDataKey") == 2
    assert kms_calls.count("Decrypt") == 2
    # AND a cached key still does not open a pair copied onto another user's row
    with pytest.raises(TokenDecryptionError):
        cipher.decrypt("u2", blobs[0])
