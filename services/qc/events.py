"""Facts the qc service publishes, with their payload schemas.

``qc_grades_published`` is consumed by notifications: keep its field names.
"""
from marshmallow import Schema, fields

from shared.events import EventType


class ResultSubmittedPayload(Schema):
    result_id = fields.String(required=True)
    conference_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    group_id = fields.String(required=True)
    group_name = fields.String(required=True)
    title = fields.String(required=True)
    type = fields.String(required=True)
    submitted_at = fields.String(required=True)


class RoundClosedPayload(Schema):
    round_id = fields.String(required=True)
    conference_id = fields.String(required=True)
    kind = fields.String(required=True)
    entries = fields.Integer(required=True)
    scores = fields.Integer(required=True)
    closed_at = fields.String(required=True)


class GradedResultPayload(Schema):
    result_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    group_name = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Float(required=True)
    rank = fields.Integer(required=True)
    grade = fields.String(required=True, allow_none=True)


class GradesPublishedPayload(Schema):
    conference_id = fields.String(required=True)
    conference_name = fields.String(required=True)
    year = fields.Integer(required=True)
    results = fields.List(fields.Nested(GradedResultPayload), required=True)


QC_RESULT_SUBMITTED = EventType("qc_result_submitted", 1, ResultSubmittedPayload())
QC_ROUND_CLOSED = EventType("qc_round_closed", 1, RoundClosedPayload())
QC_GRADES_PUBLISHED = EventType("qc_grades_published", 1, GradesPublishedPayload())
