"""Validation at the accounts service's edges (RPC input, responses)."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates

from shared.standards import (
    enterprise_size_from_name,
    is_enterprise_size,
    is_industry_section,
    is_qinghai_division,
    normalise_uscc,
    validate_uscc,
)
from shared.validation import PageQuerySchema

PASSWORD = validate.Length(min=8, max=128, error="密码长度须为 8–128 个字符 / password must be 8–128 characters")


class RegisterEnterpriseSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    uscc = fields.String(required=True, metadata={"description": "统一社会信用代码 (GB 32100-2015)"})
    division_code = fields.String(required=True, metadata={"description": "GB/T 2260 code within Qinghai"})
    industry_code = fields.String(required=True, metadata={"description": "GB/T 4754 section letter A–T"})
    size = fields.String(load_default=None, allow_none=True, metadata={"description": "large / medium / small / micro"})
    group_company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    contact_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    contact_email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True, validate=PASSWORD)

    @validates("uscc")
    def _uscc(self, value, **_):
        problem = validate_uscc(normalise_uscc(value))
        if problem:
            raise ValidationError(problem)

    @validates("division_code")
    def _division(self, value, **_):
        if not is_qinghai_division(value):
            raise ValidationError("不是青海省的行政区划代码 / not a Qinghai division code (GB/T 2260)")

    @validates("industry_code")
    def _industry(self, value, **_):
        if not is_industry_section(value):
            raise ValidationError("不是 GB/T 4754 门类代码 / not a GB/T 4754 section (A–T)")

    @validates("size")
    def _size(self, value, **_):
        if value is not None and not is_enterprise_size(value):
            raise ValidationError("企业规模无效 / size must be large, medium, small or micro")

    @post_load
    def _normalise(self, data, **_):
        data["uscc"] = normalise_uscc(data["uscc"])
        data["contact_email"] = data["contact_email"].strip().lower()
        data["name"] = data["name"].strip()
        return data


class ImportEnterpriseRowSchema(RegisterEnterpriseSchema):
    """One row of a directory import: an enterprise without a password.

    Its user is created without a password and cannot log in until activated.
    Sizes may be given in Chinese (大型, 中型企业…); empty cells mean "not given".
    """

    class Meta:
        unknown = EXCLUDE
        exclude = ("password",)

    row = fields.Integer(load_default=None, allow_none=True, metadata={"description": "file line number"})

    @pre_load
    def _blank_cells(self, data, **_):
        if not isinstance(data, dict):
            return data
        cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in data.items()}
        for key in ("size", "group_company", "contact_name"):
            if cleaned.get(key) in ("", None):
                cleaned[key] = None
        if cleaned.get("size"):
            cleaned["size"] = enterprise_size_from_name(cleaned["size"]) or cleaned["size"]
        return cleaned


class ImportRequestSchema(Schema):
    rows = fields.List(fields.Dict(), required=True, validate=validate.Length(
        min=1, max=20000, error="每次导入 1–20000 行 / between 1 and 20000 rows per call"))


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    # Set by the gateway from the connection, never by the client: login throttling counts it.
    client_address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                   metadata={"description": "set by the gateway; a client's value is replaced"})


class ChangePasswordSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD)


class CreateUserSchema(Schema):
    """An organiser account (created from the command line)."""

    class Meta:
        unknown = EXCLUDE

    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class RegisterJudgeSchema(CreateUserSchema):
    employer_enterprise_id = fields.String(load_default=None, allow_none=True)
    employer_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    group_company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    division_code = fields.String(load_default=None, allow_none=True)
    expertise = fields.List(fields.String(), load_default=list)

    @validates("expertise")
    def _expertise(self, value, **_):
        bad = [code for code in value if not is_industry_section(code)]
        if bad:
            raise ValidationError(f"未知的行业门类 / unknown industry sections: {', '.join(bad)}")

    @validates("division_code")
    def _division(self, value, **_):
        if value is not None and not is_qinghai_division(value):
            raise ValidationError("不是青海省的行政区划代码 / not a Qinghai division code (GB/T 2260)")


class PageSchema(PageQuerySchema):
    division_code = fields.String(load_default=None)
    industry_code = fields.String(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    sort = fields.String(load_default="name", validate=validate.OneOf(["name", "-name", "created_at", "-created_at"]))


class EnterpriseSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    uscc = fields.String()
    division_code = fields.String()
    industry_code = fields.String()
    size = fields.String(allow_none=True)
    group_company = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String()
    created_at = fields.DateTime()


class UserSchema(Schema):
    id = fields.String(attribute="_id")
    username = fields.String()
    name = fields.String()
    role = fields.String()
    enterprise_id = fields.String(allow_none=True)
    judge_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class JudgeSchema(Schema):
    id = fields.String(attribute="_id")
    user_id = fields.String()
    name = fields.String()
    email = fields.String()
    employer_enterprise_id = fields.String(allow_none=True)
    employer_name = fields.String(allow_none=True)
    group_company = fields.String(allow_none=True)
    division_code = fields.String(allow_none=True)
    expertise = fields.List(fields.String())
    created_at = fields.DateTime()


class TokenSchema(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(UserSchema)


class ImportRowErrorSchema(Schema):
    row = fields.Integer()
    uscc = fields.String(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImportReportSchema(Schema):
    received = fields.Integer()
    imported = fields.Integer()
    failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowErrorSchema))
