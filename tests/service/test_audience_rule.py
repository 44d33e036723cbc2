"""The audience rule, in memory and as a Mongo filter, must agree."""
import pytest
from marshmallow import ValidationError

from shared.audience import AudienceSchema, enterprise_query, matches

XINING = {"role": "enterprise", "enterprise_id": "e1", "division_code": "630100", "industry_code": "C", "size": "small"}
HAIXI = {"role": "enterprise", "enterprise_id": "e2", "division_code": "632800", "industry_code": "B", "size": "large"}
JUDGE = {"role": "judge"}


def load(**audience):
    return AudienceSchema().load(audience)


def test_everyone_matches_all():
    audience = load(everyone=True)
    assert all(matches(audience, r) for r in (XINING, HAIXI, JUDGE))


def test_filters_combine_with_and_values_with_or():
    audience = load(division_codes=["630100", "632800"], industry_codes=["C"])
    assert matches(audience, XINING) and not matches(audience, HAIXI) and not matches(audience, JUDGE)


def test_explicit_enterprises_are_added_to_the_filter():
    audience = load(division_codes=["630100"], enterprise_ids=["e2"])
    assert matches(audience, XINING) and matches(audience, HAIXI)


def test_roles_select_people_not_places():
    audience = load(roles=["judge"])
    assert matches(audience, JUDGE) and not matches(audience, XINING)


def test_an_empty_audience_is_refused_and_bad_codes_named():
    with pytest.raises(ValidationError) as raised:
        AudienceSchema().load({})
    assert "_schema" in raised.value.messages
    with pytest.raises(ValidationError) as raised:
        AudienceSchema().load({"division_codes": ["110000"], "industry_codes": ["Z"], "sizes": ["huge"]})
    assert set(raised.value.messages) == {"division_codes", "industry_codes", "sizes"}


@pytest.mark.parametrize("audience", [
    {"everyone": True}, {"division_codes": ["630100"]}, {"industry_codes": ["B"], "sizes": ["large"]},
    {"division_codes": ["630100"], "enterprise_ids": ["e2"]}, {"roles": ["judge"]},
    {"roles": ["judge"], "enterprise_ids": ["e1"]}, {"roles": ["enterprise"]}, {"enterprise_ids": ["e2"]},
])
def test_mongo_filter_agrees_with_matches(audience, mongo_client, db_prefix):
    audience = load(**audience)
    collection = mongo_client[f"{db_prefix}audience"].enterprises
    collection.insert_many([{**r, "_id": r["enterprise_id"]} for r in (XINING, HAIXI)])
    selected = {doc["_id"] for doc in collection.find(enterprise_query(audience))}
    assert selected == {r["enterprise_id"] for r in (XINING, HAIXI) if matches(audience, r)}
