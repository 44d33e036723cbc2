"""Every template file renders its sample payload; the rules around templates hold."""
import os

import pytest

from services.notifications import domain
from services.notifications.service import TEMPLATE_DIR, templates
from shared.errors import ValidationFailed

FILES = sorted(name.removesuffix(".j2") for name in os.listdir(TEMPLATE_DIR) if name.endswith(".j2"))
NOTICE_TEXT = {"zh-CN": "质量月通知", "en": "Quality Month notice", "bo": "ཚད་གཞི་ཟླ་བ།"}


def sample(event_type, locale):
    payload = dict(domain.SAMPLE_PAYLOADS[event_type])
    if event_type == "notice_published":
        payload["title"] = dict(NOTICE_TEXT)
        payload["body_html"] = {key: f"<p>{value} <b>正文</b> &amp; body</p>" for key, value in NOTICE_TEXT.items()}
    return domain.render_context(event_type, payload, locale)


def test_every_event_part_and_locale_has_a_template():
    for event_type in domain.EVENT_CATEGORY:
        for part in domain.PARTS:
            for locale in domain.LOCALES:
                assert domain.template_key(event_type, part, locale) in FILES
    assert all(domain.template_key("notice_published", part, "bo") in FILES for part in domain.PARTS)


@pytest.mark.parametrize("key", FILES)
def test_template_renders_its_sample(key):
    event_type, part, locale = domain.parse_template_key(key)
    context = sample(event_type, locale)
    text = templates.render(event_type, part, locale, context)
    assert text.strip()
    assert "\n" not in text or part not in ("email_subject", "sms")
    if event_type == "notice_published":
        assert NOTICE_TEXT[locale] in text  # the notice's own text, in the notice's language
        if part == "email_html":
            assert "<b>正文</b>" in text  # organiser HTML kept as markup
        elif part in ("email_text", "inbox"):
            assert "<b>" not in text and "正文 & body" in text
    elif event_type == "qc_grades_published":
        assert "攻关QC小组" in text
    else:
        assert "青海示例制造有限公司" in text
    if locale == "zh-CN" and event_type != "notice_published":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text.replace(context.get("name", ""), "")
                   .replace(context.get("group_name", ""), "").replace(context.get("title", ""), ""))


def test_html_parts_escape_payload_text():
    context = {**domain.SAMPLE_PAYLOADS["qc_grades_published"], "group_name": "<script>x</script>"}
    html = templates.render("qc_grades_published", "email_html", "zh-CN", context)
    text = templates.render("qc_grades_published", "email_text", "zh-CN", context)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>x</script>" in text


def test_a_missing_variable_is_an_error_not_blank_text():
    with pytest.raises(Exception, match="undefined"):
        templates.render("qc_grades_published", "sms", "zh-CN", {"group_name": "x"})


def test_an_override_that_fails_names_its_line():
    with pytest.raises(ValidationFailed) as raised:
        templates.check_override("qc_grades_published", "email_text", "zh-CN", "第一行 {{ grade }}\n{{ no_such }}\n")
    assert "line 2" in raised.value.fields["source"][0]
    with pytest.raises(ValidationFailed) as raised:
        templates.check_override("qc_grades_published", "email_text", "zh-CN", "ok\nok\n{% if %}\n")
    assert "line 3" in raised.value.fields["source"][0]
    templates.check_override("qc_grades_published", "email_text", "zh-CN", "{{ group_name }} 获 {{ grade }}")


def test_tibetan_only_when_the_notice_supplies_it():
    assert domain.notice_locale({"title": {"zh-CN": "a", "bo": "b"}}, "bo") == "bo"
    assert domain.notice_locale({"title": {"zh-CN": "a"}}, "bo") == "zh-CN"
    assert domain.notice_locale({"title": {"zh-CN": "a"}}, "en") == "en"


def test_sms_split_and_refuse_rules():
    assert domain.sms_parts("短" * 70, 70, "split") == ["短" * 70]
    parts = domain.sms_parts("短" * 100, 70, "split")
    assert len(parts) == 2 and parts[0].startswith("(1/2)") and all(len(p) <= 70 for p in parts)
    assert "".join(p[5:] for p in parts) == "短" * 100
    with pytest.raises(domain.SmsTooLong):
        domain.sms_parts("短" * 71, 70, "refuse")


def test_sliding_window_limiter_waits_for_the_window():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = domain.SlidingWindowLimiter(3, 1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(7):
        limiter.acquire()
    assert now[0] == pytest.approx(2.0)  # 3 in [0,1), 3 in [1,2), the 7th at 2


def test_backoff_doubles_up_to_a_cap():
    assert [domain.backoff_seconds(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert domain.backoff_seconds(20, 30, cap=3600) == 3600


def test_preferences_defaults_and_critical_override():
    assert domain.wants(None, "qc", "email") and not domain.wants(None, "notice", "email")
    opted_out = {"settings": {"qc": {"email": False}}}
    assert not domain.wants(opted_out, "qc", "email")
    assert domain.wants(opted_out, "qc", "email", critical=True)
