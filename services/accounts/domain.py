"""Accounts rules: who a user is, what an enterprise record holds, who may see it."""
import uuid
from datetime import timedelta

from shared.auth import Identity
from shared.errors import NotFound, PermissionDenied, TooManyAttempts, ValidationFailed

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)


def new_id():
    return uuid.uuid4().hex


def new_enterprise(data, now):
    return {
        "_id": new_id(),
        "name": data["name"],
        "uscc": data["uscc"],
        "division_code": data["division_code"],
        "industry_code": data["industry_code"],
        "size": data.get("size"),
        "group_company": data.get("group_company"),
        "contact_name": data.get("contact_name"),
        "contact_email": data["contact_email"],
        "created_at": now,
    }


def new_user(username, name, role, password_hash, now, enterprise_id=None, judge_id=None):
    return {
        "_id": new_id(),
        "username": username.strip().lower(),
        "name": name,
        "role": role,
        "password_hash": password_hash,
        "enterprise_id": enterprise_id,
        "judge_id": judge_id,
        "active": True,
        "created_at": now,
    }


def new_judge(data, user_id, now):
    return {
        "_id": new_id(),
        "user_id": user_id,
        "name": data["name"],
        "email": data["email"].strip().lower(),
        "employer_enterprise_id": data.get("employer_enterprise_id"),
        "employer_name": data.get("employer_name"),
        "group_company": data.get("group_company"),
        "division_code": data.get("division_code"),
        "expertise": sorted(set(data.get("expertise") or [])),
        "created_at": now,
    }


def identity_for(user):
    return Identity(
        user_id=user["_id"],
        role=user["role"],
        name=user.get("name") or "",
        enterprise_id=user.get("enterprise_id"),
        judge_id=user.get("judge_id"),
    )


def check_can_view_enterprise(identity, enterprise_id):
    """Organisers see every enterprise; an enterprise sees only itself.

    Judges see enterprises through the entries they are assigned, in the
    services that own those entries, not here.
    """
    if identity.role == "organiser":
        return
    if identity.role == "enterprise" and identity.enterprise_id == enterprise_id:
        return
    if identity.role == "enterprise":
        # Do not confirm that another enterprise's id exists.
        raise NotFound("企业不存在 / enterprise not found")
    raise PermissionDenied("无权查看该企业 / not permitted to view this enterprise")


def row_error(row_number, uscc, fields):
    return {"row": row_number, "uscc": uscc, "errors": fields}


def screen_import_rows(rows, load_row):
    """Split rows into loaded good ones and a per-row error report.

    ``load_row(raw)`` returns the normalised row or raises ValidationFailed.
    Row numbers come from the file (``row``) or the position (1-based). A
    USCC or contact email repeated in the file is refused on its later rows.
    """
    good, errors = [], []
    seen_uscc, seen_email = {}, {}
    for index, raw in enumerate(rows, start=1):
        number = raw.get("row") if isinstance(raw, dict) and raw.get("row") else index
        uscc = raw.get("uscc") if isinstance(raw, dict) else None
        try:
            data = load_row(raw)
        except ValidationFailed as error:
            errors.append(row_error(number, uscc, error.fields))
            continue
        data["row"] = number
        duplicate = {}
        if data["uscc"] in seen_uscc:
            duplicate["uscc"] = [f"与第{seen_uscc[data['uscc']]}行重复 / duplicates row {seen_uscc[data['uscc']]}"]
        if data["contact_email"] in seen_email:
            duplicate["contact_email"] = [
                f"与第{seen_email[data['contact_email']]}行重复 / duplicates row {seen_email[data['contact_email']]}"]
        if duplicate:
            errors.append(row_error(number, data["uscc"], duplicate))
            continue
        seen_uscc[data["uscc"]] = number
        seen_email[data["contact_email"]] = number
        good.append(data)
    return good, errors


ALREADY_REGISTERED_USCC = "该统一社会信用代码已注册 / this USCC is already registered"
ALREADY_REGISTERED_EMAIL = "该邮箱已注册 / this email is already registered"


def drop_existing(good, existing_usccs, existing_emails):
    """Rows whose USCC or email is already in the directory become errors."""
    keep, errors = [], []
    for data in good:
        problems = {}
        if data["uscc"] in existing_usccs:
            problems["uscc"] = [ALREADY_REGISTERED_USCC]
        if data["contact_email"] in existing_emails:
            problems["contact_email"] = [ALREADY_REGISTERED_EMAIL]
        if problems:
            errors.append(row_error(data["row"], data["uscc"], problems))
        else:
            keep.append(data)
    return keep, errors


def check_login_allowed(failures_for_account, failures_for_address, limit=LOGIN_FAILURE_LIMIT,
                        window=LOGIN_FAILURE_WINDOW):
    """Refuse a login once the account or the client address has ``limit`` recent failures.

    Checked before the password, so a locked account stays locked even for the right one
    (otherwise the lock would not slow down guessing).
    """
    if failures_for_account >= limit or failures_for_address >= limit:
        minutes = int(window.total_seconds() // 60)
        raise TooManyAttempts(
            f"登录失败次数过多，请 {minutes} 分钟后再试 / "
            f"too many failed logins, try again in {minutes} minutes"
        )


def check_password_change(current_ok, current_password, new_password):
    if not current_ok:
        message = "当前密码不正确 / the current password is wrong"
        raise ValidationFailed(message, {"current_password": [message]})
    if current_password == new_password:
        message = "新密码不能与当前密码相同 / the new password must differ from the current one"
        raise ValidationFailed(message, {"new_password": [message]})
