"""The 2014 Quality Month: campaign, activities in several divisions, registrations
(one activity full, with a wait-list), a required-read notice to Xining, some reads,
and the statistics export under var/demo/."""
import os
import time
from datetime import UTC, datetime, timedelta

from deploy.demo.context import DEMO_DIR

YEAR = 2014
THEME = "追求卓越品质 建设质量强省"
NOTICE_TITLE = "关于开展2014年全省“质量月”活动的通知"
NOTICE_DOC_NUMBER = "青质监函〔2014〕56号"
NOTICE_BODY = """各市、州质量技术监督局，省质量月活动各成员单位：

按照国家质检总局等部门的统一部署，2014年9月在全省开展以“**追求卓越品质 建设质量强省**”为主题的质量月活动。

1. 组织质量论坛和QC小组成果发布会；
2. 开展工厂开放日和消费者日活动；
3. 各单位于9月30日前报送活动总结。

请各企业**认真阅读**并按要求参加。
"""
# Activities are dated from today so that enterprises can still register in the demo.
ACTIVITIES = [
    ("2014青海质量论坛", "forum", "省质监局", "630100", "西宁市青海会议中心", 40, 20),
    ("卓越绩效管理培训班", "training", "海西州质监局", "632800", "德令哈市质量技术培训中心", 30, 22),
    ("盐湖化工工厂开放日", "open_factory_day", "海东市质监局", "630200", "海东市乐都区工业园", 5, 25),
    ("3·15质量消费者日宣传", "consumer_day", "海南州质监局", "632500", "共和县文化广场", 60, 26),
    ("全省QC小组成果发布会", "qc_results_conference", "省质量协会", "630100", "西宁市会展中心", 80, 28),
]


def _iso(days, hours=0):
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


def _campaign(ctx, token):
    body = {"year": YEAR, "name": f"{YEAR}年全省质量月", "theme": THEME, "starts_on": f"{YEAR}-09-01",
            "ends_on": f"{YEAR}-09-30", "lead_department": "省质监局",
            "participating_departments": ["省经济和信息化委", "省商务厅", "省工商局", "省总工会", "团省委"],
            "description": "全省质量月活动，由省质监局牵头，各成员单位共同组织。"}
    response = ctx.call("POST", "/campaigns", token=token, json=body, expect=(201, 409))
    if response.status_code == 201:
        campaign = response.json()
    else:
        listed = ctx.call("GET", "/campaigns?page_size=100", token=token).json()["items"]
        campaign = next(item for item in listed if item["year"] == YEAR)
    for action, before in (("publish", "draft"), ("start", "published")):
        if campaign["status"] == before:
            campaign = ctx.call("POST", f"/campaigns/{campaign['id']}/transitions", token=token,
                                json={"action": action}).json()
    return campaign


def _activities(ctx, token, campaign):
    existing = ctx.call("GET", f"/activities?campaign_id={campaign['id']}&page_size=100", token=token).json()["items"]
    by_title = {item["title"]: item for item in existing}
    for title, kind, department, division, venue, capacity, days in ACTIVITIES:
        if title in by_title:
            continue
        by_title[title] = ctx.call("POST", f"/campaigns/{campaign['id']}/activities", token=token, json={
            "title": title, "kind": kind, "organising_department": department, "division_code": division,
            "venue": venue, "capacity": capacity, "starts_at": _iso(days), "ends_at": _iso(days, 4),
            "registration_deadline": _iso(days - 3)}).json()
    return [by_title[row[0]] for row in ACTIVITIES]


def _register(ctx, enterprise, activity):
    token = ctx.login(enterprise["contact_email"])
    response = ctx.call("POST", f"/activities/{activity['id']}/registrations", token=token, expect=(201, 409))
    return token, (response.json() if response.status_code == 201 else None)


def _notice(ctx, token, campaign):
    body = {"year": YEAR, "doc_number": NOTICE_DOC_NUMBER, "title": NOTICE_TITLE, "body": NOTICE_BODY,
            "audience": {"division_codes": ["630100"]}, "required_read": True, "campaign_id": campaign["id"],
            "translations": {"en": {"title": "Notice on the 2014 Provincial Quality Month",
                                    "body": "All enterprises in Xining: please take part; see the attached plan."}}}
    response = ctx.call("POST", "/notices", token=token, json=body, expect=(201, 409))
    if response.status_code == 409:
        listed = ctx.call("GET", f"/notices?year={YEAR}&page_size=200", token=token).json()["items"]
        return next(item for item in listed if item["doc_number"] == NOTICE_DOC_NUMBER)
    notice = response.json()
    ctx.call("POST", f"/notices/{notice['id']}/attachments?filename=2014质量月活动方案.txt", token=token,
             data="2014年全省质量月活动方案（附件）".encode(), headers={"Content-Type": "text/plain"})
    return notice


def _read_some(ctx, enterprises, share=0.6, wait_seconds=8):
    """Log in as Xining enterprises and read the notice in the inbox, if it arrives there."""
    readers = enterprises[: max(1, int(len(enterprises) * share))]
    read = 0
    deadline = time.monotonic() + wait_seconds
    for enterprise in readers:
        token = ctx.login(enterprise["contact_email"])
        message = None
        while message is None:
            items = ctx.call("GET", "/me/inbox?page_size=50", token=token).json()["items"]
            message = next((item for item in items if item.get("title") == NOTICE_TITLE), None)
            if message is None and time.monotonic() > deadline:
                return read, False
            if message is None:
                time.sleep(0.5)
        if not message.get("read"):
            ctx.call("POST", f"/me/inbox/{message['id']}/read", token=token)
        read += 1
    return read, True


def run(ctx):
    token = ctx.organiser_token()
    campaign = _campaign(ctx, token)
    activities = _activities(ctx, token, campaign)
    enterprises = ctx.state["enterprises"]
    by_division = {}
    for enterprise in enterprises:
        by_division.setdefault(enterprise["division_code"], []).append(enterprise)
    ctx.report(f"campaign {campaign['name']} 「{campaign['theme']}」: {campaign['status']}, "
               f"{len(activities)} activities in {len({a['division_code'] for a in activities})} divisions")

    registered = 0
    for activity in activities:
        if activity["kind"] == "open_factory_day":
            continue
        for enterprise in by_division.get(activity["division_code"], [])[:6]:
            _, registration = _register(ctx, enterprise, activity)
            registered += bool(registration)
    # The open-factory day has 5 seats: 8 Haidong enterprises ask, 3 wait; one confirmed cancels.
    full = next(a for a in activities if a["kind"] == "open_factory_day")
    first = None
    # On a second run the wait-list exists already; asking again would re-queue the one who cancelled.
    for enterprise in by_division.get("630200", [])[:8] if not full["seats_taken"] else []:
        enterprise_token, registration = _register(ctx, enterprise, full)
        if registration and registration["status"] == "confirmed" and first is None:
            first = (enterprise_token, registration)
    promoted = None
    if first:
        promoted = ctx.call("POST", f"/registrations/{first[1]['id']}/cancel", token=first[0]).json()
    forum = activities[0]
    for enterprise_id in ctx.call("GET", f"/activities/{forum['id']}/registrations?status=confirmed&page_size=4",
                                  token=token).json()["items"]:
        ctx.call("POST", f"/activities/{forum['id']}/check-ins", token=token,
                 json={"enterprise_id": enterprise_id["enterprise_id"]}, expect=(200, 422))
    notice = _notice(ctx, token, campaign)
    audience = ctx.call("GET", f"/notices/{notice['id']}/audience-count", token=token).json()["enterprises"]
    if notice["status"] == "draft":
        notice = ctx.call("POST", f"/notices/{notice['id']}/publish", token=token).json()
    ctx.report(f"notice {NOTICE_DOC_NUMBER} (required read) published to Xining: {audience} enterprises")
    read, delivered = _read_some(ctx, by_division.get("630100", []))
    if delivered:
        ctx.report(f"notice read by {read} Xining enterprises")
    else:
        ctx.report("notice reads skipped: the inbox does not show notices yet (notifications branch not merged)")

    stats = ctx.call("GET", f"/campaigns/{campaign['id']}/statistics", token=token).json()
    export = ctx.call("GET", f"/campaigns/{campaign['id']}/statistics.xlsx", token=token)
    path = os.path.join(DEMO_DIR, "campaign-stats.xlsx")
    with open(path, "wb") as handle:
        handle.write(export.content)
    totals = stats["totals"]
    full_row = next(row for row in stats["activities"] if row["id"] == full["id"])
    ctx.report(f"registrations: {registered} new in open activities; open-factory day full "
               f"({full_row['confirmed']}/{full_row['capacity']} seats) with {full_row['waitlisted']} on the wait-list"
               + (", first in line promoted after a cancellation"
                  if promoted and promoted.get("promoted_registration_id") else ""))
    rates = [n["read_stats"]["read_rate"] for n in stats["notices"] if n.get("read_stats")]
    ctx.report(f"statistics: {totals['confirmed']} confirmed, {totals['waitlisted']} waiting, "
               f"{totals['attended']} attended" + (f", notice read rate {rates[0]:.0%}" if rates else "")
               + f" → {os.path.relpath(path)}")
