"""QC rules: groups, results and their steps, conference deadlines, judging access, grades.

Pure functions over plain dicts; the judging arithmetic itself lives in
``shared.judging`` and is only called from here.
"""
import uuid
from datetime import timedelta

from shared import judging
from shared.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed

# -- group types and their steps (T/CAQ 10201-2020) ----------------------------

PROBLEM_SELF_SET = "problem_solving_self_set"
PROBLEM_ASSIGNED = "problem_solving_assigned"
INNOVATIVE = "innovative"
GROUP_TYPES = (PROBLEM_SELF_SET, PROBLEM_ASSIGNED, INNOVATIVE)
TYPE_NAMES = {
    PROBLEM_SELF_SET: "问题解决型（自定目标）",
    PROBLEM_ASSIGNED: "问题解决型（指令性目标）",
    INNOVATIVE: "创新型",
}

_FROM_CAUSES = ["原因分析", "确定主要原因", "制定对策", "对策实施", "效果检查", "制定巩固措施", "总结和下一步打算"]
STEPS = {
    PROBLEM_SELF_SET: ["选择课题", "现状调查", "设定目标", *_FROM_CAUSES],
    PROBLEM_ASSIGNED: ["选择课题", "设定目标", "目标可行性论证", *_FROM_CAUSES],
    INNOVATIVE: ["选择课题", "设定目标及目标可行性论证", "提出方案并确定最佳方案", "制定对策",
                 "对策实施", "效果检查", "标准化", "总结和下一步打算"],
}

ROLES = ("leader", "member", "counsellor")

DOCUMENT_REVIEW = "document_review"
PRESENTATION = "presentation"
ROUND_KINDS = (DOCUMENT_REVIEW, PRESENTATION)
SHEET_FOR_TYPE = {
    PROBLEM_SELF_SET: "qc-problem-solving",
    PROBLEM_ASSIGNED: "qc-problem-solving",
    INNOVATIVE: "qc-innovative",
}
PRESENTATION_SHEET = "qc-presentation"

DEFAULT_GRADING_RULE = {"method": "quota", "levels": [["一等奖", 0.1], ["二等奖", 0.3], ["三等奖", None]],
                        "encouragement": None}


def new_id():
    return uuid.uuid4().hex


# -- groups --------------------------------------------------------------------


def check_members(members):
    """Exactly one leader, at most one counsellor; field errors otherwise."""
    roles = [member["role"] for member in members]
    problems = []
    if roles.count("leader") != 1:
        problems.append(f"须有且仅有一名组长 / exactly one leader is required (found {roles.count('leader')})")
    if roles.count("counsellor") > 1:
        problems.append("顾问最多一名 / at most one counsellor")
    if problems:
        raise ValidationFailed("小组成员有误 / invalid members", {"members": problems})


def registration_number(year, division_code, seq):
    return f"QC-{year}-{division_code}-{seq:04d}"


def new_group(data, enterprise, reg_no, now):
    return {
        "_id": new_id(),
        "reg_no": reg_no,
        "enterprise_id": enterprise["_id"],
        "enterprise_name": enterprise["name"],
        "division_code": enterprise["division_code"],
        "name": data["name"],
        "topic": data["topic"],
        "type": data["type"],
        "members": data["members"],
        "created_at": now,
        "updated_at": now,
    }


def check_owns(identity, record, what="记录 / record"):
    """Enterprises reach only their own records; others' look absent (404)."""
    if identity.role == "organiser":
        return
    if identity.role == "enterprise" and record.get("enterprise_id") == identity.enterprise_id:
        return
    raise NotFound(f"{what}不存在 / not found")


# -- conferences and deadlines -------------------------------------------------


def new_conference(data, organiser, now):
    return {
        "_id": new_id(),
        "name": data["name"],
        "year": data["year"],
        "submission_deadline": data["submission_deadline"],
        "grace_minutes": data["grace_minutes"],
        "judges_per_entry": data["judges_per_entry"],
        "aggregation": data["aggregation"],
        "normalise": data["normalise"],
        "disagreement_threshold": data["disagreement_threshold"],
        "grading_rule": data["grading_rule"],
        "status": "open",
        "created_by": organiser.user_id,
        "created_at": now,
    }


def lock_time(conference):
    return conference["submission_deadline"] + timedelta(minutes=conference["grace_minutes"])


def is_locked(conference, now):
    return now >= lock_time(conference)


def check_open_for_submissions(conference, now):
    if is_locked(conference, now):
        raise RuleViolation(
            "已过提交截止时间（含宽限期），成果已锁定 / submissions are locked (deadline and grace period passed)",
            {"conference_id": [f"locked since {lock_time(conference).isoformat()}"]},
        )


def check_grading_rule(raw):
    try:
        return judging.rule_to_dict(judging.rule_from_dict(raw))
    except judging.GradingError as error:
        raise ValidationFailed("评奖规则有误 / invalid grading rule", {"grading_rule": [str(error)]})


# -- results -------------------------------------------------------------------


def check_steps(group_type, steps):
    """Every step the type requires, in order, and nothing else.

    A missing step is a field error keyed ``steps.<step name>`` so the form can
    point at it.
    """
    required = STEPS[group_type]
    given = [step["step"] for step in steps]
    fields = {}
    for name in required:
        if name not in given:
            fields[f"steps.{name}"] = [f"缺少步骤「{name}」 / missing step: {name}"]
    unknown = [name for name in given if name not in required]
    if unknown:
        fields["steps"] = [f"此类型没有这些步骤 / not a step of this type: {', '.join(unknown)}"]
    repeated = sorted({name for name in given if given.count(name) > 1})
    if repeated:
        fields.setdefault("steps", []).append(f"步骤重复 / repeated steps: {', '.join(repeated)}")
    if not fields and given != required:
        fields["steps"] = [f"步骤顺序有误，应为 / steps out of order, expected: {' → '.join(required)}"]
    if fields:
        raise ValidationFailed("成果步骤不完整或顺序有误 / steps incomplete or out of order", fields)


def new_result(data, group, conference, now):
    return {
        "_id": new_id(),
        "conference_id": conference["_id"],
        "enterprise_id": group["enterprise_id"],
        "enterprise_name": group["enterprise_name"],
        "division_code": group["division_code"],
        "group_id": group["_id"],
        "group_name": group["name"],
        "group_reg_no": group["reg_no"],
        "type": group["type"],
        "title": data["title"],
        "steps": data.get("steps") or [],
        "metrics": data.get("metrics") or [],
        "economic_benefit": data.get("economic_benefit"),
        "summary": data.get("summary"),
        "attachments": [],
        "status": "draft",
        "created_at": now,
        "updated_at": now,
        "submitted_at": None,
    }


def check_editable(result, conference, now):
    if result["status"] == "submitted":
        raise RuleViolation("已提交的成果不能修改，请先撤回 / withdraw a submitted result before editing")
    check_open_for_submissions(conference, now)


def check_can_submit(result, conference, now):
    if result["status"] == "submitted":
        raise RuleViolation("成果已提交 / already submitted")
    check_open_for_submissions(conference, now)
    check_steps(result["type"], result["steps"])


def check_can_withdraw(result, conference, now):
    if result["status"] != "submitted":
        raise RuleViolation("只能撤回已提交的成果 / only a submitted result can be withdrawn")
    check_open_for_submissions(conference, now)


def result_status(result, conference, now):
    """``locked`` is derived, not stored: a submitted result is locked once the grace period ends."""
    if result["status"] == "submitted" and is_locked(conference, now):
        return "locked"
    return result["status"]


# -- rounds, panels and conflicts ----------------------------------------------


def sheet_for(kind, group_type):
    code = PRESENTATION_SHEET if kind == PRESENTATION else SHEET_FOR_TYPE[group_type]
    return judging.get_builtin_sheet(code)


def conflict_entries(results, enterprises):
    """Judging entries from results, with the entrant's industry and group company from the projection."""
    entries = []
    for result in results:
        enterprise = enterprises.get(result["enterprise_id"]) or {}
        entries.append(judging.Entry(
            id=result["_id"], enterprise_id=result["enterprise_id"],
            division_code=result.get("division_code"), industry_code=enterprise.get("industry_code"),
            group_company=enterprise.get("group_company"),
        ))
    return entries


def conflict_judges(judges):
    return [
        judging.Judge(id=judge["_id"], employer_id=judge.get("employer_enterprise_id"),
                      division_code=judge.get("division_code"), expertise=judge.get("expertise") or (),
                      group_company=judge.get("group_company"))
        for judge in judges
    ]


def plan_round(kind, conference, results, enterprises, judges, declared, rules):
    """Panels for a new round: conflicts found, then ``judging.assign`` (min-cost flow)."""
    entries = conflict_entries(results, enterprises)
    pool = conflict_judges(judges)
    conflicts = judging.detect_conflicts(entries, pool, rules, declared=[
        (item["result_id"], item["judge_id"], item["reason"]) for item in declared
    ])
    k = min(conference["judges_per_entry"], len(pool))
    try:
        panels = judging.assign(entries, pool, k, conflicts)
    except judging.AssignmentError as error:
        raise RuleViolation(f"无法分配评审专家 / cannot assign judges: {error}")
    return {
        "panels": panels,
        "conflicts": [{"result_id": e, "judge_id": j, "reason": reason} for (e, j), reason in conflicts.items()],
        "entries": {
            result["_id"]: {"type": result["type"], "sheet": sheet_for(kind, result["type"]).code,
                            "sheet_version": sheet_for(kind, result["type"]).version}
            for result in results
        },
    }


def conflict_map(round_doc):
    return {(item["result_id"], item["judge_id"]): item["reason"] for item in round_doc["conflicts"]}


def check_judge_may_access(identity, round_doc, result_id):
    """A judge reaches an entry only when on its panel and not conflicted (403 otherwise)."""
    if result_id not in round_doc["entries"]:
        raise NotFound("该轮次没有此成果 / no such entry in this round")
    if identity.role == "organiser":
        return
    if identity.role != "judge":
        raise PermissionDenied("仅评审专家可评分 / judges only")
    if (result_id, identity.judge_id) in conflict_map(round_doc):
        raise PermissionDenied("您与该成果存在利益冲突，须回避 / you have a conflict of interest with this entry")
    if identity.judge_id not in round_doc["panels"].get(result_id, []):
        raise PermissionDenied("该成果未分配给您 / this entry is not assigned to you")


def check_round_open(round_doc):
    if round_doc["status"] != "open":
        raise RuleViolation("该评审轮次已关闭，评分已锁定 / the round is closed; its scores are locked",
                            {"round_id": ["closed"]})


def check_scores(round_doc, result_id, items):
    entry = round_doc["entries"][result_id]
    sheet = judging.get_builtin_sheet(entry["sheet"], entry["sheet_version"])
    try:
        return judging.validate_scores(sheet, items)
    except judging.ScoreError as error:
        raise ValidationFailed("评分有误 / invalid scores", {f"items.{code}": [message]
                                                             for code, message in error.fields.items()})


def override_panel(round_doc, result_id, add, remove, scored_judges):
    if result_id not in round_doc["entries"]:
        raise NotFound("该轮次没有此成果 / no such entry in this round")
    already = sorted(set(remove) & set(scored_judges))
    if already:
        raise RuleViolation(f"已评分的专家不能移除 / judges who have scored cannot be removed: {', '.join(already)}")
    try:
        return judging.apply_override(round_doc["panels"], result_id, add, remove,
                                      conflicts=conflict_map(round_doc))
    except judging.AssignmentError as error:
        raise RuleViolation(f"调整被拒绝 / override refused: {error}")


# -- leaderboard, shortlist, grades --------------------------------------------


def leaderboard(round_doc, conference, scores):
    """Aggregated score per entry in the conference's method, ranked, with disagreement flags."""
    matrix = {}
    for score in scores:
        matrix.setdefault(score["result_id"], {})[score["judge_id"]] = score["total"]
    if conference.get("normalise") and matrix:
        matrix = judging.normalise_by_judge(matrix, 100)
    aggregated, rows = {}, {}
    for result_id in round_doc["entries"]:
        given = matrix.get(result_id) or {}
        row = {"result_id": result_id, "scored": len(given),
               "assigned": len(round_doc["panels"].get(result_id, [])),
               "score": None, "range": None, "stdev": None, "flagged": False, "rank": None}
        if given:
            row["score"] = judging.aggregate(given, conference["aggregation"])
            row["range"], row["stdev"] = judging.disagreement(given)
            row["flagged"] = judging.needs_consensus(given, max_range=conference["disagreement_threshold"])
            aggregated[result_id] = row["score"]
        rows[result_id] = row
    for ranked in judging.rank(aggregated):
        rows[ranked.entry_id]["rank"] = ranked.rank
    ordered = sorted(rows.values(), key=lambda row: (row["rank"] is None, row["rank"] or 0, row["result_id"]))
    return ordered


def shortlist(board, top_n=None, threshold=None):
    """Entries for the live presentation: the best ``top_n`` ranks (ties come along) or every score >= threshold."""
    scored = [row for row in board if row["score"] is not None]
    if top_n is not None:
        return [row["result_id"] for row in scored if row["rank"] <= top_n]
    return [row["result_id"] for row in scored if row["score"] >= threshold]


def final_round(rounds):
    """Grades come from the last stage reached: the presentation round if the
    conference held one (its shortlist are the ones who presented), else the
    document review. Entries left off the shortlist get no grade."""
    by_kind = {round_doc["kind"]: round_doc for round_doc in rounds}
    return by_kind.get(PRESENTATION) or by_kind.get(DOCUMENT_REVIEW)


def grade(board, conference):
    rule = judging.rule_from_dict(conference["grading_rule"])
    scored = {row["result_id"]: row["score"] for row in board if row["score"] is not None}
    graded = judging.apply_rule(rule, judging.rank(scored))
    return [{"result_id": g.entry_id, "score": g.score, "rank": g.rank, "grade": g.grade} for g in graded]


# -- attachments ------------------------------------------------------------------

# Content types allowed on a result, with the leading bytes each file must start
# with, so a renamed executable cannot pass as a PDF.
_ZIP = (b"PK\x03\x04",)
ATTACHMENT_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _ZIP,
}
MAX_ATTACHMENTS = 10


def check_attachment(result, filename, content_type, content, max_bytes):
    fields = {}
    if content_type not in ATTACHMENT_TYPES:
        fields["content_type"] = [f"不支持的文件类型 / type not allowed: {content_type}; "
                                  f"allowed: {', '.join(sorted(ATTACHMENT_TYPES))}"]
    elif not content.startswith(ATTACHMENT_TYPES[content_type]):
        fields["file"] = [f"文件内容与类型不符 / the file's content is not {content_type}"]
    if not content:
        fields["file"] = ["文件为空 / the file is empty"]
    elif len(content) > max_bytes:
        fields["file"] = [f"文件超过 {max_bytes // (1024 * 1024)} MB / file larger than {max_bytes} bytes"]
    if not filename or len(filename) > 200 or "/" in filename or "\\" in filename:
        fields["filename"] = ["文件名无效 / invalid file name"]
    if fields:
        raise ValidationFailed("附件不符合要求 / attachment refused", fields)
    if len(result.get("attachments") or []) >= MAX_ATTACHMENTS:
        raise RuleViolation(f"每项成果最多 {MAX_ATTACHMENTS} 个附件 / at most {MAX_ATTACHMENTS} attachments")


def judge_may_read_result(identity, rounds, result_id):
    """A judge reads a result's files only through a round that assigns it to them, without a conflict."""
    for round_doc in rounds:
        if result_id not in round_doc["entries"]:
            continue
        if (result_id, identity.judge_id) in conflict_map(round_doc):
            return False
        if identity.judge_id in round_doc["panels"].get(result_id, []):
            return True
    return False
