"""The one event envelope every service publishes, and its schema.

A producer owns its payload schemas in its own ``events.py`` and builds
envelopes only through ``make_event``, which validates the payload first: a
malformed fact never reaches the outbox.
"""
import uuid
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate

from shared.logging import current_correlation_id, new_correlation_id

EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$"


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.Regexp(EVENT_TYPE_PATTERN))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    producer = fields.String(required=True, validate=validate.Length(min=1))
    correlation_id = fields.String(required=True, validate=validate.Length(min=1))
    payload = fields.Dict(required=True)


_envelope_schema = EnvelopeSchema()


class EventType:
    """A named, versioned fact with the schema of its payload."""

    def __init__(self, name, version, payload_schema):
        self.name = name
        self.version = version
        self.payload_schema = payload_schema

    def __repr__(self):
        return f"EventType({self.name!r}, v{self.version})"


def make_event(event_type, producer, payload, correlation_id=None):
    """Build and validate an envelope (a plain, JSON-ready dict)."""
    body = event_type.payload_schema.dump(event_type.payload_schema.load(payload))
    envelope = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type.name,
        "version": event_type.version,
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": producer,
        "correlation_id": correlation_id or current_correlation_id() or new_correlation_id(),
        "payload": body,
    }
    validate_envelope(envelope)
    return envelope


def validate_envelope(envelope):
    """Raise marshmallow.ValidationError unless ``envelope`` is well formed."""
    errors = _envelope_schema.validate(envelope)
    if errors:
        from marshmallow import ValidationError

        raise ValidationError(errors)
    return envelope
