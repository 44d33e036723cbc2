"""The inbox, for every role."""
from nameko.rpc import RpcProxy

from services.gateway.portal.entrypoint import page, redirect, render, safe_next


def inbox_query(request, **extra):
    """The notifications service's query for this page: its locale and the page number."""
    query = {"locale": request.portal.locale, "page": request.args.get("page") or 1, "page_size": 20}
    query.update(extra)
    return query


def required_first(items):
    """Required-read notices first (the service marks them with ``required_read``), each group as sent."""
    return sorted(items, key=lambda item: not item.get("required_read", False))


class InboxPages:
    notifications = RpcProxy("notifications")

    @page("GET", "/inbox")
    def inbox_page(self, request):
        result = self.notifications.list_inbox(inbox_query(request))
        result["items"] = required_first(result["items"])
        return render(request, "portal/inbox.html", inbox=result)

    @page("POST", "/inbox/<message_id>/read")
    def inbox_mark_read(self, request, message_id):
        self.notifications.mark_read(message_id)
        return redirect(safe_next(request.form.get("next"), "/inbox"))
