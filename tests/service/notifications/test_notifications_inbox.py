"""In-app inbox: fan-out on read, audience targeting, ordering, reads and the organiser's read figures."""
import pytest

from services.accounts.events import JUDGE_REGISTERED
from shared.errors import NotFound, PermissionDenied, ValidationFailed
from shared.events import make_event
from tests.helpers import publish_raw, wait_until
from tests.notifications_support import (
    enterprise,
    notice_payload,
    publish_grades,
    publish_notice,
)


@pytest.fixture
def people(notifications_db):
    recipients = [enterprise(1, "630102", "C", "small"), enterprise(2, "630100", "B", "large"),
                  enterprise(3, "632800", "C", "medium")]
    notifications_db.recipients.insert_many(recipients)
    return recipients


def inbox(call, container, user, **query):
    return call(container, "list_inbox", query, user=user)


def test_a_notice_is_stored_once_and_only_its_audience_sees_it(
        start_notifications, people, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_GATEWAY_URL="")
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(audience={"division_codes": ["630100"]}))
    wait_until(lambda: notifications_db.notices.count_documents({}) == 1, message="notice stored")
    assert notifications_db.messages.count_documents({}) == 0  # no per-recipient copies

    for insider in people[:2]:
        page = inbox(call, container, insider)
        assert page["total"] == 1 and page["unread"] == 1
        assert page["items"][0]["title"] == "关于开展2026年“质量月”活动的通知"
        assert page["items"][0]["kind"] == "notice"
    outsider = inbox(call, container, people[2])
    assert outsider["total"] == 0 and outsider["items"] == []
    with pytest.raises(NotFound):  # nor can it mark it read
        call(container, "mark_read", "n1", user=people[2])

    english = inbox(call, container, people[0], locale="en")
    assert english["items"][0]["title"] == "Quality Month 2026"


def test_required_reading_first_then_newest_with_reads_and_pages(
        start_notifications, people, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_GATEWAY_URL="")
    amqp = rabbit_config["AMQP_URI"]
    publish_notice(amqp, {**notice_payload("old-required", required_read=True),
                          "published_at": "2026-01-01T08:00:00+08:00"})
    publish_notice(amqp, {**notice_payload("newer"), "published_at": "2026-06-01T08:00:00+08:00"})
    publish_grades(amqp, [{"result_id": "r1", "enterprise_id": "e1", "group_name": "攻关QC小组",
                           "title": "降低能耗", "score": 92.0, "rank": 1, "grade": "一等奖"}])
    wait_until(lambda: notifications_db.notices.count_documents({}) == 2
               and notifications_db.messages.count_documents({}) == 1, message="two notices and a result")

    page = inbox(call, container, people[0])
    # Required reading first although oldest; then the result (arrived now), then the June notice.
    assert [item["kind"] for item in page["items"]] == ["notice", "message", "notice"]
    assert [page["items"][0]["id"], page["items"][2]["id"]] == ["old-required", "newer"]
    assert page["items"][1]["title"] == "QC小组成果评定结果：攻关QC小组 获一等奖"
    assert page["items"][0]["required_read"] and page["total"] == 3 and page["unread"] == 3

    second = inbox(call, container, people[0], page=2, page_size=2)
    assert [item["id"] for item in second["items"]] == ["newer"] and second["total"] == 3

    call(container, "mark_read", "old-required", user=people[0])
    call(container, "mark_read", "old-required", user=people[0])  # twice counts once
    call(container, "mark_read", page["items"][1]["id"], user=people[0])
    after = inbox(call, container, people[0])
    assert after["unread"] == 1
    assert [item["id"] for item in inbox(call, container, people[0], unread_only=True)["items"]] == ["newer"]
    # Another enterprise's result is not visible, and not markable.
    assert inbox(call, container, people[1])["total"] == 2
    with pytest.raises(NotFound):
        call(container, "mark_read", page["items"][1]["id"], user=people[1])


def test_read_figures_for_the_organiser(start_notifications, people, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_GATEWAY_URL="")
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(audience={"everyone": True}, required_read=True))
    wait_until(lambda: notifications_db.notices.count_documents({}) == 1, message="notice")
    call(container, "mark_read", "n1", user=people[0])

    stats = call(container, "notice_read_stats", "n1")
    assert stats["audience_total"] == 3 and stats["read_total"] == 1 and stats["read_rate"] == pytest.approx(0.3333)
    by_division = {row["division_code"]: row for row in stats["by_division"]}
    assert by_division["630102"] == {"division_code": "630102", "audience": 1, "read": 1, "read_rate": 1.0}
    assert by_division["632800"]["read"] == 0

    unread = call(container, "list_unread_recipients", "n1", {})
    assert unread["total"] == 2 and {item["enterprise_id"] for item in unread["items"]} == {"e2", "e3"}
    xining = call(container, "list_unread_recipients", "n1", {"division_code": "630100"})
    assert [item["enterprise_id"] for item in xining["items"]] == ["e2"]
    assert xining["items"][0]["email"] == "contact2@example.cn"
    paged = call(container, "list_unread_recipients", "n1", {"page": 2, "page_size": 1})
    assert paged["total"] == 2 and len(paged["items"]) == 1 and paged["page"] == 2

    progress = call(container, "broadcast_progress", "n1")
    assert progress["channels"]["inbox"] == {"total": 3, "sent": 3, "failed": 0, "read": 1, "queued": 0}

    with pytest.raises(PermissionDenied):
        call(container, "notice_read_stats", "n1", user=people[0])
    with pytest.raises(NotFound):
        call(container, "broadcast_progress", "no-such-notice")


def test_judges_are_reached_only_when_the_audience_names_them(
        start_notifications, people, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_GATEWAY_URL="")
    # The judge reaches the projection through accounts' own event.
    publish_raw(rabbit_config["AMQP_URI"], "accounts.events", "judge_registered", make_event(
        JUDGE_REGISTERED, "accounts", {"judge_id": "J1", "user_id": "j-user", "name": "评审专家",
                                       "email": "judge@example.cn", "expertise": ["qc"], "division_code": "630100"}))
    judge = wait_until(lambda: notifications_db.recipients.find_one({"_id": "j-user"}), message="judge projected")
    assert judge["role"] == "judge" and judge["email"] == "judge@example.cn"
    publish_notice(rabbit_config["AMQP_URI"], notice_payload("all-ent", audience={"everyone": True}))
    publish_notice(rabbit_config["AMQP_URI"], notice_payload("judges", audience={"roles": ["judge"]}))
    wait_until(lambda: notifications_db.notices.count_documents({}) == 2, message="notices")
    assert [i["id"] for i in inbox(call, container, judge)["items"]] == ["judges"]
    assert [i["id"] for i in inbox(call, container, people[0])["items"]] == ["all-ent"]
    assert call(container, "notice_read_stats", "judges")["audience_total"] == 1


def test_preferences_round_trip_and_validation(start_notifications, people, call):
    container = start_notifications(SMTP_HOST="", SMS_GATEWAY_URL="")
    defaults = call(container, "get_preferences", user=people[0])
    assert defaults["settings"]["qc"] == {"email": True, "sms": False} and defaults["locale"] == "zh-CN"
    saved = call(container, "update_preferences", {"settings": {"qc": {"sms": True}}, "phone": "13800000000"},
                 user=people[0])
    assert saved["settings"]["qc"] == {"email": True, "sms": True} and saved["phone"] == "13800000000"
    with pytest.raises(ValidationFailed) as raised:
        call(container, "update_preferences", {"settings": {"nonsense": {"email": True}}, "phone": "12"},
             user=people[0])
    assert set(raised.value.fields) == {"settings", "phone"}
