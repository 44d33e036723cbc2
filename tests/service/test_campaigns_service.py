"""campaigns with real accounts on the real broker and store: every rule of issue 3
that does not need the notifications service."""
import base64
from datetime import timedelta

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import replace_dependencies

from services.accounts.service import AccountsService
from services.campaigns.service import CampaignsService
from shared.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from tests.campaigns_support import activity_body, call, campaign_body, enterprise, organiser_token


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, service_config("accounts"))
    container.start()
    return container


@pytest.fixture
def campaigns(container_factory, service_config):
    container = container_factory(CampaignsService, service_config("campaigns"))
    container.start()
    return container


@pytest.fixture
def organiser(accounts, mongo_uri, service_config):
    return organiser_token(accounts, mongo_uri, service_config("accounts"))


@pytest.fixture
def db(mongo_client, service_config):
    return mongo_client[service_config("campaigns")["MONGO_DATABASE"]]


def running_campaign(campaigns, organiser, **overrides):
    campaign = call(campaigns, "create_campaign", campaign_body(**overrides), token=organiser)
    call(campaigns, "transition_campaign", campaign["id"], {"action": "publish"}, token=organiser)
    return call(campaigns, "transition_campaign", campaign["id"], {"action": "start"}, token=organiser)


# -- campaigns ---------------------------------------------------------------------

def test_campaign_lifecycle_publishes_an_event_per_transition(campaigns, organiser, db):
    campaign = call(campaigns, "create_campaign", campaign_body(), token=organiser)
    assert campaign["status"] == "draft"
    assert campaign["participating_departments"] == ["省经济和信息化委", "省商务厅"]
    for action, state in (("publish", "published"), ("start", "running"), ("close", "closed")):
        campaign = call(campaigns, "transition_campaign", campaign["id"], {"action": action}, token=organiser)
        assert campaign["status"] == state
    events = [record["event_type"] for record in db.outbox.find().sort("created_at", 1)]
    assert events == ["campaign_published", "campaign_started", "campaign_closed"]
    assert [entry["to"] for entry in campaign["history"]] == ["published", "running", "closed"]


@pytest.mark.parametrize("done,action", [((), "start"), ((), "close"), (("publish",), "publish"),
                                          (("publish", "start", "close"), "start")])
def test_illegal_transitions_are_refused_and_publish_nothing(campaigns, organiser, db, done, action):
    campaign = call(campaigns, "create_campaign", campaign_body(), token=organiser)
    for step in done:
        call(campaigns, "transition_campaign", campaign["id"], {"action": step}, token=organiser)
    events_before = db.outbox.count_documents({})
    with pytest.raises(RuleViolation):
        call(campaigns, "transition_campaign", campaign["id"], {"action": action}, token=organiser)
    assert db.outbox.count_documents({}) == events_before


def test_one_campaign_per_year_and_valid_dates(campaigns, organiser):
    call(campaigns, "create_campaign", campaign_body(), token=organiser)
    with pytest.raises(Conflict) as raised:
        call(campaigns, "create_campaign", campaign_body(name="另一个"), token=organiser)
    assert "year" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        call(campaigns, "create_campaign", campaign_body(year=2015, ends_on="2015-08-01"), token=organiser)
    assert "ends_on" in raised.value.fields


def test_only_organisers_change_campaigns_and_closed_ones_are_read_only(accounts, campaigns, organiser):
    _, token = enterprise(accounts)
    with pytest.raises(PermissionDenied):
        call(campaigns, "create_campaign", campaign_body(), token=token)
    campaign = running_campaign(campaigns, organiser)
    with pytest.raises(PermissionDenied):
        call(campaigns, "transition_campaign", campaign["id"], {"action": "close"}, token=token)
    with pytest.raises(PermissionDenied):
        call(campaigns, "update_campaign", campaign["id"], {"theme": "x"}, token=token)
    changed = call(campaigns, "update_campaign", campaign["id"], {"theme": "质量第一"}, token=organiser)
    assert changed["theme"] == "质量第一" and changed["status"] == "running" and changed["year"] == 2014
    with pytest.raises(ValidationFailed):
        call(campaigns, "update_campaign", campaign["id"], {"ends_on": "2014-08-01"}, token=organiser)
    call(campaigns, "transition_campaign", campaign["id"], {"action": "close"}, token=organiser)
    with pytest.raises(RuleViolation):
        call(campaigns, "update_campaign", campaign["id"], {"theme": "新主题"}, token=organiser)
    with pytest.raises(RuleViolation):
        call(campaigns, "create_activity", campaign["id"], activity_body(), token=organiser)


def test_enterprises_never_see_draft_campaigns(accounts, campaigns, organiser):
    _, token = enterprise(accounts)
    draft = call(campaigns, "create_campaign", campaign_body(year=2015), token=organiser)
    running_campaign(campaigns, organiser)
    with pytest.raises(NotFound):
        call(campaigns, "get_campaign", draft["id"], token=token)
    listed = call(campaigns, "list_campaigns", {}, token=token)
    assert [item["year"] for item in listed["items"]] == [2014]
    assert call(campaigns, "list_campaigns", {}, token=organiser)["total"] == 2


# -- activities and registrations ---------------------------------------------------

def test_activity_fields_are_validated(campaigns, organiser):
    campaign = running_campaign(campaigns, organiser)
    bad = activity_body(kind="party", division_code="110000", capacity=0)
    with pytest.raises(ValidationFailed) as raised:
        call(campaigns, "create_activity", campaign["id"], bad, token=organiser)
    assert {"kind", "division_code", "capacity"} <= set(raised.value.fields)


def test_concurrent_registrations_never_exceed_capacity(accounts, campaigns, organiser, db, rabbit_config):
    campaign = running_campaign(campaigns, organiser)
    activity = call(campaigns, "create_activity", campaign["id"], activity_body(capacity=3), token=organiser)
    tokens = [enterprise(accounts)[1] for _ in range(10)]

    # Real RPC calls over the broker, all in flight at once (entrypoint_hook
    # cannot run parallel calls of one method): the service runs them in
    # concurrent workers.
    def register(token):
        with ServiceRpcProxy("campaigns", rabbit_config, context_data={"auth_token": token}) as proxy:
            return proxy.register_for_activity(activity["id"])

    pool = eventlet.GreenPool(10)
    results = list(pool.imap(register, tokens))
    assert len({result["enterprise_id"] for result in results}) == 10
    statuses = sorted(result["status"] for result in results)
    assert statuses.count("confirmed") == 3 and statuses.count("waitlisted") == 7
    assert db.activities.find_one({"_id": activity["id"]})["seats_taken"] == 3
    positions = sorted(result["position"] for result in results if result["status"] == "waitlisted")
    assert positions == list(range(1, 8))
    assert db.outbox.count_documents({"event_type": "activity_registration_confirmed"}) == 3


def test_wait_list_is_promoted_in_order_on_cancellation(accounts, campaigns, organiser, db):
    campaign = running_campaign(campaigns, organiser)
    activity = call(campaigns, "create_activity", campaign["id"], activity_body(capacity=1), token=organiser)
    people = [enterprise(accounts) for _ in range(4)]
    registrations = [call(campaigns, "register_for_activity", activity["id"], token=token) for _, token in people]
    assert [r["status"] for r in registrations] == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
    # The second on the wait-list leaves first: that must not change the order of the others.
    call(campaigns, "cancel_registration", registrations[2]["id"], token=people[2][1])
    cancelled = call(campaigns, "cancel_registration", registrations[0]["id"], token=people[0][1])
    assert cancelled["promoted_registration_id"] == registrations[1]["id"]
    cancelled = call(campaigns, "cancel_registration", registrations[1]["id"], token=people[1][1])
    assert cancelled["promoted_registration_id"] == registrations[3]["id"]
    listed = call(campaigns, "list_registrations", activity["id"], {"status": "confirmed"}, token=organiser)
    assert [item["id"] for item in listed["items"]] == [registrations[3]["id"]]
    assert db.activities.find_one({"_id": activity["id"]})["seats_taken"] == 1
    promoted = db.outbox.find({"event_type": "activity_registration_confirmed",
                               "envelope.payload.promoted_from_waitlist": True})
    assert [r["envelope"]["payload"]["registration_id"] for r in promoted.sort("created_at", 1)] == [
        registrations[1]["id"], registrations[3]["id"]]
    # The last confirmed seat freed with nobody waiting gives the seat back.
    call(campaigns, "cancel_registration", registrations[3]["id"], token=people[3][1])
    assert db.activities.find_one({"_id": activity["id"]})["seats_taken"] == 0


def test_registration_after_the_deadline_is_refused_clearly(accounts, campaigns, organiser, db):
    campaign = running_campaign(campaigns, organiser)
    activity = call(campaigns, "create_activity", campaign["id"], activity_body(deadline_in=timedelta(seconds=-1)),
                    token=organiser)
    _, token = enterprise(accounts)
    with pytest.raises(RuleViolation) as raised:
        call(campaigns, "register_for_activity", activity["id"], token=token)
    assert "截止" in raised.value.message and "registration closed" in raised.value.message
    assert "registration_deadline" in raised.value.fields
    assert db.registrations.count_documents({}) == 0


def test_registration_rules(accounts, campaigns, organiser):
    draft = call(campaigns, "create_campaign", campaign_body(year=2015), token=organiser)
    draft_activity = call(campaigns, "create_activity", draft["id"], activity_body(), token=organiser)
    campaign = running_campaign(campaigns, organiser)
    activity = call(campaigns, "create_activity", campaign["id"], activity_body(), token=organiser)
    (first, token), (_, other) = enterprise(accounts), enterprise(accounts)
    with pytest.raises(NotFound):  # a draft campaign's activity is invisible to enterprises
        call(campaigns, "register_for_activity", draft_activity["id"], token=token)
    with pytest.raises(PermissionDenied):
        call(campaigns, "register_for_activity", activity["id"], token=organiser)
    registration = call(campaigns, "register_for_activity", activity["id"], token=token)
    assert registration["division_code"] == first["division_code"]
    with pytest.raises(Conflict):
        call(campaigns, "register_for_activity", activity["id"], token=token)
    with pytest.raises(NotFound):  # another enterprise's registration
        call(campaigns, "cancel_registration", registration["id"], token=other)
    call(campaigns, "cancel_registration", registration["id"], token=token)
    with pytest.raises(RuleViolation):
        call(campaigns, "cancel_registration", registration["id"], token=token)
    again = call(campaigns, "register_for_activity", activity["id"], token=token)
    assert again["status"] == "confirmed" and again["id"] == registration["id"]
    mine = call(campaigns, "my_registrations", {}, token=token)
    assert mine["total"] == 1


def test_organisers_check_in_confirmed_registrations_only(accounts, campaigns, organiser):
    campaign = running_campaign(campaigns, organiser)
    activity = call(campaigns, "create_activity", campaign["id"], activity_body(capacity=1), token=organiser)
    (first, first_token), (second, second_token) = enterprise(accounts), enterprise(accounts)
    call(campaigns, "register_for_activity", activity["id"], token=first_token)
    call(campaigns, "register_for_activity", activity["id"], token=second_token)
    with pytest.raises(PermissionDenied):
        call(campaigns, "check_in", activity["id"], {"enterprise_id": first["id"]}, token=first_token)
    checked = call(campaigns, "check_in", activity["id"], {"enterprise_id": first["id"]}, token=organiser)
    assert checked["attended"] is True
    with pytest.raises(RuleViolation):  # wait-listed
        call(campaigns, "check_in", activity["id"], {"enterprise_id": second["id"]}, token=organiser)
    with pytest.raises(NotFound):
        call(campaigns, "check_in", activity["id"], {"enterprise_id": "nobody"}, token=organiser)


# -- notices -----------------------------------------------------------------------------

def notice_body(**overrides):
    body = {"year": 2014, "doc_number": "青质监函〔2014〕56号", "title": "关于开展2014年质量月活动的通知",
            "body": "各市州质监局：\n\n请**认真组织**。<script>alert('x')</script>\n\n[详情](javascript:alert(1))",
            "audience": {"division_codes": ["630100"]}, "required_read": True,
            "translations": {"en": {"title": "Quality Month 2014", "body": "Please *organise*."},
                             "bo": {"title": "༢༠༡༤ ལོའི་སྤུས་ཚད་ཟླ་བ།", "body": "བཀའ་རྒྱ།"}}}
    body.update(overrides)
    return body


def test_notice_markdown_is_rendered_and_sanitised(accounts, campaigns, organiser):
    _, token = enterprise(accounts)
    with pytest.raises(PermissionDenied):
        call(campaigns, "create_notice", notice_body(), token=token)
    notice = call(campaigns, "create_notice", notice_body(), token=organiser)
    html = notice["body_html"]["zh-CN"]
    assert "<strong>认真组织</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert notice["body_html"]["en"] == "<p>Please <em>organise</em>.</p>"
    assert set(notice["title"]) == {"zh-CN", "en", "bo"}


def test_doc_number_is_unique_per_year(campaigns, organiser):
    call(campaigns, "create_notice", notice_body(), token=organiser)
    with pytest.raises(Conflict) as raised:
        call(campaigns, "create_notice", notice_body(title="另一份"), token=organiser)
    assert "doc_number" in raised.value.fields
    call(campaigns, "create_notice", notice_body(year=2015), token=organiser)  # a new year starts again
    other = call(campaigns, "create_notice", notice_body(doc_number="青质监函〔2014〕57号"), token=organiser)
    with pytest.raises(Conflict):
        call(campaigns, "update_notice", other["id"], {"doc_number": "青质监函〔2014〕56号"}, token=organiser)


def test_publishing_emits_the_agreed_payload_once(campaigns, organiser, db):
    campaign = running_campaign(campaigns, organiser)
    notice = call(campaigns, "create_notice", notice_body(campaign_id=campaign["id"]), token=organiser)
    published = call(campaigns, "publish_notice", notice["id"], token=organiser)
    assert published["status"] == "published"
    record = db.outbox.find_one({"event_type": "notice_published"})
    payload = record["envelope"]["payload"]
    assert set(payload) == {"notice_id", "year", "doc_number", "title", "body_html", "audience", "required_read",
                            "published_at", "campaign_id"}
    assert payload["title"]["zh-CN"] == notice_body()["title"] and payload["title"]["bo"]
    assert payload["audience"]["division_codes"] == ["630100"] and payload["required_read"] is True
    assert payload["campaign_id"] == campaign["id"] and record["envelope"]["version"] == 1
    with pytest.raises(RuleViolation):
        call(campaigns, "publish_notice", notice["id"], token=organiser)
    with pytest.raises(RuleViolation):
        call(campaigns, "update_notice", notice["id"], {"title": "改"}, token=organiser)
    assert db.outbox.count_documents({"event_type": "notice_published"}) == 1


def test_audience_is_validated_and_never_empty(campaigns, organiser):
    with pytest.raises(ValidationFailed) as raised:
        call(campaigns, "create_notice", notice_body(audience={}), token=organiser)
    assert "audience" in raised.value.fields
    with pytest.raises(ValidationFailed):
        call(campaigns, "create_notice", notice_body(audience={"division_codes": ["110000"]}), token=organiser)


def test_attachments_have_a_type_allow_list_and_a_size_limit(container_factory, service_config, organiser):
    config = service_config("campaigns", NOTICE_ATTACHMENT_MAX_BYTES=1000, NOTICE_ATTACHMENT_MAX_COUNT=2)
    campaigns = container_factory(CampaignsService, config)
    campaigns.start()
    notice = call(campaigns, "create_notice", notice_body(), token=organiser)

    def attach(content, content_type="application/pdf", filename="方案.pdf"):
        return call(campaigns, "add_attachment", notice["id"], {
            "filename": filename, "content_type": content_type,
            "content_base64": base64.b64encode(content).decode()}, token=organiser)

    with pytest.raises(ValidationFailed) as raised:
        attach(b"MZ\x90\x00", "application/x-msdownload", "virus.exe")
    assert "content_type" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        attach(b"x" * 1001)
    assert "content" in raised.value.fields
    meta = attach(b"%PDF-1.4 " + b"x" * 900)
    attach(b"hello", "text/plain", "readme.txt")
    with pytest.raises(RuleViolation):
        attach(b"third", "text/plain", "third.txt")
    stored = call(campaigns, "get_attachment", notice["id"], meta["id"], token=organiser)
    assert base64.b64decode(stored["content_base64"]).startswith(b"%PDF-1.4")
    assert stored["filename"] == "方案.pdf"


def test_enterprises_outside_the_audience_never_see_the_notice(accounts, campaigns, organiser):
    (_, xining), (_, haixi) = enterprise(accounts, division_code="630100"), enterprise(accounts, division_code="632800")
    notice = call(campaigns, "create_notice", notice_body(), token=organiser)
    with pytest.raises(NotFound):  # drafts are the organisers' only
        call(campaigns, "get_notice", notice["id"], token=xining)
    call(campaigns, "publish_notice", notice["id"], token=organiser)
    assert call(campaigns, "get_notice", notice["id"], token=xining)["doc_number"] == notice["doc_number"]
    with pytest.raises(NotFound):
        call(campaigns, "get_notice", notice["id"], token=haixi)


def test_audience_preview_counts_enterprises_in_accounts(accounts, campaigns, organiser, rabbit_config):
    for division, industry, size in (("630100", "C", "large"), ("630100", "B", "small"),
                                     ("632800", "C", "small"), ("632300", "C", "micro")):
        enterprise(accounts, division_code=division, industry_code=industry, size=size)

    # Over the broker, not entrypoint_hook: campaigns also calls count_audience
    # on this container, and a hook waits for *any* worker of that method.
    def count(audience):
        with ServiceRpcProxy("accounts", rabbit_config, context_data={"auth_token": organiser}) as proxy:
            return proxy.count_audience(audience)["enterprises"]

    assert count({"everyone": True}) == 4
    notice = call(campaigns, "create_notice", notice_body(audience={"division_codes": ["630100"]}), token=organiser)
    assert call(campaigns, "notice_audience_count", notice["id"], token=organiser)["enterprises"] == 2
    assert count({"industry_codes": ["C"], "sizes": ["small"]}) == 1
    assert count({"division_codes": ["632800"], "enterprise_ids": []}) == 1
    assert count({"industry_codes": ["C"], "enterprise_ids": ["no-such-id"]}) == 3
    assert count({"roles": ["judge"]}) == 0
    with pytest.raises(ValidationFailed):
        count({})


# -- statistics ---------------------------------------------------------------------------

def test_statistics_by_division_and_industry_with_read_rates_injected(accounts, container_factory, service_config,
                                                                     organiser):
    # Read receipts belong to notifications: only that dependency is faked here
    # (the cross-service version is tests/integration/test_campaigns_notice_reads.py).
    campaigns = container_factory(CampaignsService, service_config("campaigns"))
    notifications = replace_dependencies(campaigns, "notifications")
    campaigns.start()
    campaign = running_campaign(campaigns, organiser)
    xining = call(campaigns, "create_activity", campaign["id"], activity_body(capacity=2), token=organiser)
    haixi = call(campaigns, "create_activity", campaign["id"], activity_body(
        capacity=5, division_code="632800", kind="training", title="质量管理培训"), token=organiser)
    people = [enterprise(accounts, industry_code=code) for code in ("C", "C", "B")]
    for (_, token) in people:
        call(campaigns, "register_for_activity", xining["id"], token=token)
    call(campaigns, "register_for_activity", haixi["id"], token=people[2][1])
    call(campaigns, "check_in", xining["id"], {"enterprise_id": people[0][0]["id"]}, token=organiser)
    notice = call(campaigns, "create_notice", notice_body(campaign_id=campaign["id"]), token=organiser)
    call(campaigns, "publish_notice", notice["id"], token=organiser)

    notifications.notice_read_stats.return_value = {
        "notice_id": notice["id"], "audience_total": 4, "read_total": 1, "read_rate": 0.25,
        "by_division": [{"division_code": "630100", "audience": 4, "read": 1, "read_rate": 0.25}]}
    stats = call(campaigns, "campaign_statistics", campaign["id"], token=organiser)

    assert stats["totals"] == {"activities": 2, "capacity": 7, "confirmed": 3, "waitlisted": 1, "cancelled": 0,
                               "attended": 1, "attendance_rate": 0.3333}
    by_division = {row["division_code"]: row for row in stats["by_division"]}
    assert by_division["630100"]["confirmed"] == 2 and by_division["630100"]["waitlisted"] == 1
    assert by_division["632800"]["confirmed"] == 1 and by_division["632800"]["division_name"] == "海西蒙古族藏族自治州"
    by_industry = {row["industry_code"]: row for row in stats["by_industry"]}
    assert by_industry["C"]["confirmed"] == 2 and by_industry["C"]["attended"] == 1
    assert by_industry["B"] == {**by_industry["B"], "confirmed": 1, "waitlisted": 1, "enterprises": 1}
    (notice_stats,) = stats["notices"]
    assert notice_stats["read_stats"]["read_rate"] == 0.25
    notifications.notice_read_stats.assert_called_once_with(notice["id"])

    from io import BytesIO

    from openpyxl import load_workbook
    exported = call(campaigns, "campaign_statistics_xlsx", campaign["id"], token=organiser)
    workbook = load_workbook(BytesIO(base64.b64decode(exported["content_base64"])))
    assert workbook.sheetnames == ["概况", "按地区", "按行业", "活动", "通知阅读"]
    assert [cell.value for cell in workbook["按地区"][1]][:3] == ["行政区划代码", "地区", "活动数"]
    assert workbook["通知阅读"]["F2"].value == 25.0
    with pytest.raises(PermissionDenied):
        call(campaigns, "campaign_statistics", campaign["id"], token=people[0][1])
