"""Routes owned by the campaigns service."""
import base64
from urllib.parse import quote

from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

from services.campaigns.schemas import (
    ActivityQuerySchema,
    ActivitySchema,
    CampaignQuerySchema,
    CampaignSchema,
    CheckInSchema,
    CreateActivitySchema,
    CreateCampaignSchema,
    CreateNoticeSchema,
    ListQuerySchema,
    NoticeQuerySchema,
    NoticeSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    TransitionSchema,
    UpdateCampaignSchema,
)
from services.gateway.openapi import documented
from services.gateway.routes.common import query_args
from shared.errors import ValidationFailed
from shared.http import http, parse_json

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(content_base64, content_type, filename):
    return Response(base64.b64decode(content_base64), content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


class CampaignsRoutes:
    campaigns = RpcProxy("campaigns")

    # -- campaigns -------------------------------------------------------------
    @http("POST", "/api/v1/campaigns")
    @documented("创建质量月活动 / create a year's Quality Month campaign (organisers)", "campaigns",
                request=CreateCampaignSchema, response=CampaignSchema, status=201, errors=("400", "409"))
    def create_campaign(self, request):
        return 201, self.campaigns.create_campaign(parse_json(request))

    @http("GET", "/api/v1/campaigns")
    @documented("质量月列表 / list campaigns", "campaigns", query=CampaignQuerySchema)
    def list_campaigns(self, request):
        return self.campaigns.list_campaigns(query_args(request))

    @http("GET", "/api/v1/campaigns/<campaign_id>")
    @documented("质量月详情 / one campaign", "campaigns", response=CampaignSchema, errors=("404",))
    def get_campaign(self, request, campaign_id):
        return self.campaigns.get_campaign(campaign_id)

    @http("PATCH", "/api/v1/campaigns/<campaign_id>")
    @documented("修改质量月 / change a campaign (organisers; closed campaigns are read-only)", "campaigns",
                request=UpdateCampaignSchema, response=CampaignSchema, errors=("400", "404", "409", "422"))
    def update_campaign(self, request, campaign_id):
        return self.campaigns.update_campaign(campaign_id, parse_json(request))

    @http("POST", "/api/v1/campaigns/<campaign_id>/transitions")
    @documented("质量月状态变更 / publish, start or close a campaign (organisers)", "campaigns",
                request=TransitionSchema, response=CampaignSchema, errors=("400", "404", "409", "422"))
    def transition_campaign(self, request, campaign_id):
        return self.campaigns.transition_campaign(campaign_id, parse_json(request))

    @http("POST", "/api/v1/campaigns/<campaign_id>/activities")
    @documented("添加活动 / add an activity to a campaign (organisers)", "campaigns",
                request=CreateActivitySchema, response=ActivitySchema, status=201, errors=("400", "404", "422"))
    def create_activity(self, request, campaign_id):
        return 201, self.campaigns.create_activity(campaign_id, parse_json(request))

    @http("GET", "/api/v1/campaigns/<campaign_id>/statistics")
    @documented("质量月统计 / statistics by division and industry (organisers)", "campaigns", errors=("404",))
    def campaign_statistics(self, request, campaign_id):
        return self.campaigns.campaign_statistics(campaign_id)

    @http("GET", "/api/v1/campaigns/<campaign_id>/statistics.xlsx")
    @documented("质量月统计导出 / statistics as an XLSX download (organisers)", "campaigns", errors=("404",),
                description="Chinese column headers; sheets 概况, 按地区, 按行业, 活动, 通知阅读.")
    def campaign_statistics_xlsx(self, request, campaign_id):
        answer = self.campaigns.campaign_statistics_xlsx(campaign_id)
        return file_response(answer["content_base64"], XLSX_TYPE, answer["filename"])

    # -- activities ----------------------------------------------------------------
    @http("GET", "/api/v1/activities")
    @documented("活动列表 / list activities", "campaigns", query=ActivityQuerySchema)
    def list_activities(self, request):
        return self.campaigns.list_activities(query_args(request))

    @http("GET", "/api/v1/activities/<activity_id>")
    @documented("活动详情 / one activity", "campaigns", response=ActivitySchema, errors=("404",))
    def get_activity(self, request, activity_id):
        return self.campaigns.get_activity(activity_id)

    @http("POST", "/api/v1/activities/<activity_id>/registrations")
    @documented("报名活动 / register my enterprise (a seat, or the wait-list when full)", "campaigns",
                response=RegistrationSchema, status=201, errors=("404", "409", "422"))
    def register_for_activity(self, request, activity_id):
        return 201, self.campaigns.register_for_activity(activity_id)

    @http("GET", "/api/v1/activities/<activity_id>/registrations")
    @documented("报名名单 / registrations of an activity (organisers)", "campaigns",
                query=RegistrationQuerySchema, errors=("404",))
    def list_registrations(self, request, activity_id):
        return self.campaigns.list_registrations(activity_id, query_args(request))

    @http("POST", "/api/v1/activities/<activity_id>/check-ins")
    @documented("活动签到 / record an enterprise's attendance (organisers)", "campaigns",
                request=CheckInSchema, response=RegistrationSchema, errors=("400", "404", "422"))
    def check_in(self, request, activity_id):
        return self.campaigns.check_in(activity_id, parse_json(request))

    @http("POST", "/api/v1/registrations/<registration_id>/cancel")
    @documented("取消报名 / cancel a registration (the first on the wait-list moves up)", "campaigns",
                response=RegistrationSchema, errors=("404", "422"))
    def cancel_registration(self, request, registration_id):
        return self.campaigns.cancel_registration(registration_id)

    @http("GET", "/api/v1/me/registrations")
    @documented("我的报名 / my enterprise's registrations", "campaigns", query=ListQuerySchema)
    def my_registrations(self, request):
        return self.campaigns.my_registrations(query_args(request))

    # -- notices ---------------------------------------------------------------------
    @http("POST", "/api/v1/notices")
    @documented("起草通知 / draft a notice (organisers; body in Markdown)", "notices",
                request=CreateNoticeSchema, response=NoticeSchema, status=201, errors=("400", "404", "409", "422"))
    def create_notice(self, request):
        return 201, self.campaigns.create_notice(parse_json(request))

    @http("GET", "/api/v1/notices")
    @documented("通知列表 / list notices (organisers)", "notices", query=NoticeQuerySchema)
    def list_notices(self, request):
        return self.campaigns.list_notices(query_args(request))

    @http("GET", "/api/v1/notices/<notice_id>")
    @documented("通知详情 / one notice (enterprises: published and addressed to them)", "notices",
                response=NoticeSchema, errors=("404",))
    def get_notice(self, request, notice_id):
        return self.campaigns.get_notice(notice_id)

    @http("PATCH", "/api/v1/notices/<notice_id>")
    @documented("修改通知草稿 / change a draft notice (organisers)", "notices",
                request=CreateNoticeSchema, response=NoticeSchema, errors=("400", "404", "409", "422"))
    def update_notice(self, request, notice_id):
        return self.campaigns.update_notice(notice_id, parse_json(request))

    @http("POST", "/api/v1/notices/<notice_id>/publish")
    @documented("发布通知 / publish a notice to its audience (organisers)", "notices",
                response=NoticeSchema, errors=("404", "422"))
    def publish_notice(self, request, notice_id):
        return self.campaigns.publish_notice(notice_id)

    @http("GET", "/api/v1/notices/<notice_id>/audience-count")
    @documented("通知受众数 / how many enterprises this notice reaches (organisers)", "notices", errors=("404",))
    def notice_audience_count(self, request, notice_id):
        return self.campaigns.notice_audience_count(notice_id)

    @http("POST", "/api/v1/notices/<notice_id>/attachments")
    @documented("上传附件 / attach a file to a draft notice (organisers)", "notices", status=201,
                errors=("400", "404", "422"),
                description="The raw file is the body; its Content-Type must be allowed (PDF, Word, Excel, "
                            "PNG, JPEG, text) and `filename` is a query parameter. Size limit 5 MB by default.")
    def add_attachment(self, request, notice_id):
        filename = request.args.get("filename")
        if not filename:
            raise ValidationFailed("缺少文件名 / the filename query parameter is required", {"filename": ["required"]})
        payload = {"filename": filename, "content_type": request.mimetype,
                   "content_base64": base64.b64encode(request.get_data()).decode("ascii")}
        return 201, self.campaigns.add_attachment(notice_id, payload)

    @http("GET", "/api/v1/notices/<notice_id>/attachments/<attachment_id>")
    @documented("下载附件 / download an attachment", "notices", errors=("404",))
    def get_attachment(self, request, notice_id, attachment_id):
        answer = self.campaigns.get_attachment(notice_id, attachment_id)
        return file_response(answer["content_base64"], answer["content_type"], answer["filename"])
