"""Campaign rules without I/O: state machine, windows, sanitising, statistics."""
from datetime import UTC, datetime, timedelta

import pytest

from services.campaigns import domain
from shared.errors import RuleViolation, ValidationFailed

NOW = datetime(2014, 9, 10, 8, 0, tzinfo=UTC)


def test_state_machine_allows_only_the_forward_path():
    campaign = {"status": "draft"}
    for action, target in (("publish", "published"), ("start", "running"), ("close", "closed")):
        for other in set(domain.CAMPAIGN_TRANSITIONS) - {action}:
            with pytest.raises(RuleViolation):
                domain.transition(campaign, other, NOW)
        assert domain.transition(campaign, action, NOW)[0] == target
        campaign = {"status": target}
    with pytest.raises(ValidationFailed):
        domain.transition(campaign, "reopen", NOW)


@pytest.mark.parametrize("text,forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ("<img src=x onerror=alert(1)>", "onerror"),
    ("[x](javascript:alert(1))", "javascript:"),
    ('<a href="https://x.cn" onclick="evil()">x</a>', "onclick"),
    ("<iframe src='https://x.cn'></iframe>", "<iframe"),
])
def test_markdown_is_sanitised(text, forbidden):
    assert forbidden not in domain.render_markdown(text)


def test_markdown_keeps_tables_and_safe_links():
    html = domain.render_markdown("| 地区 | 名额 |\n|---|---|\n| 西宁 | 50 |\n\n[通知](https://qh.gov.cn)")
    assert "<table>" in html and '<a href="https://qh.gov.cn">通知</a>' in html


def test_registration_window():
    activity = {"registration_deadline": NOW, "starts_at": NOW + timedelta(days=1)}
    domain.check_registration_open({"status": "running"}, activity, NOW)
    with pytest.raises(RuleViolation) as raised:
        domain.check_registration_open({"status": "running"}, activity, NOW + timedelta(seconds=1))
    assert "2014-09-10 08:00" in raised.value.message
    for status in ("draft", "closed"):
        with pytest.raises(RuleViolation):
            domain.check_registration_open({"status": status}, activity, NOW)


def test_attachment_rules():
    domain.check_attachment("application/pdf", 10, 100, 0, 2)
    with pytest.raises(ValidationFailed):
        domain.check_attachment("text/html", 10, 100, 0, 2)
    with pytest.raises(ValidationFailed):
        domain.check_attachment("application/pdf", 101, 100, 0, 2)
    with pytest.raises(RuleViolation):
        domain.check_attachment("application/pdf", 10, 100, 2, 2)


def test_statistics_of_an_empty_campaign():
    campaign = {"_id": "c", "year": 2014, "name": "n", "theme": "t", "status": "running"}
    stats = domain.campaign_statistics(campaign, [], [], [])
    assert stats["totals"]["attendance_rate"] is None and stats["by_division"] == []
