"""Validation at the notifications service's edges."""
from marshmallow import Schema, fields, validate

from services.notifications.domain import DEFAULT_LOCALE, LOCALES
from shared.validation import PageQuerySchema


class InboxQuerySchema(PageQuerySchema):
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
