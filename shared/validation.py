"""Loading RPC input through a marshmallow schema, refusing with field errors."""
from marshmallow import ValidationError

from shared.errors import validation_error_from_marshmallow


def load(schema, data):
    """``schema.load(data)``, or ``ValidationFailed`` naming each bad field."""
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as err:
        raise validation_error_from_marshmallow(err)


def page_of(items, total, page, page_size):
    return {"items": items, "total": total, "page": page, "page_size": page_size}
