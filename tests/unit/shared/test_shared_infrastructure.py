"""Pure parts of shared/: config, envelopes, tokens, the HTTP error envelope."""
import json
import time

import pytest
from marshmallow import Schema, ValidationError, fields
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.auth import Identity, TokenSigner, hash_password, verify_password
from shared.config import ConfigError, check_no_secret_defaults, load_config
from shared.errors import Conflict, NotAuthenticated, RuleViolation, ValidationFailed
from shared.events import EventType, make_event, validate_envelope
from shared.http import JsonHttpEntrypoint, context_data_from_request, parse_json
from shared.outbox import retry_delay


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_config_placeholders_defaults_and_types(tmp_path):
    text = "A: ${A_URI:amqp://x/}\nPORT: ${PORT:8000}\nDB: ${P:qh_}accounts\nAUTH_SECRET: ${AUTH_SECRET}\n"
    path = write(tmp_path, text)
    config = load_config(path, env={"AUTH_SECRET": "s3", "P": "t1_"})
    assert config == {"A": "amqp://x/", "PORT": 8000, "DB": "t1_accounts", "AUTH_SECRET": "s3"}
    assert load_config(path, env={"AUTH_SECRET": "s", "PORT": "9001"})["PORT"] == 9001


def test_a_required_variable_must_be_set(tmp_path):
    path = write(tmp_path, "AUTH_SECRET: ${AUTH_SECRET}\n")
    with pytest.raises(ConfigError, match="AUTH_SECRET"):
        load_config(path, env={})


@pytest.mark.parametrize("line", ["AUTH_SECRET: hunter2", "AUTH_SECRET: ${AUTH_SECRET:default}"])
def test_secrets_never_have_a_value_in_the_file(line):
    with pytest.raises(ConfigError, match="environment"):
        check_no_secret_defaults(line)


def test_every_service_config_keeps_secrets_in_the_environment():
    import glob

    for path in glob.glob("services/*/config.yaml"):
        check_no_secret_defaults(open(path, encoding="utf-8").read())


class Payload(Schema):
    n = fields.Integer(required=True)


THING = EventType("thing_happened", 2, Payload())


def test_make_event_builds_a_valid_envelope():
    envelope = make_event(THING, "things", {"n": "5"}, correlation_id="c-1")
    assert envelope["payload"] == {"n": 5}
    assert envelope["version"] == 2 and envelope["producer"] == "things"
    assert envelope["correlation_id"] == "c-1"
    assert envelope["occurred_at"].endswith("+00:00")
    validate_envelope(envelope)


def test_make_event_refuses_a_bad_payload_and_bad_names():
    with pytest.raises(ValidationError):
        make_event(THING, "things", {"n": "many"})
    with pytest.raises(ValidationError):
        make_event(EventType("ThingHappened", 1, Payload()), "things", {"n": 1})


def test_envelope_schema_rejects_missing_fields():
    envelope = make_event(THING, "things", {"n": 1})
    del envelope["event_id"]
    with pytest.raises(ValidationError) as raised:
        validate_envelope(envelope)
    assert "event_id" in raised.value.messages


def test_passwords_hash_with_argon2_and_verify():
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password("not-a-hash", "x")


def test_tokens_round_trip_and_refuse_tampering_and_expiry():
    signer = TokenSigner("secret-a", ttl_seconds=60)
    identity = Identity(user_id="u1", role="enterprise", enterprise_id="e1")
    assert signer.verify(signer.issue(identity)) == identity
    with pytest.raises(NotAuthenticated):
        TokenSigner("secret-b").verify(signer.issue(identity))
    with pytest.raises(NotAuthenticated):
        signer.verify(signer.issue(identity)[:-2] + "xx")
    short = TokenSigner("secret-a", ttl_seconds=-1)
    token = short.issue(identity)
    time.sleep(0.01)
    with pytest.raises(NotAuthenticated, match="expired"):
        short.verify(token)


def make_request(body=b"", headers=None):
    return Request(EnvironBuilder(method="POST", data=body, headers=headers or {}).get_environ())


def test_parse_json_refuses_malformed_and_non_objects():
    assert parse_json(make_request(b'{"a": 1}')) == {"a": 1}
    for raw in (b"{oops", b"[1]", b""):
        with pytest.raises(ValidationFailed):
            parse_json(make_request(raw))


def test_context_data_carries_token_and_sanitised_request_id():
    request = make_request(headers={"Authorization": "Bearer abc.def", "X-Request-ID": "r-1 <x>;"})
    data = context_data_from_request(request)
    assert data == {"correlation_id": "r-1x", "auth_token": "abc.def"}
    assert "auth_token" not in context_data_from_request(make_request(headers={"Authorization": "Basic zz"}))


@pytest.mark.parametrize("error,status,code", [
    (ValidationFailed("bad", {"name": ["required"]}), 400, "validation_error"),
    (NotAuthenticated("who?"), 401, "not_authenticated"),
    (Conflict("dup", {"uscc": ["taken"]}), 409, "conflict"),
    (RuleViolation("closed"), 422, "rule_violation"),
    (RuntimeError("secret internals"), 500, "internal_error"),
])
def test_errors_map_to_one_envelope(error, status, code):
    entrypoint = JsonHttpEntrypoint("GET", "/x")
    entrypoint.method_name = "x"
    response = entrypoint.response_from_exception(error)
    body = json.loads(response.get_data())
    assert response.status_code == status
    assert body["error"] == code and set(body) == {"error", "message", "fields"}
    assert "secret internals" not in body["message"]
    if status in (400, 409):
        assert body["fields"]


def test_outbox_backoff_grows_and_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert retry_delay(50) == 60.0
