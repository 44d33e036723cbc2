"""The recipients filter in Mongo selects exactly whom the audience rule says (fan-out for email and stats)."""
import pytest

from services.notifications import domain
from shared.audience import AudienceSchema
from tests.notifications_support import enterprise

AUDIENCES = [
    {"everyone": True},
    {"division_codes": ["630100"]},  # a prefecture covers its counties
    {"division_codes": ["630200", "632800"], "industry_codes": ["C"]},
    {"sizes": ["large"], "enterprise_ids": ["e4"]},
    {"roles": ["judge"]},
    {"roles": ["judge", "enterprise"], "division_codes": ["632800"]},
    {"enterprise_ids": ["e1", "e9"]},
]


@pytest.fixture
def people(notifications_db):
    recipients = [enterprise(1, "630102", "C", "small"), enterprise(2, "630100", "B", "large"),
                  enterprise(3, "632800", "C", "medium"), enterprise(4, "632800", "B", "small"),
                  enterprise(5, "632821", "C", "large"),
                  domain.recipient_from_event("judge_registered", {
                      "user_id": "j1", "judge_id": "J1", "name": "专家", "email": "j@example.cn",
                      "division_code": "632800"})]
    notifications_db.recipients.insert_many(recipients)
    return recipients


@pytest.mark.parametrize("raw", AUDIENCES)
def test_the_filter_agrees_with_the_rule(notifications_db, people, raw):
    audience = AudienceSchema().load(raw)
    selected = {doc["_id"] for doc in notifications_db.recipients.find(domain.recipients_filter(audience))
                if not domain.needs_confirmation(audience) or domain.in_audience(audience, doc)}
    expected = {person["_id"] for person in people if domain.in_audience(audience, person)}
    assert selected == expected
    if raw.get("everyone"):
        assert "j1" not in expected  # "everyone" means every enterprise unless roles say otherwise
