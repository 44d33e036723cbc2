"""Judge pages. Assignments and score sheets land with the qc service (see nav.py)."""
from nameko.rpc import RpcProxy

from services.gateway.portal.entrypoint import page, render
from services.gateway.portal.inbox import inbox_query
from services.gateway.portal.options import labels


class JudgePages:
    accounts = RpcProxy("accounts")
    notifications = RpcProxy("notifications")

    @page("GET", "/judge", roles=("judge",))
    def judge_home(self, request):
        me = self.accounts.get_me()
        inbox = self.notifications.list_inbox(inbox_query(request, page=1, page_size=5))
        return render(request, "portal/judge/home.html", me=me, inbox=inbox, labels=labels(request.portal.locale))
