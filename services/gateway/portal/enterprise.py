"""Enterprise pages. QC groups and results land with the qc service (see nav.py)."""
from nameko.rpc import RpcProxy

from services.gateway.portal.entrypoint import page, render
from services.gateway.portal.inbox import inbox_query, required_first
from services.gateway.portal.options import labels


class EnterprisePages:
    accounts = RpcProxy("accounts")
    notifications = RpcProxy("notifications")

    @page("GET", "/enterprise", roles=("enterprise",))
    def enterprise_dashboard(self, request):
        me = self.accounts.get_me()
        inbox = self.notifications.list_inbox(inbox_query(request, page=1, page_size=5))
        inbox["items"] = required_first(inbox["items"])
        return render(request, "portal/enterprise/dashboard.html", me=me, inbox=inbox,
                      labels=labels(request.portal.locale))
