"""Schemas that belong to the gateway itself (the rest are the services')."""
from marshmallow import Schema, fields


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(metadata={"description": "field name → list of messages"})


class ServiceHealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    store = fields.String()
    detail = fields.String()


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealthSchema))
