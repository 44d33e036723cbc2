"""Validation at the notifications service's edges."""
from marshmallow import EXCLUDE, Schema, fields, validate

from services.notifications.domain import DEFAULT_LOCALE, LOCALES


class InboxQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    unread_only = fields.Boolean(load_default=False)
    locale = fields.String(load_default=DEFAULT_LOCALE, validate=validate.OneOf(LOCALES))


class MessageSchema(Schema):
    id = fields.String(attribute="_id")
    category = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
