"""Errors that cross service boundaries.

Each class is registered with nameko so that a caller of an RPC receives the
same class back (with its field messages), not a bare ``RemoteError``. The
gateway maps ``http_status`` and ``code`` onto the one JSON error envelope.
"""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class DomainError(Exception):
    http_status = 500
    code = "internal_error"

    def __init__(self, message, fields=None):
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or {}

    def __str__(self):
        return self.message


@deserialize_to_instance
class ValidationFailed(DomainError):
    """The request's fields are malformed (400)."""

    http_status = 400
    code = "validation_error"


@deserialize_to_instance
class NotAuthenticated(DomainError):
    http_status = 401
    code = "not_authenticated"


@deserialize_to_instance
class PermissionDenied(DomainError):
    http_status = 403
    code = "forbidden"


@deserialize_to_instance
class NotFound(DomainError):
    http_status = 404
    code = "not_found"


@deserialize_to_instance
class Conflict(DomainError):
    """A duplicate or a concurrent change (409)."""

    http_status = 409
    code = "conflict"


@deserialize_to_instance
class RuleViolation(DomainError):
    """Well-formed, but a business rule refuses it (422)."""

    http_status = 422
    code = "rule_violation"


@deserialize_to_instance
class TooManyAttempts(DomainError):
    """Refused for now: too many recent failures (429), e.g. login throttling."""

    http_status = 429
    code = "too_many_attempts"


def validation_error_from_marshmallow(err, message="请求字段有误 / invalid fields"):
    """Turn a marshmallow ``ValidationError`` into our field-level error."""
    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return ValidationFailed(message, fields=messages)
