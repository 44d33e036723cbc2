"""Organiser template overrides: validated by rendering, refused naming the line, then used."""
import pytest

from shared.errors import NotFound, PermissionDenied, ValidationFailed
from tests.helpers import wait_until
from tests.notifications_support import enterprise, publish_grades

GRADE = {"result_id": "r1", "enterprise_id": "e1", "group_name": "攻关QC小组", "title": "降低能耗",
         "score": 92.0, "rank": 1, "grade": "一等奖"}


def override(part, source, locale="zh-CN"):
    return {"event_type": "qc_grades_published", "part": part, "locale": locale, "source": source}


def test_a_broken_override_is_refused_naming_the_line(start_notifications, call, notifications_db):
    container = start_notifications()
    with pytest.raises(ValidationFailed) as raised:
        call(container, "set_template_override", override("email_subject", "{{ conference_name }}\n{{ typo }}"))
    assert raised.value.fields["source"][0].startswith("第 2 行 / line 2")
    with pytest.raises(ValidationFailed) as raised:
        call(container, "set_template_override", override("email_html", "<p>\n{% for x in %}</p>"))
    assert "line 2" in raised.value.fields["source"][0]
    with pytest.raises(ValidationFailed) as raised:
        call(container, "set_template_override", override("pager", "x"))
    assert "part" in raised.value.fields
    assert notifications_db.template_overrides.count_documents({}) == 0
    with pytest.raises(PermissionDenied):
        call(container, "set_template_override", override("sms", "x"), user=enterprise(1))


def test_a_saved_override_is_used_for_new_messages_and_can_be_removed(
        start_notifications, call, notifications_db, smtp_sink, rabbit_config):
    container = start_notifications()
    notifications_db.recipients.insert_one(enterprise(1))
    saved = call(container, "set_template_override",
                 override("email_subject", "【成绩】{{ group_name }}：{{ grade }}"))
    assert saved["key"] == "qc_grades_published.email_subject.zh-CN"
    call(container, "set_template_override", override("email_html", "<p>{{ group_name }}</p>"))
    listed = {t["key"]: t for t in call(container, "list_templates")}
    assert listed["qc_grades_published.email_subject.zh-CN"]["overridden"]
    assert not listed["qc_grades_published.sms.zh-CN"]["overridden"]

    publish_grades(rabbit_config["AMQP_URI"], [{**GRADE, "group_name": "<攻关>"}])
    (mail,) = wait_until(smtp_sink.messages, message="email")
    assert mail["message"]["Subject"] == "【成绩】<攻关>：一等奖"
    assert mail["message"].get_body(("html",)).get_content().strip() == "<p>&lt;攻关&gt;</p>"  # still escaped

    call(container, "delete_template_override", "qc_grades_published", "email_subject", "zh-CN")
    with pytest.raises(NotFound):
        call(container, "delete_template_override", "qc_grades_published", "email_subject", "zh-CN")
