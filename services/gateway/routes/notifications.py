"""Routes owned by the notifications service."""
from nameko.rpc import RpcProxy

from services.gateway.openapi import documented
from services.gateway.routes.common import preferred_locale, query_args
from services.notifications.schemas import (
    BroadcastProgressSchema,
    DeadLetterPageSchema,
    DeadLetterQuerySchema,
    DeliveryLogQuerySchema,
    DeliveryLogSchema,
    InboxQuerySchema,
    InboxSchema,
    PreferencesSchema,
    ReadStatsSchema,
    ResendSchema,
    TemplateSchema,
    TemplateSourceSchema,
    UnreadPageSchema,
    UnreadQuerySchema,
)
from shared.http import http, parse_json

TEMPLATE_PATH = "/api/v1/notifications/templates/<event_type>/<part>/<locale>"


class NotificationsRoutes:
    notifications = RpcProxy("notifications")

    # -- everyone's own inbox and preferences ------------------------------------

    @http("GET", "/api/v1/me/inbox")
    @documented("站内消息 / my inbox: required reading first, then newest", "notifications",
                query=InboxQuerySchema, response=InboxSchema)
    def inbox(self, request):
        query = query_args(request)
        query["locale"] = preferred_locale(request)
        return self.notifications.list_inbox(query)

    @http("POST", "/api/v1/me/inbox/<message_id>/read")
    @documented("标记已读 / mark a message or notice read", "notifications", errors=("404",))
    def mark_read(self, request, message_id):
        return self.notifications.mark_read(message_id)

    @http("GET", "/api/v1/me/notification-preferences")
    @documented("通知偏好 / my notification preferences", "notifications", response=PreferencesSchema)
    def get_notification_preferences(self, request):
        return self.notifications.get_preferences()

    @http("PUT", "/api/v1/me/notification-preferences")
    @documented("修改通知偏好 / opt in or out per category and channel (required reading ignores opt-out)",
                "notifications", request=PreferencesSchema, response=PreferencesSchema)
    def update_notification_preferences(self, request):
        return self.notifications.update_preferences(parse_json(request))

    # -- organisers: templates ---------------------------------------------------

    @http("GET", "/api/v1/notifications/templates")
    @documented("通知模板 / templates with organiser overrides (organisers)", "notifications",
                response=TemplateSchema(many=True))
    def list_notification_templates(self, request):
        return self.notifications.list_templates()

    @http("PUT", TEMPLATE_PATH)
    @documented("覆盖模板 / override a template; refused (400, naming the line) unless it renders",
                "notifications", request=TemplateSourceSchema, response=TemplateSchema)
    def set_notification_template(self, request, event_type, part, locale):
        body = parse_json(request)
        return self.notifications.set_template_override({
            "event_type": event_type, "part": part, "locale": locale,
            "source": body.get("source") if isinstance(body, dict) else None})

    @http("DELETE", TEMPLATE_PATH)
    @documented("恢复默认模板 / remove an override", "notifications", errors=("400", "404"))
    def delete_notification_template(self, request, event_type, part, locale):
        return self.notifications.delete_template_override(event_type, part, locale)

    # -- organisers: broadcasts --------------------------------------------------

    @http("GET", "/api/v1/notifications/notices/<notice_id>/progress")
    @documented("发送进度 / broadcast progress per channel", "notifications",
                response=BroadcastProgressSchema, errors=("404",))
    def broadcast_progress(self, request, notice_id):
        return self.notifications.broadcast_progress(notice_id)

    @http("GET", "/api/v1/notifications/notices/<notice_id>/deliveries")
    @documented("投递记录 / delivery log of a notice per recipient and channel", "notifications",
                query=DeliveryLogQuerySchema, response=DeliveryLogSchema, errors=("400", "404"))
    def delivery_log(self, request, notice_id):
        return self.notifications.delivery_log(notice_id, query_args(request))

    @http("GET", "/api/v1/notices/<notice_id>/read-stats")
    @documented("阅读统计 / read rate of a notice, by division", "notifications",
                response=ReadStatsSchema, errors=("404",))
    def notice_read_stats(self, request, notice_id):
        return self.notifications.notice_read_stats(notice_id)

    @http("GET", "/api/v1/notices/<notice_id>/unread")
    @documented("未读名单 / recipients who have not read a notice", "notifications",
                query=UnreadQuerySchema, response=UnreadPageSchema, errors=("400", "404"))
    def list_unread_recipients(self, request, notice_id):
        return self.notifications.list_unread_recipients(notice_id, query_args(request))

    # -- organisers: dead letters ------------------------------------------------

    @http("GET", "/api/v1/notifications/dead-letters")
    @documented("投递失败 / deliveries that failed every attempt", "notifications",
                query=DeadLetterQuerySchema, response=DeadLetterPageSchema)
    def list_dead_letters(self, request):
        return self.notifications.list_dead_letters(query_args(request))

    @http("POST", "/api/v1/notifications/dead-letters/resend")
    @documented("重新发送 / re-send dead letters (by ids or for a notice)", "notifications",
                request=ResendSchema, errors=("400", "404"))
    def resend_dead_letters(self, request):
        return self.notifications.resend_dead_letters(parse_json(request))
