"""Validation at the notifications service's edges (RPC input, consumed events, responses)."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from services.notifications.domain import (
    CATEGORIES,
    DEFAULT_LOCALE,
    EVENT_CATEGORY,
    NOTICE_LOCALES,
    PARTS,
)
from shared.audience import AudienceSchema
from shared.validation import PageQuerySchema


class InboxQuerySchema(PageQuerySchema):
    unread_only = fields.Boolean(load_default=False)
    locale = fields.String(load_default=DEFAULT_LOCALE, validate=validate.OneOf(NOTICE_LOCALES))


class MessageSchema(Schema):
    id = fields.String(attribute="_id")
    kind = fields.String(metadata={"description": "notice | message"})
    category = fields.String()
    title = fields.String()
    body = fields.String()
    required_read = fields.Boolean()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


# -- preferences -----------------------------------------------------------------

class ChannelChoiceSchema(Schema):
    email = fields.Boolean()
    sms = fields.Boolean()


class PreferencesSchema(Schema):
    """Opt-in/out per category and channel; required-read notices ignore opt-out."""

    class Meta:
        unknown = EXCLUDE

    settings = fields.Dict(keys=fields.String(validate=validate.OneOf(CATEGORIES)),
                           values=fields.Nested(ChannelChoiceSchema))
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9]{6,15}$",
                          error="手机号格式不正确 / invalid phone number"))
    locale = fields.String(validate=validate.OneOf(NOTICE_LOCALES))


# -- templates -------------------------------------------------------------------

class TemplateOverrideSchema(Schema):
    event_type = fields.String(required=True, validate=validate.OneOf(sorted(EVENT_CATEGORY)))
    part = fields.String(required=True, validate=validate.OneOf(PARTS))
    locale = fields.String(required=True, validate=validate.OneOf(NOTICE_LOCALES))
    source = fields.String(required=True, validate=validate.Length(min=1, max=20000))

    @validates_schema
    def _tibetan_only_for_notices(self, data, **_):
        if data.get("locale") == "bo" and data.get("event_type") != "notice_published":
            raise ValidationError("藏文模板仅用于通知 / Tibetan templates exist for notices only", "locale")


class TemplateSourceSchema(Schema):
    source = fields.String(required=True)


class TemplateKeySchema(Schema):
    event_type = fields.String(required=True, validate=validate.OneOf(sorted(EVENT_CATEGORY)))
    part = fields.String(required=True, validate=validate.OneOf(PARTS))
    locale = fields.String(required=True, validate=validate.OneOf(NOTICE_LOCALES))


class TemplateSchema(Schema):
    key = fields.String()
    event_type = fields.String()
    part = fields.String()
    locale = fields.String()
    overridden = fields.Boolean()
    source = fields.String()


# -- organiser queries -----------------------------------------------------------

class DeliveryLogQuerySchema(PageQuerySchema):
    channel = fields.String(validate=validate.OneOf(("email", "sms")))
    status = fields.String(validate=validate.OneOf(("queued", "sent", "failed", "read")))
    user_id = fields.String()


class DeliverySchema(Schema):
    user_id = fields.String()
    enterprise_id = fields.String(allow_none=True)
    channel = fields.String()
    address = fields.String()
    status = fields.String(metadata={"description": "queued | sent | failed | read"})
    reason = fields.String(allow_none=True)
    attempts = fields.Integer()
    dead = fields.Boolean()
    sent_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)


class DeliveryLogSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class UnreadQuerySchema(PageQuerySchema):
    division_code = fields.String()


class DeadLetterQuerySchema(PageQuerySchema):
    notice_id = fields.String()
    channel = fields.String(validate=validate.OneOf(("email", "sms")))


class DeadLetterSchema(Schema):
    id = fields.String(attribute="_id")
    source_id = fields.String()
    event_type = fields.String()
    channel = fields.String()
    user_id = fields.String()
    address = fields.String()
    reason = fields.String()
    attempts = fields.Integer()
    dead_at = fields.DateTime()


class DeadLetterPageSchema(Schema):
    items = fields.List(fields.Nested(DeadLetterSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class ResendSchema(Schema):
    """Re-send the named dead letters, or every one of a notice."""

    ids = fields.List(fields.String(), load_default=list, validate=validate.Length(max=10000))
    notice_id = fields.String(load_default=None)

    @validates_schema
    def _something(self, data, **_):
        if not data.get("ids") and not data.get("notice_id"):
            raise ValidationError("请指定 ids 或 notice_id / give ids or a notice_id", "_schema")


class ReadStatsDivisionSchema(Schema):
    division_code = fields.String(allow_none=True)
    audience = fields.Integer()
    read = fields.Integer()
    read_rate = fields.Float()


class ReadStatsSchema(Schema):
    notice_id = fields.String()
    audience_total = fields.Integer()
    read_total = fields.Integer()
    read_rate = fields.Float()
    by_division = fields.List(fields.Nested(ReadStatsDivisionSchema))


class UnreadRecipientSchema(Schema):
    user_id = fields.String()
    enterprise_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    division_code = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class UnreadPageSchema(Schema):
    items = fields.List(fields.Nested(UnreadRecipientSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class ChannelProgressSchema(Schema):
    total = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer()
    read = fields.Integer()
    queued = fields.Integer()


class BroadcastProgressSchema(Schema):
    notice_id = fields.String()
    expanding = fields.Boolean()
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelProgressSchema))


# -- consumed events (what the producers promise, checked on arrival) --------------

class LocalisedText(fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(NOTICE_LOCALES)), values=fields.String(),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not result.get(DEFAULT_LOCALE):
            raise ValidationError("缺少中文文本 / zh-CN text is required")
        return result


class NoticePublishedPayload(Schema):
    class Meta:
        unknown = EXCLUDE

    notice_id = fields.String(required=True)
    year = fields.Integer(required=True)
    doc_number = fields.String(required=True)
    title = LocalisedText(required=True)
    body_html = LocalisedText(required=True)
    audience = fields.Nested(AudienceSchema, required=True)
    required_read = fields.Boolean(required=True)
    published_at = fields.AwareDateTime(required=True)
    campaign_id = fields.String(allow_none=True, load_default=None)


class GradeResult(Schema):
    class Meta:
        unknown = EXCLUDE

    result_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    group_name = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Float(required=True, allow_none=True)
    rank = fields.Integer(required=True, allow_none=True)
    grade = fields.String(required=True)


class QcGradesPublishedPayload(Schema):
    class Meta:
        unknown = EXCLUDE

    conference_id = fields.String(required=True)
    conference_name = fields.String(required=True)
    year = fields.Integer(required=True)
    results = fields.List(fields.Nested(GradeResult), required=True)
