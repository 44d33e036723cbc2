"""Redelivered events send nothing twice; failures retry, dead-letter, and can be re-sent."""
import time

from tests.helpers import wait_until
from tests.notifications_support import enterprise, notice_payload, publish_grades, publish_notice, wait_sent


def test_a_redelivered_notice_sends_one_email_per_recipient(
        start_notifications, smtp_sink, notifications_db, rabbit_config):
    start_notifications()
    notifications_db.recipients.insert_many([enterprise(1), enterprise(2)])
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(required_read=True), times=3)
    wait_sent(notifications_db, "n1", 2)
    wait_until(lambda: notifications_db.processed_events.count_documents({}) == 1, message="marker")
    time.sleep(1.0)  # the two duplicates must have been consumed and changed nothing
    assert len(smtp_sink.messages()) == 2
    assert notifications_db.notices.count_documents({}) == 1
    assert notifications_db.fanouts.count_documents({"channel": "email"}) == 1


def test_redelivered_grades_make_one_message_and_one_email(
        start_notifications, smtp_sink, notifications_db, rabbit_config):
    start_notifications()
    notifications_db.recipients.insert_many([enterprise(1), enterprise(2)])
    envelope = publish_grades(rabbit_config["AMQP_URI"], [
        {"result_id": "r1", "enterprise_id": "e1", "group_name": "攻关QC小组", "title": "降低能耗",
         "score": 92.0, "rank": 1, "grade": "一等奖"},
        {"result_id": "r2", "enterprise_id": "e2", "group_name": "创新QC小组", "title": "提高合格率",
         "score": 85.5, "rank": 2, "grade": "二等奖"}], times=3)
    wait_sent(notifications_db, envelope["event_id"], 2)
    time.sleep(1.0)
    assert notifications_db.messages.count_documents({}) == 2
    received = {r["rcpt_tos"][0]: r["message"] for r in smtp_sink.messages()}
    assert len(received) == 2 and len(smtp_sink.messages()) == 2
    # Each enterprise gets its own result only.
    assert "一等奖" in received["contact1@example.cn"]["Subject"]
    assert "创新QC小组" not in received["contact1@example.cn"].get_body(("plain",)).get_content()
    assert "85.5" in received["contact2@example.cn"].get_body(("html",)).get_content()


def test_a_failing_recipient_is_retried_then_dead_lettered_then_resent(
        start_notifications, smtp_sink, notifications_db, rabbit_config, call):
    container = start_notifications(SEND_MAX_ATTEMPTS=3)
    notifications_db.recipients.insert_many([enterprise(1), enterprise(2)])
    smtp_sink.reject("contact2@example.cn")
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(required_read=True))

    dead = wait_until(lambda: call(container, "list_dead_letters", {"notice_id": "n1"})["items"],
                      message="a dead letter")
    assert [(d["user_id"], d["attempts"], d["channel"]) for d in dead] == [("u2", 3, "email")]
    assert "550" in dead[0]["reason"]
    chunks = list(notifications_db.send_chunks.find({"source_id": "n1"}).sort("created_at", 1))
    assert [c["kind"] for c in chunks] == ["initial", "retry", "retry"]  # three attempts
    delays = [(b["available_at"] - a["finished_at"]).total_seconds()
              for a, b in zip(chunks, chunks[1:], strict=False)]
    assert delays[1] > delays[0] * 1.5  # exponential backoff
    log = {row["user_id"]: row for row in call(container, "delivery_log", "n1", {})["items"]}
    assert log["u1"]["status"] == "sent" and log["u2"]["status"] == "failed" and log["u2"]["dead"]
    assert "550" in log["u2"]["reason"]
    progress = call(container, "broadcast_progress", "n1")["channels"]["email"]
    assert progress == {"total": 2, "sent": 1, "failed": 1, "read": 0, "queued": 0}

    smtp_sink.reject()  # the mailbox works again
    assert call(container, "resend_dead_letters", {"notice_id": "n1"}) == {"resent": 1}
    wait_until(lambda: len(smtp_sink.messages()) == 2, message="re-sent email")
    assert sorted(r["rcpt_tos"][0] for r in smtp_sink.messages()) == ["contact1@example.cn", "contact2@example.cn"]
    assert call(container, "list_dead_letters", {})["total"] == 0
    wait_until(lambda: call(container, "broadcast_progress", "n1")["channels"]["email"]["sent"] == 2)
    assert call(container, "delivery_log", "n1", {"user_id": "u2"})["items"][0]["status"] == "sent"


def test_two_instances_share_the_send_queue_and_send_each_email_once(
        start_notifications, smtp_sink, notifications_db, rabbit_config):
    # Rate-limited so that one instance alone would take over a second: the other must join in.
    start_notifications(SEND_BATCH_SIZE=10, SENDER_THREADS=1, EMAIL_RATE_LIMIT=100)
    start_notifications(SEND_BATCH_SIZE=10, SENDER_THREADS=1, EMAIL_RATE_LIMIT=100)
    notifications_db.recipients.insert_many([enterprise(n) for n in range(120)])
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(required_read=True))
    wait_sent(notifications_db, "n1", 120, timeout=30)
    recipients = [r["rcpt_tos"][0] for r in smtp_sink.messages()]
    assert len(recipients) == 120 and len(set(recipients)) == 120
    claimers = notifications_db.send_chunks.distinct("claimed_by")
    assert len(claimers) == 2


def test_a_lease_is_renewed_while_a_slow_batch_is_sent(start_notifications, smtp_sink, notifications_db,
                                                        rabbit_config):
    # 45 messages at 10/s take 4 s, longer than the 2.5 s lease: without renewal the
    # other instance would reclaim the chunk and send it again.
    start_notifications(SEND_LEASE_SECONDS=2.5, EMAIL_RATE_LIMIT=10, SENDER_THREADS=1)
    start_notifications(SEND_LEASE_SECONDS=2.5, EMAIL_RATE_LIMIT=10, SENDER_THREADS=1)
    notifications_db.recipients.insert_many([enterprise(n) for n in range(45)])
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(required_read=True))
    wait_sent(notifications_db, "n1", 45, timeout=20)
    assert len(smtp_sink.messages()) == 45
    assert notifications_db.send_chunks.find_one({})["claims"] == 1
