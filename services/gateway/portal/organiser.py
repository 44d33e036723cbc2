"""Organiser pages: the enterprise directory and the judges. Campaigns, notices, the QC
conference and statistics land with their services (see nav.py)."""
from nameko.rpc import RpcProxy

from services.gateway.portal.entrypoint import page, redirect, render
from services.gateway.portal.forms import Form, form_values
from services.gateway.portal.options import choices, labels
from shared.errors import Conflict, ValidationFailed

DIRECTORY_FILTERS = ("q", "division_code", "industry_code", "sort", "page", "page_size")
ORGANISER = ("organiser",)


class OrganiserPages:
    accounts = RpcProxy("accounts")

    @page("GET", "/organiser", roles=ORGANISER)
    def organiser_overview(self, request):
        enterprises = self.accounts.list_enterprises({"page_size": 1})
        judges = self.accounts.list_judges()
        return render(request, "portal/organiser/overview.html",
                      enterprise_total=enterprises["total"], judge_total=len(judges))

    @page("GET", "/organiser/enterprises", roles=ORGANISER)
    def enterprise_directory(self, request):
        filters = {key: request.args.get(key) for key in DIRECTORY_FILTERS if request.args.get(key)}
        error = None
        try:
            result = self.accounts.list_enterprises(filters)
        except ValidationFailed as failed:  # a hand-edited query string: show it, list nothing
            error = failed
            result = {"items": [], "total": 0, "page": 1, "page_size": 20}
        pages = max(1, -(-result["total"] // result["page_size"]))
        return render(request, "portal/organiser/enterprises.html", status=400 if error else 200,
                      result=result, pages=pages, form=Form(filters, error),
                      labels=labels(request.portal.locale), **choices(request.portal.locale))

    @page("GET", "/organiser/judges", roles=ORGANISER)
    def judge_list(self, request):
        return render(request, "portal/organiser/judges.html", judges=self.accounts.list_judges(),
                      added=request.args.get("added"), labels=labels(request.portal.locale))

    @page("GET", "/organiser/judges/new", roles=ORGANISER)
    def judge_form(self, request):
        return render(request, "portal/organiser/judge_new.html", form=Form(), **choices(request.portal.locale))

    @page("POST", "/organiser/judges/new", roles=ORGANISER)
    def judge_submit(self, request):
        values = form_values(request, lists=("expertise",))
        try:
            judge = self.accounts.register_judge(values)
        except (ValidationFailed, Conflict) as error:
            return render(request, "portal/organiser/judge_new.html", status=error.http_status,
                          form=Form(values, error), **choices(request.portal.locale))
        return redirect("/organiser/judges?added=" + judge["id"])
