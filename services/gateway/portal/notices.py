"""The notice composer: draft, live audience count, publish, and the broadcast afterwards.

The audience count is a small JSON route for static/notice-composer.js: it reads the form's
audience fields from the query string and asks accounts, with the session's token, exactly
as the API's ``POST /api/v1/notices/audience-count`` does with a bearer token.
"""
import json

from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

from services.gateway.portal.campaigns import FORM_ERRORS, ORGANISER, args_of, lines
from services.gateway.portal.entrypoint import page, redirect, render
from services.gateway.portal.forms import Form, form_values
from services.gateway.portal.i18n import N_, bilingual
from services.gateway.portal.options import choices, labels
from shared.errors import DomainError, ValidationFailed

AUDIENCE_LISTS = ("division_codes", "industry_codes", "sizes", "roles")
ROLE_CHOICES = (("enterprise", N_("Enterprises")), ("judge", N_("Judges")), ("organiser", N_("Organisers")))


def audience_from(source, getlist):
    """The audience dict from form or query fields (checkbox groups + one id per line)."""
    audience = {key: [v for v in getlist(key) if v] for key in AUDIENCE_LISTS}
    audience["enterprise_ids"] = lines(source.get("enterprise_ids"))
    audience["everyone"] = source.get("everyone") in ("1", "on", "true")
    return audience


def notice_payload(values, audience):
    payload = {key: values[key] for key in ("year", "doc_number", "title", "body", "campaign_id") if key in values}
    payload["required_read"] = values.get("required_read") == "on"
    payload["audience"] = audience
    if values.get("en_title") or values.get("en_body"):
        payload["translations"] = {"en": {"title": values.get("en_title", ""), "body": values.get("en_body", "")}}
    return payload


def json_response(data, status=200):
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


CHANNELS = {"inbox": N_("Inbox"), "email": N_("Email"), "sms": N_("SMS")}


def progress_of(progress, stats):
    """The broadcast's state for the page and its poller: per channel sent/failed/read/queued."""
    running = progress["expanding"] or any(c["queued"] for c in progress["channels"].values())
    return {"running": running, "channels": progress["channels"],
            "read_total": stats["read_total"], "audience_total": stats["audience_total"],
            "read_rate": stats["read_rate"]}


class NoticePages:
    campaigns = RpcProxy("campaigns")
    accounts = RpcProxy("accounts")
    notifications = RpcProxy("notifications")

    def _composer(self, request, form, status=200):
        campaigns = self.campaigns.list_campaigns({"page_size": 100})["items"]
        return render(request, "portal/organiser/notice_new.html", status=status, form=form,
                      campaigns=campaigns, roles=ROLE_CHOICES, **choices(request.portal.locale))

    @page("GET", "/organiser/notices", roles=ORGANISER)
    def notice_list(self, request):
        result = self.campaigns.list_notices(args_of(request, ("page", "status", "year", "campaign_id")))
        return render(request, "portal/organiser/notices.html", result=result)

    @page("GET", "/organiser/notices/new", roles=ORGANISER)
    def notice_form(self, request):
        return self._composer(request, Form({"year": request.args.get("year", "")}))

    @page("POST", "/organiser/notices/new", roles=ORGANISER)
    def notice_create(self, request):
        values = form_values(request, lists=AUDIENCE_LISTS)
        audience = audience_from(request.form, request.form.getlist)
        try:
            created = self.campaigns.create_notice(notice_payload(values, audience))
        except FORM_ERRORS as error:
            return self._composer(request, Form(values, error), status=error.http_status)
        return redirect(f"/organiser/notices/{created['id']}")

    @page("GET", "/organiser/notices/audience-count", roles=ORGANISER)
    def notice_audience_preview(self, request):
        """JSON for the composer: how many enterprises the audience in the query reaches."""
        audience = audience_from(request.args, request.args.getlist)
        try:
            answer = self.accounts.count_audience(audience)
        except ValidationFailed as error:  # e.g. nothing chosen yet: the service's field messages
            messages = [m for ms in Form({}, error).field_errors.values() for m in ms] or [error.message]
            locale = request.portal.locale
            return json_response({"enterprises": None,
                                  "message": " ".join(bilingual(m, locale) for m in messages)}, status=400)
        return json_response({"enterprises": answer["enterprises"]})

    def _progress(self, notice_id):
        return progress_of(self.notifications.broadcast_progress(notice_id),
                           self.notifications.notice_read_stats(notice_id))

    def _notice_page(self, request, notice_id, status=200, error=None):
        notice = self.campaigns.get_notice(notice_id)
        reach = self.campaigns.notice_audience_count(notice_id)
        broadcast = stats = unread = None
        if notice["status"] == "published":
            broadcast = self._progress(notice_id)
            stats = self.notifications.notice_read_stats(notice_id)
            query = args_of(request, ("page", "division_code"))
            unread = self.notifications.list_unread_recipients(notice_id, {**query, "page_size": 50})
        return render(request, "portal/organiser/notice.html", status=status, notice=notice, reach=reach,
                      error=error, broadcast=broadcast, stats=stats, unread=unread, channels=CHANNELS,
                      request_division=request.args.get("division_code"), labels=labels(request.portal.locale),
                      **choices(request.portal.locale))

    @page("GET", "/organiser/notices/<notice_id>/progress", roles=ORGANISER)
    def notice_progress(self, request, notice_id):
        """JSON for static/broadcast-progress.js while the broadcast runs."""
        return json_response(self._progress(notice_id))

    @page("GET", "/organiser/notices/<notice_id>", roles=ORGANISER)
    def notice_detail(self, request, notice_id):
        return self._notice_page(request, notice_id)

    @page("POST", "/organiser/notices/<notice_id>/publish", roles=ORGANISER)
    def notice_publish(self, request, notice_id):
        try:
            self.campaigns.publish_notice(notice_id)
        except DomainError as error:
            if error.http_status >= 500:
                raise
            return self._notice_page(request, notice_id, status=error.http_status, error=error)
        return redirect(f"/organiser/notices/{notice_id}")
