"""Who a notice is for: one audience rule shared by every service.

An audience is a dict::

    {"everyone": bool,
     "division_codes": [...], "industry_codes": [...], "sizes": [...],
     "roles": [...], "enterprise_ids": [...]}

Semantics: ``everyone`` matches all recipients. Otherwise each non-empty
attribute list is a filter (any value within a list, all lists together),
and ``enterprise_ids`` adds those enterprises whatever the filters say. An
audience with no filters and no ids matches nobody, so a forgotten filter
never broadcasts to the whole province by accident.

A recipient is a dict with ``role`` and, for enterprise users,
``enterprise_id``, ``division_code``, ``industry_code`` and ``size``.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.auth import ROLES
from shared.standards import is_enterprise_size, is_industry_section, is_qinghai_division, prefecture_of

FILTER_KEYS = ("division_codes", "industry_codes", "sizes", "roles")
ENTERPRISE_ATTRIBUTE = {"division_codes": "division_code", "industry_codes": "industry_code", "sizes": "size"}


def _each(check, message):
    def run(values):
        bad = [value for value in values if not check(value)]
        if bad:
            raise ValidationError(f"{message}: {', '.join(map(str, bad))}")

    return run


class AudienceSchema(Schema):
    everyone = fields.Boolean(load_default=False)
    division_codes = fields.List(fields.String(), load_default=list, validate=_each(
        is_qinghai_division, "不是青海省的行政区划代码 / not Qinghai division codes"))
    industry_codes = fields.List(fields.String(), load_default=list, validate=_each(
        is_industry_section, "不是 GB/T 4754 门类 / not GB/T 4754 sections"))
    sizes = fields.List(fields.String(), load_default=list, validate=_each(
        is_enterprise_size, "企业规模无效 / unknown sizes"))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)
    enterprise_ids = fields.List(fields.String(), load_default=list, validate=validate.Length(max=10000))

    @validates_schema
    def _not_empty(self, data, **_):
        if not data.get("everyone") and not any(data.get(key) for key in (*FILTER_KEYS, "enterprise_ids")):
            raise ValidationError("受众不能为空 / choose everyone, a filter or enterprises", "_schema")


def _division_matches(codes, division_code):
    # A prefecture code in the audience covers its counties too.
    return division_code in codes or prefecture_of(division_code or "") in codes


def matches(audience, recipient):
    """True when the recipient is in the audience."""
    if audience.get("everyone"):
        return True
    if recipient.get("enterprise_id") and recipient["enterprise_id"] in set(audience.get("enterprise_ids") or ()):
        return True
    active = [key for key in FILTER_KEYS if audience.get(key)]
    if not active:
        return False
    for key in active:
        values = audience[key]
        if key == "roles":
            if recipient.get("role") not in values:
                return False
        elif key == "division_codes":
            if not _division_matches(values, recipient.get("division_code")):
                return False
        elif recipient.get(ENTERPRISE_ATTRIBUTE[key]) not in values:
            return False
    return True


def enterprise_query(audience, id_field="_id"):
    """A MongoDB filter selecting enterprise documents in the audience.

    The documents carry ``division_code``, ``industry_code`` and ``size`` at
    the top level and the enterprise id in ``id_field``. A role filter that
    leaves out ``enterprise`` excludes every enterprise not named by id.
    """
    if audience.get("everyone"):
        return {}
    roles = audience.get("roles") or []
    clauses = {
        attribute: {"$in": list(audience[key])}
        for key, attribute in ENTERPRISE_ATTRIBUTE.items()
        if audience.get(key)
    }
    filters_select = (not roles or "enterprise" in roles) and (clauses or roles)
    ids = list(audience.get("enterprise_ids") or [])
    by_id = {id_field: {"$in": ids}} if ids else None
    if not filters_select:
        return by_id or {id_field: {"$in": []}}
    return {"$or": [clauses, by_id]} if by_id else clauses
