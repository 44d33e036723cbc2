"""Loading RPC input through a marshmallow schema, refusing with field errors."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared.errors import validation_error_from_marshmallow


def load(schema, data):
    """``schema.load(data)``, or ``ValidationFailed`` naming each bad field."""
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as err:
        raise validation_error_from_marshmallow(err)


def page_of(items, total, page, page_size):
    return {"items": items, "total": total, "page": page, "page_size": page_size}


class PageQuerySchema(Schema):
    """page/page_size for list queries; unknown parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))
