"""Email through a real SMTP server (aiosmtpd on loopback): content, audience, preferences."""
from tests.helpers import wait_until
from tests.notifications_support import enterprise, notice_payload, publish_notice, register_enterprise, wait_sent


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_required_notice_is_emailed_to_its_audience_only_with_chinese_intact(
        start_notifications, smtp_sink, notifications_db, rabbit_config, call):
    container = start_notifications()
    inside = [enterprise(1, "630102"), enterprise(2, "630100")]  # a county of Xining counts
    outside = enterprise(3, "632800")
    notifications_db.recipients.insert_many(inside + [outside])
    # Opting out does not stop a required-read notice.
    call(container, "update_preferences", {"settings": {"notice": {"email": False}}}, user=inside[0])

    publish_notice(rabbit_config["AMQP_URI"], notice_payload(audience={"division_codes": ["630100"]},
                                                             required_read=True))
    wait_sent(notifications_db, "n1", 2)
    received = smtp_sink.messages()
    assert sorted(r["rcpt_tos"][0] for r in received) == ["contact1@example.cn", "contact2@example.cn"]
    message = received[0]["message"]
    assert message["Subject"] == "【必读】关于开展2026年“质量月”活动的通知（青质〔2026〕8号）"
    assert message["From"] == "noreply@qhzl.example.cn"
    assert message["To"] == received[0]["rcpt_tos"][0]
    text, html = parts(message)
    assert "各市州：请按要求组织开展质量月活动。" in text and "<p>" not in text
    assert "<p>各市州：请按要求组织开展质量月活动。</p>" in html
    assert "本通知为必读通知" in text

    progress = call(container, "broadcast_progress", "n1")
    assert progress["channels"]["email"] == {"total": 2, "sent": 2, "failed": 0, "read": 0, "queued": 0}
    log = call(container, "delivery_log", "n1", {"channel": "email"})
    assert log["total"] == 2 and {row["status"] for row in log["items"]} == {"sent"}


def test_an_ordinary_notice_is_emailed_only_to_those_who_opted_in(
        start_notifications, smtp_sink, notifications_db, rabbit_config, call):
    container = start_notifications()
    people = [enterprise(n) for n in range(1, 4)]
    notifications_db.recipients.insert_many(people)
    call(container, "update_preferences", {"settings": {"notice": {"email": True}}, "locale": "en"},
         user=people[1])
    publish_notice(rabbit_config["AMQP_URI"], notice_payload())
    wait_sent(notifications_db, "n1", 1)
    (only,) = smtp_sink.messages()
    assert only["rcpt_tos"] == ["contact2@example.cn"]
    assert only["message"]["Subject"] == "Quality Month 2026 (青质〔2026〕8号)"  # the locale they chose
    assert "Quality Month" in parts(only["message"])[0]


def test_registration_sends_a_welcome_email_unless_email_is_disabled(
        start_notifications, smtp_sink, notifications_db, rabbit_config):
    start_notifications()
    register_enterprise(rabbit_config["AMQP_URI"], enterprise(7))
    (welcome,) = wait_until(smtp_sink.messages, message="welcome email")
    assert welcome["message"]["Subject"] == "欢迎加入青海省质量工作平台 — 青海测试企业7有限公司"
    assert notifications_db.recipients.find_one({"_id": "u7"})["division_scope"] == ["630100"]


def test_with_smtp_host_empty_no_email_is_queued(start_notifications, notifications_db, rabbit_config):
    start_notifications(SMTP_HOST="")
    register_enterprise(rabbit_config["AMQP_URI"], enterprise(8))
    wait_until(lambda: notifications_db.messages.count_documents({}) == 1, message="welcome message")
    assert notifications_db.send_chunks.count_documents({"channel": "email"}) == 0
