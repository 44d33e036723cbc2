"""Campaign pages: organisers run campaigns, activities, registrations and statistics;
enterprises register for activities. Every action is the campaigns service's RPC."""
import base64
import json

from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

from services.gateway.portal.entrypoint import page, redirect, render
from services.gateway.portal.forms import Form, form_values
from services.gateway.portal.i18n import N_
from services.gateway.portal.options import choices, labels
from shared.errors import Conflict, NotFound, RuleViolation, ValidationFailed

ORGANISER = ("organiser",)
ENTERPRISE = ("enterprise",)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_ERRORS = (ValidationFailed, Conflict, RuleViolation)

CAMPAIGN_STATES = {
    "draft": N_("Draft"), "published": N_("Published"), "running": N_("Running"), "closed": N_("Closed"),
}
# The action each state offers next (the service decides whether it is allowed).
NEXT_ACTIONS = {"draft": ("publish", N_("Publish")), "published": ("start", N_("Start")),
                "running": ("close", N_("Close"))}
ACTIVITY_KINDS = {
    "forum": N_("Forum"), "training": N_("Training"), "open_factory_day": N_("Open factory day"),
    "consumer_day": N_("Consumer day"), "qc_results_conference": N_("QC results conference"),
    "skills_contest": N_("Skills contest"), "other": N_("Other"),
}
REGISTRATION_STATES = {"confirmed": N_("Confirmed"), "waitlisted": N_("Wait-listed"), "cancelled": N_("Cancelled")}


def lines(text):
    """A textarea's non-empty lines (a list field typed one item per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def args_of(request, names):
    return {name: request.args.get(name) for name in names if request.args.get(name)}


def vocabulary(request):
    return {"campaign_states": CAMPAIGN_STATES, "activity_kinds": ACTIVITY_KINDS,
            "registration_states": REGISTRATION_STATES, "labels": labels(request.portal.locale),
            **choices(request.portal.locale)}


def empty_page():
    return {"items": [], "total": 0, "page": 1, "page_size": 20}


class CampaignPages:
    campaigns = RpcProxy("campaigns")

    # -- campaigns ------------------------------------------------------------------

    @page("GET", "/organiser/campaigns", roles=ORGANISER)
    def campaign_list(self, request):
        result = self.campaigns.list_campaigns(args_of(request, ("page", "status")))
        return render(request, "portal/organiser/campaigns.html", result=result, form=Form(),
                      **vocabulary(request))

    @page("POST", "/organiser/campaigns", roles=ORGANISER)
    def campaign_create(self, request):
        values = form_values(request)
        payload = {**values, "participating_departments": lines(values.get("participating_departments"))}
        try:
            created = self.campaigns.create_campaign(payload)
        except FORM_ERRORS as error:
            result = self.campaigns.list_campaigns({})
            return render(request, "portal/organiser/campaigns.html", status=error.http_status,
                          result=result, form=Form(values, error), **vocabulary(request))
        return redirect(f"/organiser/campaigns/{created['id']}")

    def _campaign_page(self, request, campaign_id, status=200, error=None, form=None):
        campaign = self.campaigns.get_campaign(campaign_id)
        activities = self.campaigns.list_activities({"campaign_id": campaign_id, "page_size": 100})
        return render(request, "portal/organiser/campaign.html", status=status, campaign=campaign,
                      activities=activities, error=error, form=form or Form(),
                      next_action=NEXT_ACTIONS.get(campaign["status"]), **vocabulary(request))

    @page("GET", "/organiser/campaigns/<campaign_id>", roles=ORGANISER)
    def campaign_detail(self, request, campaign_id):
        return self._campaign_page(request, campaign_id)

    @page("POST", "/organiser/campaigns/<campaign_id>/transition", roles=ORGANISER)
    def campaign_transition(self, request, campaign_id):
        try:
            self.campaigns.transition_campaign(campaign_id, {"action": request.form.get("action", "")})
        except (ValidationFailed, RuleViolation) as error:  # e.g. 422: not from this state
            return self._campaign_page(request, campaign_id, status=error.http_status, error=error)
        return redirect(f"/organiser/campaigns/{campaign_id}")

    @page("POST", "/organiser/campaigns/<campaign_id>/activities", roles=ORGANISER)
    def activity_create(self, request, campaign_id):
        values = form_values(request)
        payload = dict(values)
        if "capacity" in payload:
            try:
                payload["capacity"] = int(payload["capacity"])
            except ValueError:
                pass  # the service names the field
        try:
            created = self.campaigns.create_activity(campaign_id, payload)
        except FORM_ERRORS as error:
            return self._campaign_page(request, campaign_id, status=error.http_status, error=error,
                                       form=Form(values, error))
        return redirect(f"/organiser/activities/{created['id']}")

    # -- activities and registrations ----------------------------------------------------

    @page("GET", "/organiser/activities", roles=ORGANISER)
    def organiser_activity_list(self, request):
        query = args_of(request, ("campaign_id", "division_code", "kind", "page"))
        result = self.campaigns.list_activities(query)
        campaigns = self.campaigns.list_campaigns({"page_size": 100})["items"]
        return render(request, "portal/organiser/activities.html", result=result, campaigns=campaigns,
                      form=Form(query), **vocabulary(request))

    def _activity_page(self, request, activity_id, status=200, error=None, checked_in=None):
        activity = self.campaigns.get_activity(activity_id)
        query = {"page": request.args.get("page") or 1, "page_size": 50}
        registrations = self.campaigns.list_registrations(activity_id, query)
        return render(request, "portal/organiser/activity.html", status=status, activity=activity,
                      registrations=registrations, error=error, checked_in=checked_in, **vocabulary(request))

    @page("GET", "/organiser/activities/<activity_id>", roles=ORGANISER)
    def organiser_activity_detail(self, request, activity_id):
        return self._activity_page(request, activity_id, checked_in=request.args.get("checked_in"))

    @page("POST", "/organiser/activities/<activity_id>/check-in", roles=ORGANISER)
    def activity_check_in(self, request, activity_id):
        enterprise_id = request.form.get("enterprise_id", "")
        try:
            self.campaigns.check_in(activity_id, {"enterprise_id": enterprise_id})
        except (*FORM_ERRORS, NotFound) as error:
            return self._activity_page(request, activity_id, status=error.http_status, error=error)
        return redirect(f"/organiser/activities/{activity_id}?checked_in={enterprise_id}")

    # -- statistics ------------------------------------------------------------------------

    @page("GET", "/organiser/statistics", roles=ORGANISER)
    def statistics_page(self, request):
        campaigns = self.campaigns.list_campaigns({"page_size": 100})["items"]
        chosen = request.args.get("campaign_id") or (campaigns[0]["id"] if campaigns else None)
        stats = self.campaigns.campaign_statistics(chosen) if chosen else None
        chart = None
        if stats:
            chart = {"labels": [row["division_name"] for row in stats["by_division"]],
                     "series": {key: [row[key] for row in stats["by_division"]]
                                for key in ("confirmed", "waitlisted", "attended")}}
        return render(request, "portal/organiser/statistics.html", campaigns=campaigns, chosen=chosen,
                      stats=stats, chart_json=json.dumps(chart, ensure_ascii=False), **vocabulary(request))

    @page("GET", "/organiser/campaigns/<campaign_id>/statistics.xlsx", roles=ORGANISER)
    def statistics_xlsx(self, request, campaign_id):
        answer = self.campaigns.campaign_statistics_xlsx(campaign_id)
        return Response(base64.b64decode(answer["content_base64"]), content_type=XLSX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{answer["filename"]}"'})

    # -- enterprises -----------------------------------------------------------------------

    def _enterprise_activities(self, request, status=200, error=None, done=None):
        query = args_of(request, ("division_code", "kind", "page"))
        activities = self.campaigns.list_activities(query)
        mine = self.campaigns.my_registrations({"page_size": 100})
        active = {r["activity_id"]: r for r in mine["items"] if r["status"] != "cancelled"}
        titles = {a["id"]: a["title"] for a in activities["items"]}
        # A registration carries no activity title: look up those not on this page.
        for missing in {r["activity_id"] for r in mine["items"]} - set(titles):
            try:
                titles[missing] = self.campaigns.get_activity(missing)["title"]
            except NotFound:
                pass
        return render(request, "portal/enterprise/activities.html", status=status, activities=activities,
                      mine=mine, active=active, titles=titles, error=error, done=done, form=Form(query),
                      **vocabulary(request))

    @page("GET", "/enterprise/activities", roles=ENTERPRISE)
    def enterprise_activity_list(self, request):
        return self._enterprise_activities(request, done=request.args.get("done"))

    @page("POST", "/enterprise/activities/<activity_id>/register", roles=ENTERPRISE)
    def enterprise_register(self, request, activity_id):
        try:
            self.campaigns.register_for_activity(activity_id)
        except (*FORM_ERRORS, NotFound) as error:  # deadline passed, already registered...
            return self._enterprise_activities(request, status=error.http_status, error=error)
        return redirect("/enterprise/activities?done=registered")

    @page("POST", "/enterprise/registrations/<registration_id>/cancel", roles=ENTERPRISE)
    def enterprise_cancel(self, request, registration_id):
        try:
            self.campaigns.cancel_registration(registration_id)
        except (*FORM_ERRORS, NotFound) as error:
            return self._enterprise_activities(request, status=error.http_status, error=error)
        return redirect("/enterprise/activities?done=cancelled")
