"""Validation at the campaigns service's edges."""
from datetime import UTC

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates

from services.campaigns.domain import ACTIVITY_KINDS, CAMPAIGN_STATES, CAMPAIGN_TRANSITIONS
from shared.audience import AudienceSchema
from shared.standards import is_qinghai_division
from shared.validation import PageQuerySchema

TEXT = validate.Length(min=1, max=200)
DEPARTMENT = fields.String(validate=validate.Length(min=1, max=60))


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


class CreateCampaignSchema(_Strict):
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2100))
    name = fields.String(required=True, validate=TEXT, metadata={"example": "2014年全省质量月"})
    theme = fields.String(required=True, validate=TEXT, metadata={"example": "追求卓越品质 建设质量强省"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    lead_department = fields.String(required=True, validate=validate.Length(min=1, max=60))
    participating_departments = fields.List(DEPARTMENT, load_default=list, validate=validate.Length(max=50))
    description = fields.String(load_default="", validate=validate.Length(max=5000))

    @post_load
    def _dates_as_strings(self, data, **_):
        # Stored as ISO strings: BSON has no date-only type.
        for key in ("starts_on", "ends_on"):
            if key in data:
                data[key] = data[key].isoformat()
        return data


class UpdateCampaignSchema(CreateCampaignSchema):
    class Meta:
        unknown = EXCLUDE
        exclude = ("year",)


class TransitionSchema(_Strict):
    action = fields.String(required=True, validate=validate.OneOf(list(CAMPAIGN_TRANSITIONS)))


class CampaignSchema(Schema):
    id = fields.String(attribute="_id")
    year = fields.Integer()
    name = fields.String()
    theme = fields.String()
    starts_on = fields.String()
    ends_on = fields.String()
    lead_department = fields.String()
    participating_departments = fields.List(fields.String())
    description = fields.String()
    status = fields.String()
    history = fields.List(fields.Dict())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ListQuerySchema(PageQuerySchema):
    pass


class CampaignQuerySchema(ListQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(CAMPAIGN_STATES))
    sort = fields.String(load_default="-year", validate=validate.OneOf(["year", "-year"]))


class CreateActivitySchema(_Strict):
    title = fields.String(required=True, validate=TEXT)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    organising_department = fields.String(required=True, validate=validate.Length(min=1, max=60))
    division_code = fields.String(required=True, metadata={"description": "GB/T 2260 code within Qinghai"})
    venue = fields.String(required=True, validate=TEXT)
    starts_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    ends_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000))
    registration_deadline = fields.AwareDateTime(required=True, default_timezone=UTC)
    description = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates("division_code")
    def _division(self, value, **_):
        if not is_qinghai_division(value):
            raise ValidationError("不是青海省的行政区划代码 / not a Qinghai division code (GB/T 2260)")


class ActivitySchema(Schema):
    id = fields.String(attribute="_id")
    campaign_id = fields.String()
    year = fields.Integer()
    title = fields.String()
    kind = fields.String()
    organising_department = fields.String()
    division_code = fields.String()
    venue = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer()
    seats_taken = fields.Integer()
    registration_deadline = fields.DateTime()
    description = fields.String()


class ActivityQuerySchema(ListQuerySchema):
    campaign_id = fields.String(load_default=None)
    division_code = fields.String(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(ACTIVITY_KINDS))
    sort = fields.String(load_default="starts_at", validate=validate.OneOf(["starts_at", "-starts_at", "title"]))


class RegistrationSchema(Schema):
    id = fields.String(attribute="_id")
    activity_id = fields.String()
    campaign_id = fields.String()
    enterprise_id = fields.String()
    enterprise_name = fields.String(allow_none=True)
    division_code = fields.String(allow_none=True)
    industry_code = fields.String(allow_none=True)
    status = fields.String()
    position = fields.Integer(allow_none=True)
    attended = fields.Boolean()
    registered_at = fields.DateTime()
    checked_in_at = fields.DateTime(allow_none=True)


class RegistrationQuerySchema(ListQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(["confirmed", "waitlisted", "cancelled"]))


class CheckInSchema(_Strict):
    enterprise_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class TranslationSchema(_Strict):
    title = fields.String(required=True, validate=TEXT)
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000))


class TranslationsSchema(_Strict):
    en = fields.Nested(TranslationSchema, load_default=None, allow_none=True)
    bo = fields.Nested(TranslationSchema, load_default=None, allow_none=True)

    @post_load
    def _drop_empty(self, data, **_):
        return {locale: value for locale, value in data.items() if value}


class CreateNoticeSchema(_Strict):
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2100))
    doc_number = fields.String(required=True, validate=validate.Length(min=1, max=60),
                               metadata={"description": "文号, unique per year", "example": "青质监函〔2014〕56号"})
    title = fields.String(required=True, validate=TEXT)
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000),
                         metadata={"description": "Markdown"})
    translations = fields.Nested(TranslationsSchema, load_default=dict)
    audience = fields.Nested(AudienceSchema, required=True)
    required_read = fields.Boolean(load_default=False)
    campaign_id = fields.String(load_default=None, allow_none=True)

    @post_load
    def _strip(self, data, **_):
        data["doc_number"] = data["doc_number"].strip()
        return data


class NoticeQuerySchema(ListQuerySchema):
    year = fields.Integer(load_default=None)
    campaign_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["draft", "published"]))


class AttachmentMetaSchema(Schema):
    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class NoticeSchema(Schema):
    id = fields.String(attribute="_id")
    year = fields.Integer()
    doc_number = fields.String()
    campaign_id = fields.String(allow_none=True)
    title = fields.Dict()
    body_markdown = fields.Dict()
    body_html = fields.Dict()
    audience = fields.Dict()
    required_read = fields.Boolean()
    status = fields.String()
    attachments = fields.List(fields.Nested(AttachmentMetaSchema))
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class AttachmentUploadSchema(_Strict):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_type = fields.String(required=True)
    content_base64 = fields.String(required=True)
