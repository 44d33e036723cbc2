"""Campaign rules: state machines, registration windows, notices, statistics. No I/O."""
import uuid
from collections import defaultdict

import bleach
import markdown

from shared.errors import NotFound, RuleViolation, ValidationFailed
from shared.standards import division_name, industry_name, is_industry_section, section_of

DRAFT, PUBLISHED, RUNNING, CLOSED = "draft", "published", "running", "closed"
CAMPAIGN_STATES = (DRAFT, PUBLISHED, RUNNING, CLOSED)
# action: (from, to, event name)
CAMPAIGN_TRANSITIONS = {
    "publish": (DRAFT, PUBLISHED, "campaign_published"),
    "start": (PUBLISHED, RUNNING, "campaign_started"),
    "close": (RUNNING, CLOSED, "campaign_closed"),
}
STATE_NAMES = {DRAFT: "草稿", PUBLISHED: "已发布", RUNNING: "进行中", CLOSED: "已结束"}

ACTIVITY_KINDS = ("forum", "training", "open_factory_day", "consumer_day", "qc_results_conference",
                  "skills_contest", "other")
KIND_NAMES = {"forum": "论坛", "training": "培训", "open_factory_day": "工厂开放日", "consumer_day": "消费者日",
              "qc_results_conference": "QC成果发布会", "skills_contest": "技能竞赛", "other": "其他"}

CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"
ACTIVE_REGISTRATION = (CONFIRMED, WAITLISTED)

NOTICE_DRAFT, NOTICE_PUBLISHED = "draft", "published"
NOTICE_LOCALES = ("zh-CN", "en", "bo")

ALLOWED_TAGS = ["p", "br", "hr", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote", "code", "pre",
                "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td"]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]
ATTACHMENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png",
    "image/jpeg",
    "text/plain",
)


def new_id():
    return uuid.uuid4().hex


# -- campaigns -----------------------------------------------------------------

def new_campaign(data, user_id, now):
    return {"_id": new_id(), **data, "status": DRAFT, "created_by": user_id, "created_at": now,
            "updated_at": now, "history": []}


def transition(campaign, action, now):
    """The campaign's next state for ``action``, or 422 for an illegal move."""
    if action not in CAMPAIGN_TRANSITIONS:
        raise ValidationFailed("未知操作 / unknown action", {"action": [f"one of {', '.join(CAMPAIGN_TRANSITIONS)}"]})
    source, target, event_name = CAMPAIGN_TRANSITIONS[action]
    if campaign["status"] != source:
        raise RuleViolation(
            f"活动月状态为“{STATE_NAMES[campaign['status']]}”，不能执行该操作 / "
            f"cannot {action} a campaign that is {campaign['status']}",
            {"status": [f"expected {source}, is {campaign['status']}"]})
    return target, event_name


def check_writable(campaign):
    if campaign["status"] == CLOSED:
        raise RuleViolation("活动月已结束，只读 / the campaign is closed and read-only",
                            {"status": ["closed"]})


def check_dates(data, starts="starts_on", ends="ends_on"):
    if data.get(starts) and data.get(ends) and data[ends] < data[starts]:
        raise ValidationFailed("结束日期早于开始日期 / ends before it starts", {ends: ["before start"]})


# -- activities and registrations ---------------------------------------------

def new_activity(campaign, data, now):
    return {"_id": new_id(), "campaign_id": campaign["_id"], "year": campaign["year"], **data,
            "seats_taken": 0, "waitlist_seq": 0, "created_at": now}


def check_activity_times(data):
    if data["ends_at"] < data["starts_at"]:
        raise ValidationFailed("结束时间早于开始时间 / ends before it starts", {"ends_at": ["before starts_at"]})
    if data["registration_deadline"] > data["starts_at"]:
        raise ValidationFailed("报名截止时间须早于活动开始 / the deadline must be before the start",
                               {"registration_deadline": ["after starts_at"]})


def check_registration_open(campaign, activity, now):
    if campaign["status"] not in (PUBLISHED, RUNNING):
        raise RuleViolation("活动月尚未发布或已结束，不能报名 / registration is not open for this campaign",
                            {"campaign": [campaign["status"]]})
    deadline = activity["registration_deadline"]
    if now > deadline:
        raise RuleViolation(
            f"报名已于 {deadline:%Y-%m-%d %H:%M} (UTC) 截止 / registration closed at {deadline.isoformat()}",
            {"registration_deadline": [deadline.isoformat()]})


def check_cancellable(activity, now):
    if now >= activity["starts_at"]:
        raise RuleViolation("活动已开始，不能取消报名 / the activity has started; cancellation is closed",
                            {"starts_at": [activity["starts_at"].isoformat()]})


def new_registration(activity, enterprise, now):
    return {
        "_id": new_id(), "activity_id": activity["_id"], "campaign_id": activity["campaign_id"],
        "enterprise_id": enterprise["id"], "enterprise_name": enterprise.get("name"),
        "division_code": enterprise.get("division_code"), "industry_code": enterprise.get("industry_code"),
        "status": None, "position": None, "attended": False, "registered_at": now,
    }


def check_can_check_in(registration):
    if registration is None:
        raise NotFound("该企业未报名此活动 / this enterprise has not registered")
    if registration["status"] != CONFIRMED:
        raise RuleViolation("只有已确认的报名可以签到 / only confirmed registrations can check in",
                            {"status": [registration["status"]]})


def check_own_registration(identity, registration):
    if registration is None or (identity.role == "enterprise"
                                and registration["enterprise_id"] != identity.enterprise_id):
        raise NotFound("报名不存在 / registration not found")


# -- notices -------------------------------------------------------------------

def render_markdown(text):
    """Markdown to HTML a browser can show safely: unknown tags and attributes stripped."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        protocols=ALLOWED_PROTOCOLS, strip=True)


def localised_notice_text(data):
    """title and body (Markdown) per locale: zh-CN from the notice, others from translations."""
    titles, bodies = {"zh-CN": data["title"]}, {"zh-CN": data["body"]}
    for locale, translation in (data.get("translations") or {}).items():
        titles[locale] = translation["title"]
        bodies[locale] = translation["body"]
    return titles, bodies


def new_notice(data, user_id, now):
    titles, bodies = localised_notice_text(data)
    return {
        "_id": new_id(), "year": data["year"], "doc_number": data["doc_number"], "campaign_id": data.get("campaign_id"),
        "title": titles, "body_markdown": bodies,
        "body_html": {locale: render_markdown(text) for locale, text in bodies.items()},
        "audience": data["audience"], "required_read": data["required_read"], "status": NOTICE_DRAFT,
        "attachments": [], "created_by": user_id, "created_at": now, "updated_at": now, "published_at": None,
    }


def check_notice_draft(notice):
    if notice["status"] != NOTICE_DRAFT:
        raise RuleViolation("通知已发布，不能修改 / the notice is published and can no longer change",
                            {"status": [notice["status"]]})


def check_attachment(content_type, size, max_bytes, count, max_count):
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationFailed("不允许的附件类型 / attachment type not allowed",
                               {"content_type": [f"allowed: {', '.join(ATTACHMENT_TYPES)}"]})
    if size == 0:
        raise ValidationFailed("附件为空 / the attachment is empty", {"content": ["empty"]})
    if size > max_bytes:
        raise ValidationFailed(f"附件超过 {max_bytes // 1024} KB / the attachment exceeds {max_bytes} bytes",
                               {"content": [f"{size} > {max_bytes} bytes"]})
    if count >= max_count:
        raise RuleViolation(f"每份通知最多 {max_count} 个附件 / at most {max_count} attachments",
                            {"attachments": [str(count)]})


def notice_visible_to(identity, notice, recipient, matches):
    """Organisers see every notice; others only published ones in their audience."""
    if identity.role == "organiser":
        return True
    return notice["status"] == NOTICE_PUBLISHED and recipient is not None and matches(notice["audience"], recipient)


# -- statistics ----------------------------------------------------------------

def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def campaign_statistics(campaign, activities, registrations, notice_stats):
    """Counts per campaign, per division and per industry section.

    ``notice_stats`` is a list of {notice_id, doc_number, title, read_stats}
    where read_stats is the notifications service's answer (or None when it
    could not be had).
    """
    activity_by_id = {activity["_id"]: activity for activity in activities}
    totals = {"activities": len(activities), "capacity": sum(a["capacity"] for a in activities),
              "confirmed": 0, "waitlisted": 0, "cancelled": 0, "attended": 0}
    by_kind = defaultdict(int)
    for activity in activities:
        by_kind[activity["kind"]] += 1
    divisions = defaultdict(lambda: {"activities": 0, "capacity": 0, "confirmed": 0, "waitlisted": 0,
                                     "attended": 0})
    industries = defaultdict(lambda: {"confirmed": 0, "waitlisted": 0, "attended": 0, "enterprises": set()})
    per_activity = {a["_id"]: {"confirmed": 0, "waitlisted": 0, "attended": 0} for a in activities}
    for activity in activities:
        divisions[activity["division_code"]]["activities"] += 1
        divisions[activity["division_code"]]["capacity"] += activity["capacity"]
    for registration in registrations:
        status = registration["status"]
        totals[status] += 1
        activity = activity_by_id.get(registration["activity_id"])
        section = _section(registration.get("industry_code"))
        if status == CANCELLED or activity is None:
            continue
        division = divisions[activity["division_code"]]
        division[status] += 1
        industries[section][status] += 1
        per_activity[activity["_id"]][status] += 1
        if status == CONFIRMED:
            industries[section]["enterprises"].add(registration["enterprise_id"])
        if registration.get("attended"):
            totals["attended"] += 1
            division["attended"] += 1
            industries[section]["attended"] += 1
            per_activity[activity["_id"]]["attended"] += 1
    totals["attendance_rate"] = _rate(totals["attended"], totals["confirmed"])
    return {
        "campaign": {"id": campaign["_id"], "year": campaign["year"], "name": campaign["name"],
                     "theme": campaign["theme"], "status": campaign["status"]},
        "totals": totals,
        "by_kind": [{"kind": kind, "kind_name": KIND_NAMES[kind], "activities": count}
                    for kind, count in sorted(by_kind.items())],
        "by_division": [{"division_code": code, "division_name": _division_name(code), **values,
                         "attendance_rate": _rate(values["attended"], values["confirmed"])}
                        for code, values in sorted(divisions.items())],
        "by_industry": [{"industry_code": code, "industry_name": _industry_name(code),
                         "confirmed": values["confirmed"], "waitlisted": values["waitlisted"],
                         "attended": values["attended"], "enterprises": len(values["enterprises"])}
                        for code, values in sorted(industries.items())],
        "activities": [{"id": a["_id"], "title": a["title"], "kind": a["kind"], "division_code": a["division_code"],
                        "capacity": a["capacity"], **per_activity[a["_id"]]}
                       for a in sorted(activities, key=lambda a: (a["starts_at"], a["_id"]))],
        "notices": notice_stats,
    }


def _section(industry_code):
    if is_industry_section(industry_code or ""):
        return industry_code
    return section_of(industry_code or "") or "?"


def _division_name(code):
    try:
        return division_name(code)
    except KeyError:
        return code


def _industry_name(code):
    try:
        return industry_name(code)
    except KeyError:
        return code
