"""Helpers for the qc service tests: tokens, projected accounts, complete results."""
import uuid
from datetime import UTC, datetime, timedelta

from nameko.testing.services import entrypoint_hook

from services.accounts.events import ENTERPRISE_REGISTERED, JUDGE_REGISTERED
from services.qc import domain
from shared.auth import Identity, TokenSigner
from shared.events import make_event


class QcClient:
    """Calls the qc container's entrypoints as a given identity."""

    def __init__(self, container, auth_secret):
        self.container = container
        self.signer = TokenSigner(auth_secret)

    def token(self, role, **claims):
        return self.signer.issue(Identity(user_id=claims.pop("user_id", uuid.uuid4().hex), role=role, **claims))

    def call(self, method, *args, token=None):
        context = {"auth_token": token} if token else {}
        with entrypoint_hook(self.container, method, context_data=context) as hook:
            return hook(*args)

    # -- projections, fed straight to the handlers
    def enterprise(self, division_code="630100", industry_code="C", group_company=None, name=None):
        enterprise_id = uuid.uuid4().hex
        payload = {
            "enterprise_id": enterprise_id, "user_id": uuid.uuid4().hex,
            "name": name or f"青海测试企业{enterprise_id[:6]}有限公司", "uscc": "91630100MA7XQ0NN3J",
            "division_code": division_code, "industry_code": industry_code, "size": "medium",
            "group_company": group_company, "contact_email": f"{enterprise_id[:8]}@example.cn",
        }
        self.call("on_enterprise_registered", make_event(ENTERPRISE_REGISTERED, "accounts", payload))
        return enterprise_id, self.token("enterprise", enterprise_id=enterprise_id)

    def judge(self, name=None, expertise=("C",), employer=None, group_company=None):
        judge_id = uuid.uuid4().hex
        payload = {
            "judge_id": judge_id, "user_id": uuid.uuid4().hex, "name": name or f"专家{judge_id[:4]}",
            "email": f"{judge_id[:8]}@judges.cn", "expertise": list(expertise),
            "employer_enterprise_id": employer, "employer_name": None, "group_company": group_company,
            "division_code": "630100",
        }
        self.call("on_judge_registered", make_event(JUDGE_REGISTERED, "accounts", payload))
        return judge_id, self.token("judge", judge_id=judge_id, user_id=payload["user_id"])

    # -- flows
    def conference(self, organiser, **overrides):
        body = {"name": "2026年青海省QC小组成果发布会", "year": 2026,
                "submission_deadline": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
                "grace_minutes": 30, "judges_per_entry": 3}
        body.update(overrides)
        return self.call("create_conference", body, token=organiser)

    def group(self, enterprise_token, group_type=domain.PROBLEM_SELF_SET, name=None):
        body = {"name": name or f"攻关小组{uuid.uuid4().hex[:4]}", "topic": "降低产品不良率", "type": group_type,
                "members": [{"name": "张组长", "role": "leader"}, {"name": "李工", "role": "member"},
                            {"name": "王顾问", "role": "counsellor"}]}
        return self.call("create_group", body, token=enterprise_token)

    def submitted_result(self, enterprise_token, conference_id, group_type=domain.PROBLEM_SELF_SET):
        group = self.group(enterprise_token, group_type)
        result = self.call("create_result", {
            "conference_id": conference_id, "group_id": group["id"], "title": f"{group['name']}成果",
            "steps": complete_steps(group_type), "economic_benefit": 12.5,
            "metrics": [{"name": "不良率", "unit": "%", "before": 3.2, "after": 0.8}],
        }, token=enterprise_token)
        return self.call("submit_result", result["id"], token=enterprise_token)


def complete_steps(group_type):
    return [{"step": step, "content": f"{step}的记录"} for step in domain.STEPS[group_type]]


def full_marks(sheet_code, fraction=1.0):
    from shared.judging import get_builtin_sheet

    return {item.code: round(item.max_points * fraction, 1) for item in get_builtin_sheet(sheet_code).items}


def scores_totalling(sheet_code, total):
    """Item scores on a sheet adding up to ``total``, taking points off the items in order."""
    from shared.judging import get_builtin_sheet

    items = {item.code: item.max_points for item in get_builtin_sheet(sheet_code).items}
    missing = sum(items.values()) - total
    for code in items:
        cut = min(items[code], missing)
        items[code] -= cut
        missing -= cut
    return items
