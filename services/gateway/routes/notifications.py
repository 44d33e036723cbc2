"""Routes owned by the notifications service."""
from nameko.rpc import RpcProxy

from services.gateway.openapi import documented
from services.gateway.routes.common import preferred_locale, query_args
from services.notifications.schemas import InboxQuerySchema, InboxSchema
from shared.http import http


class NotificationsRoutes:
    notifications = RpcProxy("notifications")

    @http("GET", "/api/v1/me/inbox")
    @documented("站内消息 / my inbox, newest first", "notifications",
                query=InboxQuerySchema, response=InboxSchema)
    def inbox(self, request):
        query = query_args(request)
        query["locale"] = preferred_locale(request)
        return self.notifications.list_inbox(query)

    @http("POST", "/api/v1/me/inbox/<message_id>/read")
    @documented("标记已读 / mark a message read", "notifications", errors=("404",))
    def mark_read(self, request, message_id):
        return self.notifications.mark_read(message_id)
