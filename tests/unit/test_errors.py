"""What a job's status says about an error from outside Procore: readable, and free of data."""

from botocore.exceptions import ClientError

from procore_sync.errors import TokenDecryptionError, describe


def test_an_aws_error_is_described_by_its_code_and_operation_not_its_message():
    error = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                   "Message": "item {'token_blob': 'secret-value'} was throttled"}}, "PutItem")
    assert describe(error) == "aws_error: ProvisionedThroughputExceededException from PutItem"


def test_our_own_errors_keep_their_reason_and_message():
    assert describe(TokenDecryptionError("token did not decrypt (KMSInternalException)")) == (
        "token_decryption_failed: token did not decrypt (KMSInternalException)")


def test_anything_else_is_named_by_its_type_only():
    assert describe(KeyError("access_token=abc")) == "internal_error: KeyError"
