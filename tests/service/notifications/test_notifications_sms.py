"""SMS through an HTTP gateway (a local receiver): payload, length rules, rate limit, failures."""
from tests.helpers import wait_until
from tests.notifications_support import enterprise, notice_payload, publish_grades, publish_notice, wait_sent

GRADE = {"result_id": "r1", "enterprise_id": "e1", "group_name": "攻关QC小组", "title": "降低能耗",
         "score": 92.0, "rank": 1, "grade": "一等奖"}


def with_phones(container, call, people):
    for n, person in enumerate(people):
        call(container, "update_preferences", {"settings": {"qc": {"sms": True}}, "phone": f"1380000{n:04d}"},
             user=person)


def test_an_opted_in_user_gets_the_result_by_sms(start_notifications, sms_receiver, notifications_db,
                                                 rabbit_config, call):
    container = start_notifications(SMTP_HOST="")
    person = enterprise(1)
    notifications_db.recipients.insert_one(person)
    with_phones(container, call, [person])
    publish_grades(rabbit_config["AMQP_URI"], [GRADE])
    (request,) = wait_until(lambda: sms_receiver.requests, message="an SMS")
    assert request["content_type"] == "application/json"
    text = "【青海质量】攻关QC小组的成果“降低能耗”在2026年青海省QC小组成果发表会获一等奖（第1名）。"
    assert request["body"] == {"to": "13800000000", "text": text}


def test_a_long_sms_is_split_by_rule_and_the_payload_template_is_configurable(
        start_notifications, sms_receiver, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_MAX_LENGTH=40, SMS_CONTENT_TYPE="text/plain",
                                    SMS_PAYLOAD_TEMPLATE="{{ to }}|{{ part }}/{{ parts }}|{{ text }}")
    person = enterprise(1)
    notifications_db.recipients.insert_one(person)
    with_phones(container, call, [person])
    publish_grades(rabbit_config["AMQP_URI"], [GRADE])
    wait_until(lambda: len(sms_receiver.requests) == 2, message="two parts")
    first, second = (r["raw"].split("|", 2) for r in sms_receiver.requests)
    assert first[:2] == ["13800000000", "1/2"] and second[1] == "2/2"
    assert all(len(part[2]) <= 40 for part in (first, second))
    assert first[2].startswith("(1/2)【青海质量】") and second[2].endswith("（第1名）。")


def test_a_long_sms_is_refused_by_rule_into_the_dead_letters(
        start_notifications, sms_receiver, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_MAX_LENGTH=30, SMS_LONG_RULE="refuse")
    person = enterprise(1)
    notifications_db.recipients.insert_one(person)
    with_phones(container, call, [person])
    publish_grades(rabbit_config["AMQP_URI"], [GRADE])
    (letter,) = wait_until(lambda: call(container, "list_dead_letters", {"channel": "sms"})["items"],
                           message="refused SMS")
    assert "SMS longer than 30" in letter["reason"] and letter["attempts"] == 1  # refused, not retried
    assert sms_receiver.requests == []


def test_the_sender_obeys_the_sliding_window_rate_limit(
        start_notifications, sms_receiver, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SMS_RATE_LIMIT=3, RATE_WINDOW_SECONDS=0.5)
    people = [enterprise(n) for n in range(9)]
    notifications_db.recipients.insert_many(people)
    for n, person in enumerate(people):  # a phone but no opt-in: a required notice still reaches them
        call(container, "update_preferences", {"phone": f"1390000{n:04d}"}, user=person)
    publish_notice(rabbit_config["AMQP_URI"], notice_payload(required_read=True))
    wait_sent(notifications_db, "n1", 9)
    times = [r["at"] for r in sms_receiver.requests]
    assert len(times) == 9
    # No 0.5 s window holds more than 3 messages.
    assert all(times[i + 3] - times[i] >= 0.45 for i in range(len(times) - 3))
    assert times[-1] - times[0] >= 0.9


def test_gateway_errors_are_retried_then_dead_lettered(
        start_notifications, sms_receiver, notifications_db, rabbit_config, call):
    container = start_notifications(SMTP_HOST="", SEND_MAX_ATTEMPTS=2)
    person = enterprise(1)
    notifications_db.recipients.insert_one(person)
    with_phones(container, call, [person])
    sms_receiver.fail_with = 503
    publish_grades(rabbit_config["AMQP_URI"], [GRADE])
    (letter,) = wait_until(lambda: call(container, "list_dead_letters", {})["items"], message="dead letter")
    assert "HTTP 503" in letter["reason"] and letter["attempts"] == 2
    sms_receiver.fail_with = None
    call(container, "resend_dead_letters", {"ids": [letter["id"]]})
    wait_until(lambda: sms_receiver.requests, message="re-sent SMS")
