"""QC pages: enterprises' groups and results, judges' score sheets, the organiser's conference.

Every page calls the same qc RPCs as ``routes/qc.py`` with the session's token; the qc
service validates and authorises. The portal only turns form fields into the RPCs' payloads
(lists of rows, numbers left as typed) and the step list of a type comes from the qc
domain data, so the form follows whatever the service checks.
"""
import base64
from urllib.parse import quote

from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

from services.gateway.portal.entrypoint import page, redirect, render
from services.gateway.portal.forms import Form, form_values
from services.gateway.portal.i18n import N_
from services.qc import domain as qc_domain
from shared.errors import Conflict, PermissionDenied, RuleViolation, ValidationFailed

ENTERPRISE = ("enterprise",)
JUDGE = ("judge",)
ORGANISER = ("organiser",)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Conference times are typed in Beijing time (the form's datetime-local has no zone).
LOCAL_OFFSET = "+08:00"

TYPE_LABELS = {
    qc_domain.PROBLEM_SELF_SET: N_("Problem-solving (self-set target)"),
    qc_domain.PROBLEM_ASSIGNED: N_("Problem-solving (assigned target)"),
    qc_domain.INNOVATIVE: N_("Innovative"),
}
ROLE_LABELS = {"leader": N_("Leader"), "member": N_("Member"), "counsellor": N_("Counsellor")}
STATUS_LABELS = {"draft": N_("Draft"), "submitted": N_("Submitted"), "withdrawn": N_("Withdrawn"),
                 "locked": N_("Submitted (locked)"),
                 "open": N_("Open"), "closed": N_("Closed"), "published": N_("Published"),
                 "preview": N_("Preview")}
ROUND_LABELS = {qc_domain.DOCUMENT_REVIEW: N_("Document review"), qc_domain.PRESENTATION: N_("Presentation")}
AGGREGATION_LABELS = {"trimmed_mean": N_("Trimmed mean"), "mean": N_("Mean"), "median": N_("Median")}
MEMBER_ROWS = 3  # blank member rows offered below the existing ones
METRIC_ROWS = 2


def qc_labels():
    return {"types": TYPE_LABELS, "roles": ROLE_LABELS, "statuses": STATUS_LABELS, "rounds": ROUND_LABELS,
            "aggregations": AGGREGATION_LABELS}


def rows_of(request, names, typed=None):
    """Parallel list fields (``member_name``, ``member_role``...) as row dicts; a row with nothing
    typed in its ``typed`` columns (default: all; a select always has a value) is dropped."""
    columns = {name: request.form.getlist(name) for name in names}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(count):
        row = {name: (columns[name][index].strip() if index < len(columns[name]) else "") for name in names}
        if any(row[name] for name in (typed or names)):
            rows.append(row)
    return rows


def members_from(request):
    rows = rows_of(request, ("member_name", "member_role", "member_title"), typed=("member_name", "member_title"))
    return [{"name": row["member_name"], "role": row["member_role"], "title": row["member_title"] or None}
            for row in rows]


def number_or_text(value):
    """A typed number as a number; anything else as typed, for the service to refuse."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


# -- enterprise -------------------------------------------------------------------------


class QcEnterprisePages:
    qc = RpcProxy("qc")

    @page("GET", "/enterprise/qc/groups", roles=ENTERPRISE)
    def page_qc_groups(self, request):
        groups = self.qc.list_groups({"page": request.args.get("page") or 1, "page_size": 50})
        return render(request, "portal/qc/groups.html", groups=groups, labels=qc_labels(),
                      saved=request.args.get("saved"))

    def _group_form(self, request, group=None, form=None, status=200):
        return render(request, "portal/qc/group_form.html", status=status, group=group,
                      form=form or Form(group or {}), labels=qc_labels(), types=qc_domain.GROUP_TYPES,
                      roles=qc_domain.ROLES, blank_rows=MEMBER_ROWS)

    @page("GET", "/enterprise/qc/groups/new", roles=ENTERPRISE)
    def page_qc_group_new(self, request):
        return self._group_form(request, form=Form({"members": [{"name": "", "role": "leader", "title": ""}]}))

    @page("POST", "/enterprise/qc/groups/new", roles=ENTERPRISE)
    def page_qc_group_create(self, request):
        values = form_values(request)
        values["members"] = members_from(request)
        try:
            group = self.qc.create_group(values)
        except (ValidationFailed, Conflict, RuleViolation) as error:
            return self._group_form(request, form=Form(values, error), status=error.http_status)
        return redirect(f"/enterprise/qc/groups?saved={group['id']}")

    @page("GET", "/enterprise/qc/groups/<group_id>", roles=ENTERPRISE)
    def page_qc_group_edit(self, request, group_id):
        return self._group_form(request, group=self.qc.get_group(group_id))

    @page("POST", "/enterprise/qc/groups/<group_id>", roles=ENTERPRISE)
    def page_qc_group_update(self, request, group_id):
        group = self.qc.get_group(group_id)
        values = {key: value for key, value in form_values(request).items() if key in ("name", "topic")}
        values["members"] = members_from(request)
        try:
            self.qc.update_group(group_id, values)
        except (ValidationFailed, Conflict, RuleViolation) as error:
            return self._group_form(request, group=group, form=Form({**group, **values}, error),
                                    status=error.http_status)
        return redirect(f"/enterprise/qc/groups?saved={group_id}")

    @page("GET", "/enterprise/qc/results", roles=ENTERPRISE)
    def page_qc_results(self, request):
        return self._results_page(request, Form())

    def _results_page(self, request, form, status=200):
        results = self.qc.list_results({"page": request.args.get("page") or 1, "page_size": 50,
                                        "sort": "-created_at"})
        conferences = self.qc.list_conferences({"page_size": 50})["items"]
        groups = self.qc.list_groups({"page_size": 200})["items"]
        names = {conference["id"]: conference["name"] for conference in conferences}
        open_ones = [c for c in conferences if not c["submissions_locked"] and c["status"] != "published"]
        return render(request, "portal/qc/results.html", status=status, results=results, groups=groups,
                      conferences=open_ones, conference_names=names, form=form, labels=qc_labels())

    @page("POST", "/enterprise/qc/results", roles=ENTERPRISE)
    def page_qc_result_create(self, request):
        values = form_values(request)
        try:
            result = self.qc.create_result(values)
        except (ValidationFailed, Conflict, RuleViolation, PermissionDenied) as error:
            return self._results_page(request, Form(values, error), status=error.http_status)
        return redirect(f"/enterprise/qc/results/{result['id']}")

    def _result_form(self, request, result, form=None, status=200, notice=None):
        steps = qc_domain.STEPS[result["type"]]
        if form is None:
            given = {step["step"]: step["content"] for step in result["steps"]}
            values = {"title": result["title"], "economic_benefit": result.get("economic_benefit") or "",
                      "summary": result.get("summary") or "", "metrics": result["metrics"]}
            values.update({f"step_{index}": given.get(name, "") for index, name in enumerate(steps)})
            form = Form(values)
        conference = self.qc.get_conference(result["conference_id"])
        return render(request, "portal/qc/result_form.html", status=status, result=result, steps=steps,
                      conference=conference, form=form, labels=qc_labels(), blank_rows=METRIC_ROWS,
                      notice=notice or request.args.get("done"))

    @page("GET", "/enterprise/qc/results/<result_id>", roles=ENTERPRISE)
    def page_qc_result(self, request, result_id):
        return self._result_form(request, self.qc.get_result(result_id))

    @page("POST", "/enterprise/qc/results/<result_id>", roles=ENTERPRISE)
    def page_qc_result_save(self, request, result_id):
        result = self.qc.get_result(result_id)
        steps = qc_domain.STEPS[result["type"]]
        values = form_values(request)
        # ``?submit=1`` comes from the Submit button's formaction: portal.js disables buttons on
        # submit, and a disabled button's own name/value is not posted.
        action = values.pop("action", "save")
        if request.args.get("submit"):
            action = "submit"
        # Empty steps are left out, so submitting names each missing one (``steps.<name>``).
        payload = {
            "title": values.get("title", ""),
            "steps": [{"step": name, "content": values[f"step_{index}"]}
                      for index, name in enumerate(steps) if values.get(f"step_{index}")],
            "metrics": [{"name": row["metric_name"], "unit": row["metric_unit"] or None,
                         "before": row["metric_before"], "after": row["metric_after"]}
                        for row in rows_of(request, ("metric_name", "metric_unit", "metric_before", "metric_after"))],
            "summary": values.get("summary"),
        }
        if values.get("economic_benefit"):
            payload["economic_benefit"] = values["economic_benefit"]
        try:
            updated = self.qc.update_result(result_id, payload)
            if action == "submit":
                self.qc.submit_result(result_id)
        except (ValidationFailed, Conflict, RuleViolation) as error:
            shown = {**values, "metrics": payload["metrics"]}
            return self._result_form(request, result, Form(shown, error), status=error.http_status)
        done = "submitted" if action == "submit" else "saved"
        return redirect(f"/enterprise/qc/results/{updated['id']}?done={done}")

    @page("POST", "/enterprise/qc/results/<result_id>/withdraw", roles=ENTERPRISE)
    def page_qc_result_withdraw(self, request, result_id):
        self.qc.withdraw_result(result_id)
        return redirect(f"/enterprise/qc/results/{result_id}?done=withdrawn")


# -- judge --------------------------------------------------------------------------------


class QcJudgePages:
    qc = RpcProxy("qc")

    @page("GET", "/judge/assignments", roles=JUDGE)
    def page_qc_assignments(self, request):
        return render(request, "portal/qc/assignments.html", rounds=self.qc.my_assignments()["rounds"],
                      pending_only=False, labels=qc_labels(), conflict=request.args.get("conflict"))

    @page("GET", "/judge/score-sheets", roles=JUDGE)
    def page_qc_score_sheets(self, request):
        """The same assignments, only the entries still to score."""
        rounds = self.qc.my_assignments()["rounds"]
        for round_view in rounds:
            round_view["entries"] = [entry for entry in round_view["entries"] if not entry["scored"]]
        return render(request, "portal/qc/assignments.html", rounds=rounds, pending_only=True,
                      labels=qc_labels(), conflict=None)

    def _entry_page(self, request, round_id, result_id, form=None, conflict_form=None, status=200):
        entry = self.qc.get_entry(round_id, result_id)
        others = None
        if entry.get("my_score"):
            try:
                others = self.qc.get_entry_scores(round_id, result_id)
            except PermissionDenied:  # the service decides when they may be seen
                others = None
        if form is None:
            mine = entry.get("my_score") or {}
            form = Form({**{f"item_{code}": value for code, value in (mine.get("items") or {}).items()},
                         "comment": mine.get("comment") or ""})
        return render(request, "portal/qc/entry.html", status=status, entry=entry, others=others, form=form,
                      conflict_form=conflict_form or Form(), labels=qc_labels(),
                      steps_of_type=qc_domain.STEPS[entry["result"]["type"]], saved=request.args.get("saved"))

    @page("GET", "/judge/rounds/<round_id>/entries/<result_id>", roles=JUDGE)
    def page_qc_entry(self, request, round_id, result_id):
        return self._entry_page(request, round_id, result_id)

    @page("POST", "/judge/rounds/<round_id>/entries/<result_id>/score", roles=JUDGE)
    def page_qc_score(self, request, round_id, result_id):
        values = form_values(request)
        items = {key[len("item_"):]: number_or_text(value) for key, value in values.items()
                 if key.startswith("item_")}
        try:
            self.qc.submit_score(round_id, result_id, {"items": items, "comment": values.get("comment")})
        except (ValidationFailed, RuleViolation) as error:
            # The service keys item errors ``items.<code>``; the inputs are ``item_<code>``.
            fields = {key.replace("items.", "item_", 1): value for key, value in (error.fields or {}).items()}
            error.fields = fields
            return self._entry_page(request, round_id, result_id, form=Form(values, error),
                                    status=error.http_status)
        return redirect(f"/judge/rounds/{round_id}/entries/{result_id}?saved=1")

    @page("POST", "/judge/rounds/<round_id>/entries/<result_id>/conflict", roles=JUDGE)
    def page_qc_conflict(self, request, round_id, result_id):
        values = form_values(request)
        try:
            self.qc.declare_conflict(round_id, result_id, values)
        except (ValidationFailed, RuleViolation, Conflict) as error:
            return self._entry_page(request, round_id, result_id, conflict_form=Form(values, error),
                                    status=error.http_status)
        return redirect(f"/judge/assignments?conflict={result_id}")


# -- organiser ------------------------------------------------------------------------------


class QcOrganiserPages:
    qc = RpcProxy("qc")
    accounts = RpcProxy("accounts")

    @page("GET", "/organiser/qc", roles=ORGANISER)
    def page_qc_conferences(self, request):
        return self._conferences(request, Form({"judges_per_entry": 5, "aggregation": "trimmed_mean",
                                                "disagreement_threshold": 15, "grace_minutes": 0}))

    def _conferences(self, request, form, status=200):
        conferences = self.qc.list_conferences({"page": request.args.get("page") or 1, "page_size": 50})
        return render(request, "portal/qc/conferences.html", status=status, conferences=conferences, form=form,
                      labels=qc_labels(), default_rule=qc_domain.DEFAULT_GRADING_RULE)

    @page("POST", "/organiser/qc", roles=ORGANISER)
    def page_qc_conference_create(self, request):
        values = form_values(request)
        payload = {**values, "normalise": values.get("normalise") == "on"}
        if values.get("submission_deadline"):
            payload["submission_deadline"] = values["submission_deadline"] + (
                ":00" if len(values["submission_deadline"]) == 16 else "") + LOCAL_OFFSET
        try:
            conference = self.qc.create_conference(payload)
        except ValidationFailed as error:
            return self._conferences(request, Form(values, error), status=error.http_status)
        return redirect(f"/organiser/qc/{conference['id']}")

    def _judge_names(self):
        return {judge["id"]: judge["name"] for judge in self.accounts.list_judges()}

    @page("GET", "/organiser/qc/<conference_id>", roles=ORGANISER)
    def page_qc_conference(self, request, conference_id, form=None, status=200):
        conference = self.qc.get_conference(conference_id)
        results = self.qc.list_results({"conference_id": conference_id, "page_size": 200, "sort": "group_name"})
        rounds = self.qc.list_rounds(conference_id)
        return render(request, "portal/qc/conference.html", status=status, conference=conference,
                      results=results, rounds=rounds, labels=qc_labels(), form=form or Form(),
                      judges=self.accounts.list_judges(), done=request.args.get("done"))

    def _conference_error(self, request, conference_id, error, values=None):
        conference = self.qc.get_conference(conference_id)
        results = self.qc.list_results({"conference_id": conference_id, "page_size": 200, "sort": "group_name"})
        return render(request, "portal/qc/conference.html", status=error.http_status, conference=conference,
                      results=results, rounds=self.qc.list_rounds(conference_id), labels=qc_labels(),
                      form=Form(values or {}, error), judges=self.accounts.list_judges(), done=None)

    @page("POST", "/organiser/qc/<conference_id>/close-submissions", roles=ORGANISER)
    def page_qc_close_submissions(self, request, conference_id):
        self.qc.close_submissions(conference_id)
        return redirect(f"/organiser/qc/{conference_id}?done=locked")

    @page("POST", "/organiser/qc/<conference_id>/review", roles=ORGANISER)
    def page_qc_open_review(self, request, conference_id):
        values = form_values(request, lists=("judge_ids",))
        payload = {"judge_ids": values["judge_ids"]} if values.get("judge_ids") else {}  # none ticked: all
        try:
            round_doc = self.qc.start_document_review(conference_id, payload)
        except (ValidationFailed, RuleViolation, Conflict) as error:
            return self._conference_error(request, conference_id, error, values)
        return redirect(f"/organiser/qc/rounds/{round_doc['id']}")

    @page("POST", "/organiser/qc/<conference_id>/shortlist", roles=ORGANISER)
    def page_qc_shortlist(self, request, conference_id):
        values = form_values(request, lists=("judge_ids",))
        payload = {key: values[key] for key in ("top_n", "threshold", "judge_ids") if values.get(key)}
        try:
            round_doc = self.qc.shortlist(conference_id, payload)
        except (ValidationFailed, RuleViolation, Conflict) as error:
            return self._conference_error(request, conference_id, error, values)
        return redirect(f"/organiser/qc/rounds/{round_doc['id']}")

    @page("GET", "/organiser/qc/rounds/<round_id>", roles=ORGANISER)
    def page_qc_round(self, request, round_id, form=None, status=200):
        round_doc = self.qc.get_round(round_id)
        board = self.qc.leaderboard(round_id)["items"]
        chart = {"labels": [row["group_name"] for row in board if row["score"] is not None],
                 "scores": [row["score"] for row in board if row["score"] is not None]}
        return render(request, "portal/qc/round.html", status=status, round=round_doc,
                      conference=self.qc.get_conference(round_doc["conference_id"]),
                      progress=self.qc.round_progress(round_id), board=board,
                      disagreements=self.qc.disagreements(round_id), chart=chart,
                      judge_names=self._judge_names(), form=form or Form(), labels=qc_labels(),
                      done=request.args.get("done"))

    @page("POST", "/organiser/qc/rounds/<round_id>/entries/<result_id>/panel", roles=ORGANISER)
    def page_qc_panel(self, request, round_id, result_id):
        values = form_values(request, lists=("remove",))
        payload = {"add": [values["add"]] if values.get("add") else [], "remove": values.get("remove", [])}
        try:
            self.qc.override_assignment(round_id, result_id, payload)
        except (ValidationFailed, RuleViolation, Conflict) as error:
            return self.page_qc_round(request, round_id, form=Form(values, error), status=error.http_status)
        return redirect(f"/organiser/qc/rounds/{round_id}?done=panel")

    @page("POST", "/organiser/qc/rounds/<round_id>/close", roles=ORGANISER)
    def page_qc_close_round(self, request, round_id):
        try:
            self.qc.close_round(round_id)
        except (RuleViolation, Conflict) as error:
            return self.page_qc_round(request, round_id, form=Form({}, error), status=error.http_status)
        return redirect(f"/organiser/qc/rounds/{round_id}?done=closed")

    @page("GET", "/organiser/qc/<conference_id>/grades", roles=ORGANISER)
    def page_qc_grades(self, request, conference_id, form=None, status=200):
        conference = self.qc.get_conference(conference_id)
        try:
            preview = self.qc.preview_grades(conference_id)
        except RuleViolation as error:
            preview, form, status = None, Form({}, error), error.http_status
        return render(request, "portal/qc/grades.html", status=status, conference=conference, preview=preview,
                      form=form or Form(), labels=qc_labels(), done=request.args.get("done"))

    @page("POST", "/organiser/qc/<conference_id>/grades/publish", roles=ORGANISER)
    def page_qc_publish(self, request, conference_id):
        try:
            self.qc.publish_grades(conference_id)
        except (RuleViolation, Conflict) as error:
            return self.page_qc_grades(request, conference_id, form=Form({}, error), status=error.http_status)
        return redirect(f"/organiser/qc/{conference_id}/grades?done=published")

    @page("GET", "/organiser/qc/<conference_id>/grades.xlsx", roles=ORGANISER)
    def page_qc_grades_xlsx(self, request, conference_id):
        exported = self.qc.export_grades(conference_id)
        return Response(base64.b64decode(exported["content"]), content_type=XLSX_TYPE, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(exported['filename'])}"})
