"""Facts the campaigns service publishes, with their payload schemas."""
from marshmallow import Schema, fields

from shared.events import EventType


class CampaignTransitionPayload(Schema):
    campaign_id = fields.String(required=True)
    year = fields.Integer(required=True)
    name = fields.String(required=True)
    theme = fields.String(required=True)
    status = fields.String(required=True)
    previous_status = fields.String(required=True)
    starts_on = fields.String(required=True)
    ends_on = fields.String(required=True)


class RegistrationConfirmedPayload(Schema):
    registration_id = fields.String(required=True)
    activity_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    activity_title = fields.String(required=True)
    venue = fields.String(required=True)
    starts_at = fields.String(required=True)
    promoted_from_waitlist = fields.Boolean(required=True)


class LocalisedText(fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), values=fields.String(), **kwargs)


class NoticePublishedPayload(Schema):
    """v1, consumed by notifications: keep it stable (add fields only in a v2)."""

    notice_id = fields.String(required=True)
    year = fields.Integer(required=True)
    doc_number = fields.String(required=True)
    title = LocalisedText(required=True)
    body_html = LocalisedText(required=True)
    audience = fields.Dict(required=True)
    required_read = fields.Boolean(required=True)
    published_at = fields.String(required=True)
    campaign_id = fields.String(required=True, allow_none=True)


CAMPAIGN_EVENTS = {
    name: EventType(name, 1, CampaignTransitionPayload())
    for name in ("campaign_published", "campaign_started", "campaign_closed")
}
ACTIVITY_REGISTRATION_CONFIRMED = EventType("activity_registration_confirmed", 1, RegistrationConfirmedPayload())
NOTICE_PUBLISHED = EventType("notice_published", 1, NoticePublishedPayload())
