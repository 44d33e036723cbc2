"""Facts the accounts service publishes, with their payload schemas."""
from marshmallow import Schema, fields

from shared.events import EventType


class EnterpriseRegisteredPayload(Schema):
    enterprise_id = fields.String(required=True)
    user_id = fields.String(required=True)
    name = fields.String(required=True)
    uscc = fields.String(required=True)
    division_code = fields.String(required=True)
    industry_code = fields.String(required=True)
    size = fields.String(allow_none=True)
    group_company = fields.String(allow_none=True)
    contact_email = fields.String(required=True)


class JudgeRegisteredPayload(Schema):
    judge_id = fields.String(required=True)
    user_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    expertise = fields.List(fields.String(), required=True)
    employer_enterprise_id = fields.String(allow_none=True)
    employer_name = fields.String(allow_none=True)
    group_company = fields.String(allow_none=True)
    division_code = fields.String(allow_none=True)


ENTERPRISE_REGISTERED = EventType("enterprise_registered", 1, EnterpriseRegisteredPayload())
JUDGE_REGISTERED = EventType("judge_registered", 1, JudgeRegisteredPayload())
