"""campaigns → notice_published → notifications → reads → campaign statistics."""
import pytest

from services.accounts.service import AccountsService
from services.campaigns.service import CampaignsService
from services.notifications.service import NotificationsService
from tests.campaigns_support import call, campaign_body, enterprise, organiser_token
from tests.helpers import wait_until

TITLE = "关于开展质量月活动的通知"


@pytest.fixture
def services(container_factory, service_config):
    started = {}
    for name, cls in (("accounts", AccountsService), ("campaigns", CampaignsService),
                      ("notifications", NotificationsService)):
        started[name] = container_factory(cls, service_config(name))
        started[name].start()
    return started


def test_read_rates_reach_the_campaign_statistics(services, mongo_uri, service_config):
    accounts, campaigns, notifications = services["accounts"], services["campaigns"], services["notifications"]
    organiser = organiser_token(accounts, mongo_uri, service_config("accounts"))
    xining = [enterprise(accounts, division_code="630100") for _ in range(3)]
    _, haixi_token = enterprise(accounts, division_code="632800")
    campaign = call(campaigns, "create_campaign", campaign_body(), token=organiser)
    notice = call(campaigns, "create_notice", {
        "year": 2014, "doc_number": "青质监函〔2014〕56号", "title": TITLE, "body": "请认真组织。",
        "audience": {"division_codes": ["630100"]}, "required_read": True, "campaign_id": campaign["id"],
    }, token=organiser)
    call(campaigns, "publish_notice", notice["id"], token=organiser)

    def notice_message(token):
        inbox = call(notifications, "list_inbox", {}, token=token)
        return next((item for item in inbox["items"] if item["title"] == TITLE), None)

    message = wait_until(lambda: notice_message(xining[0][1]), timeout=15, message="notice in the inbox")
    for _, token in xining[1:]:
        wait_until(lambda token=token: notice_message(token), timeout=15, message="notice delivered")
    assert notice_message(haixi_token) is None  # outside the audience: never sees it
    call(notifications, "mark_read", message["id"], token=xining[0][1])

    stats = call(campaigns, "campaign_statistics", campaign["id"], token=organiser)
    read = stats["notices"][0]["read_stats"]
    assert read["audience_total"] == 3 and read["read_total"] == 1
    assert read["by_division"] == [{"division_code": "630100", "audience": 3, "read": 1,
                                    "read_rate": pytest.approx(1 / 3, abs=0.01)}]
    unread = call(notifications, "list_unread_recipients", notice["id"], {}, token=organiser)
    assert unread["total"] == 2
    assert {item["enterprise_id"] for item in unread["items"]} == {xining[1][0]["id"], xining[2][0]["id"]}
