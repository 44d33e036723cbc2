"""Validation at the qc service's edges (RPC input, responses)."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from services.qc import domain
from shared import judging

TEXT = validate.Length(min=1, max=200)


class _Input(Schema):
    class Meta:
        unknown = EXCLUDE


class MemberSchema(_Input):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    role = fields.String(required=True, validate=validate.OneOf(domain.ROLES))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class CreateGroupSchema(_Input):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    topic = fields.String(required=True, validate=TEXT)
    type = fields.String(required=True, validate=validate.OneOf(domain.GROUP_TYPES))
    members = fields.List(fields.Nested(MemberSchema), required=True, validate=validate.Length(min=1, max=30))


class UpdateGroupSchema(_Input):
    name = fields.String(validate=validate.Length(min=2, max=100))
    topic = fields.String(validate=TEXT)
    members = fields.List(fields.Nested(MemberSchema), validate=validate.Length(min=1, max=30))


class PageSchema(_Input):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class GroupQuerySchema(PageSchema):
    enterprise_id = fields.String(load_default=None)
    division_code = fields.String(load_default=None)
    type = fields.String(load_default=None, validate=validate.OneOf(domain.GROUP_TYPES))
    sort = fields.String(load_default="reg_no", validate=validate.OneOf(["reg_no", "-reg_no", "name", "-created_at"]))


class GradingRuleSchema(_Input):
    method = fields.String(required=True, validate=validate.OneOf(judging.GRADING_METHODS))
    levels = fields.List(fields.Raw(), required=True)
    encouragement = fields.String(load_default=None, allow_none=True)


class CreateConferenceSchema(_Input):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    submission_deadline = fields.AwareDateTime(required=True, format="iso")
    grace_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=7 * 24 * 60))
    judges_per_entry = fields.Integer(load_default=5, validate=validate.Range(min=1, max=15))
    aggregation = fields.String(load_default="trimmed_mean", validate=validate.OneOf(judging.METHODS))
    normalise = fields.Boolean(load_default=False)
    disagreement_threshold = fields.Float(load_default=15.0, validate=validate.Range(min=0, max=100))
    grading_rule = fields.Dict(load_default=lambda: dict(domain.DEFAULT_GRADING_RULE))


class StepSchema(_Input):
    step = fields.String(required=True, validate=validate.Length(min=1, max=50))
    content = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class MetricSchema(_Input):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    before = fields.Float(required=True)
    after = fields.Float(required=True)


class ResultFieldsSchema(_Input):
    title = fields.String(validate=TEXT)
    steps = fields.List(fields.Nested(StepSchema), validate=validate.Length(max=20))
    metrics = fields.List(fields.Nested(MetricSchema), validate=validate.Length(max=20))
    economic_benefit = fields.Float(allow_none=True, validate=validate.Range(min=0),
                                    metadata={"description": "经济效益（万元）/ economic benefit, 10k CNY"})
    summary = fields.String(allow_none=True, validate=validate.Length(max=2000))


class CreateResultSchema(ResultFieldsSchema):
    conference_id = fields.String(required=True)
    group_id = fields.String(required=True)
    title = fields.String(required=True, validate=TEXT)


class ResultQuerySchema(PageSchema):
    conference_id = fields.String(load_default=None)
    enterprise_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["draft", "submitted", "withdrawn"]))
    type = fields.String(load_default=None, validate=validate.OneOf(domain.GROUP_TYPES))
    division_code = fields.String(load_default=None)
    sort = fields.String(load_default="created_at", validate=validate.OneOf(
        ["created_at", "-created_at", "submitted_at", "-submitted_at", "title", "group_name"]))


class ConferenceQuerySchema(PageSchema):
    year = fields.Integer(load_default=None, allow_none=True)


class CreateRoundSchema(_Input):
    judge_ids = fields.List(fields.String(), load_default=None, allow_none=True,
                            metadata={"description": "评审专家范围（缺省为全部）/ judge pool, default all"})


class ShortlistSchema(_Input):
    top_n = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    threshold = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    judge_ids = fields.List(fields.String(), load_default=None, allow_none=True)

    @validates_schema
    def _one(self, data, **_):
        if (data.get("top_n") is None) == (data.get("threshold") is None):
            raise ValidationError("须给出 top_n 或 threshold 之一 / give exactly one of top_n or threshold",
                                  "top_n")


class OverrideSchema(_Input):
    add = fields.List(fields.String(), load_default=list)
    remove = fields.List(fields.String(), load_default=list)


class ScoreSchema(_Input):
    items = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True,
                        metadata={"description": "评分表条目代码 → 分数 / sheet item code → points"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class BatchScoreSchema(ScoreSchema):
    result_id = fields.String(required=True)


class BatchScoresSchema(_Input):
    scores = fields.List(fields.Nested(BatchScoreSchema), required=True, validate=validate.Length(min=1, max=200))


class DeclareConflictSchema(_Input):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))

    @validates("reason")
    def _reason(self, value, **_):
        if not value.strip():
            raise ValidationError("须填写回避理由 / a reason is required")


# -- responses ------------------------------------------------------------------


class EnterpriseProjectionSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    division_code = fields.String()
    industry_code = fields.String()
    group_company = fields.String(allow_none=True)


class GroupSchema(Schema):
    id = fields.String(attribute="_id")
    reg_no = fields.String()
    enterprise_id = fields.String()
    enterprise_name = fields.String()
    division_code = fields.String()
    name = fields.String()
    topic = fields.String()
    type = fields.String()
    members = fields.List(fields.Nested(MemberSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ConferenceSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    year = fields.Integer()
    submission_deadline = fields.DateTime()
    grace_minutes = fields.Integer()
    locks_at = fields.DateTime()
    submissions_locked = fields.Boolean()
    judges_per_entry = fields.Integer()
    aggregation = fields.String()
    normalise = fields.Boolean()
    disagreement_threshold = fields.Float()
    grading_rule = fields.Dict()
    status = fields.String()
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class AttachmentSchema(Schema):
    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()


class AttachmentUploadSchema(_Input):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    content = fields.String(required=True, metadata={"description": "base64"})


class ResultSchema(Schema):
    id = fields.String(attribute="_id")
    conference_id = fields.String()
    enterprise_id = fields.String()
    enterprise_name = fields.String()
    division_code = fields.String()
    group_id = fields.String()
    group_name = fields.String()
    group_reg_no = fields.String()
    type = fields.String()
    title = fields.String()
    steps = fields.List(fields.Nested(StepSchema))
    metrics = fields.List(fields.Nested(MetricSchema))
    economic_benefit = fields.Float(allow_none=True)
    summary = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema))
    award = fields.Dict(metadata={"description": "发布后的得分、排名、等级 / score, rank and grade once published"})
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)


class RoundSchema(Schema):
    id = fields.String(attribute="_id")
    conference_id = fields.String()
    kind = fields.String()
    status = fields.String()
    panels = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    conflicts = fields.List(fields.Dict())
    entry_count = fields.Integer()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class ScoreOutSchema(Schema):
    judge_id = fields.String()
    judge_name = fields.String()
    items = fields.Dict()
    total = fields.Float()
    comment = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class AuditSchema(Schema):
    round_id = fields.String()
    result_id = fields.String()
    judge_id = fields.String()
    changed_by = fields.String()
    changed_at = fields.DateTime()
    old = fields.Dict(allow_none=True)
    new = fields.Dict()
