"""qc: QC groups, results (成果) and the provincial results conference (成果发布会).

Entrypoints stay thin: validate with a schema, apply the domain's rules,
persist through the repository. Enterprises and judges come from projections
of accounts' events, so judging never calls accounts at run time.
"""
import base64
import io
import logging
from datetime import UTC, datetime

from nameko.dependency_providers import Config
from openpyxl import Workbook
from openpyxl.styles import Font

from services.qc import domain
from services.qc.events import QC_GRADES_PUBLISHED, QC_RESULT_SUBMITTED, QC_ROUND_CLOSED
from services.qc.repository import QcRepository
from services.qc.schemas import (
    AttachmentSchema,
    AttachmentUploadSchema,
    AuditSchema,
    BatchScoresSchema,
    ConferenceQuerySchema,
    ConferenceSchema,
    CreateConferenceSchema,
    CreateGroupSchema,
    CreateResultSchema,
    CreateRoundSchema,
    DeclareConflictSchema,
    GroupQuerySchema,
    GroupSchema,
    OverrideSchema,
    PageSchema,
    ResultFieldsSchema,
    ResultQuerySchema,
    ResultSchema,
    RoundSchema,
    ScoreOutSchema,
    ScoreSchema,
    ShortlistSchema,
    UpdateGroupSchema,
)
from shared import failed_events, judging
from shared.auth import CallerIdentity
from shared.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from shared.events import make_event
from shared.logging import CorrelationTracker
from shared.messaging import envelope_of, event_handler
from shared.mongo import MongoStore
from shared.rpc import rpc
from shared.validation import load, page_of

SERVICE_NAME = "qc"
log = logging.getLogger(__name__)

XLSX_HEADERS = ["小组名称", "企业", "课题", "类型", "得分", "排名", "等级"]


def _now():
    return datetime.now(UTC)


def _truthy(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class QcService(failed_events.FailedEventsAdmin):
    name = SERVICE_NAME

    store = MongoStore(QcRepository)
    caller = CallerIdentity()
    correlation = CorrelationTracker()
    config = Config()

    @rpc
    def health(self):
        self.store.ping()
        return {"service": self.name, "store": "ok"}

    # -- projections ---------------------------------------------------------------

    @event_handler("accounts", "enterprise_registered")
    def on_enterprise_registered(self, body):
        envelope = envelope_of(body)
        payload = envelope["payload"]
        enterprise = {
            "_id": payload["enterprise_id"], "name": payload["name"], "division_code": payload["division_code"],
            "industry_code": payload["industry_code"], "group_company": payload.get("group_company"),
        }
        self.store.handle_once(envelope, "qc_enterprise_projection",
                               lambda session: self.store.project_enterprise(session, enterprise))

    @event_handler("accounts", "judge_registered")
    def on_judge_registered(self, body):
        envelope = envelope_of(body)
        payload = envelope["payload"]
        judge = {
            "_id": payload["judge_id"], "user_id": payload["user_id"], "name": payload["name"],
            "expertise": payload.get("expertise") or [],
            "employer_enterprise_id": payload.get("employer_enterprise_id"),
            "employer_name": payload.get("employer_name"), "group_company": payload.get("group_company"),
            "division_code": payload.get("division_code"),
        }
        self.store.handle_once(envelope, "qc_judge_projection",
                               lambda session: self.store.project_judge(session, judge))

    # -- groups ----------------------------------------------------------------------

    @rpc
    def create_group(self, payload):
        identity = self.caller.require("enterprise")
        data = load(CreateGroupSchema(), payload)
        domain.check_members(data["members"])
        enterprise = self.store.enterprise(identity.enterprise_id)
        if enterprise is None:
            raise RuleViolation("企业信息尚未同步，请稍后重试 / the enterprise is not known here yet; retry shortly")
        now = _now()
        group = domain.new_group(data, enterprise, None, now)
        self.store.add_group(group, now.year, enterprise["division_code"],
                             lambda seq: domain.registration_number(now.year, enterprise["division_code"], seq))
        return GroupSchema().dump(group)

    def _group(self, identity, group_id):
        group = self.store.group(group_id)
        if group is None:
            raise NotFound("小组不存在 / group not found")
        domain.check_owns(identity, group, "小组")
        return group

    @rpc
    def get_group(self, group_id):
        identity = self.caller.require("enterprise", "organiser")
        return GroupSchema().dump(self._group(identity, group_id))

    @rpc
    def update_group(self, group_id, payload):
        identity = self.caller.require("enterprise")
        self._group(identity, group_id)
        changes = load(UpdateGroupSchema(), payload)
        if "members" in changes:
            domain.check_members(changes["members"])
        changes["updated_at"] = _now()
        return GroupSchema().dump(self.store.update_group(group_id, changes))

    @rpc
    def list_groups(self, query=None):
        identity = self.caller.require("enterprise", "organiser")
        params = load(GroupQuerySchema(), query)
        filters = {key: params[key] for key in ("enterprise_id", "division_code", "type") if params[key]}
        if identity.role == "enterprise":
            filters["enterprise_id"] = identity.enterprise_id
        items, total = self.store.find_groups(filters, params["sort"], params["page"], params["page_size"])
        return page_of(GroupSchema(many=True).dump(items), total, params["page"], params["page_size"])

    # -- conferences -------------------------------------------------------------------

    def _conference(self, conference_id):
        conference = self.store.conference(conference_id)
        if conference is None:
            raise NotFound("发布会不存在 / conference not found")
        return conference

    def _dump_conference(self, conference):
        now = _now()
        view = {**conference, "locks_at": domain.lock_time(conference),
                "submissions_locked": domain.is_locked(conference, now)}
        return ConferenceSchema().dump(view)

    @rpc
    def create_conference(self, payload):
        identity = self.caller.require("organiser")
        data = load(CreateConferenceSchema(), payload)
        data["grading_rule"] = domain.check_grading_rule(data["grading_rule"])
        conference = domain.new_conference(data, identity, _now())
        self.store.add_conference(conference)
        return self._dump_conference(conference)

    @rpc
    def get_conference(self, conference_id):
        self.caller.require()
        return self._dump_conference(self._conference(conference_id))

    @rpc
    def list_conferences(self, query=None):
        self.caller.require()
        params = load(ConferenceQuerySchema(), query)
        items, total = self.store.find_conferences(params["year"], params["page"], params["page_size"])
        return page_of([self._dump_conference(item) for item in items], total, params["page"], params["page_size"])

    @rpc
    def close_submissions(self, conference_id):
        """Bring the deadline forward to now, with no grace: submissions lock at once."""
        self.caller.require("organiser")
        conference = self._conference(conference_id)
        now = _now()
        if not domain.is_locked(conference, now):
            conference = self.store.update_conference(conference_id, {"submission_deadline": now, "grace_minutes": 0})
        return self._dump_conference(conference)

    # -- results -------------------------------------------------------------------------

    def _result(self, identity, result_id):
        result = self.store.result(result_id)
        if result is None:
            raise NotFound("成果不存在 / result not found")
        domain.check_owns(identity, result, "成果")
        return result

    def _dump_result(self, result, conference=None):
        conference = conference or self._conference(result["conference_id"])
        return ResultSchema().dump({**result, "status": domain.result_status(result, conference, _now())})

    @rpc
    def create_result(self, payload):
        identity = self.caller.require("enterprise")
        data = load(CreateResultSchema(), payload)
        group = self._group(identity, data["group_id"])
        conference = self._conference(data["conference_id"])
        now = _now()
        domain.check_open_for_submissions(conference, now)
        result = domain.new_result(data, group, conference, now)
        self.store.add_result(result)
        return self._dump_result(result, conference)

    @rpc
    def get_result(self, result_id):
        identity = self.caller.require("enterprise", "organiser")
        return self._dump_result(self._result(identity, result_id))

    @rpc
    def update_result(self, result_id, payload):
        identity = self.caller.require("enterprise")
        result = self._result(identity, result_id)
        conference = self._conference(result["conference_id"])
        changes = load(ResultFieldsSchema(), payload)
        now = _now()
        domain.check_editable(result, conference, now)
        changes["updated_at"] = now
        return self._dump_result(self.store.update_result(result_id, changes, result["status"]), conference)

    @rpc
    def submit_result(self, result_id):
        identity = self.caller.require("enterprise")
        result = self._result(identity, result_id)
        conference = self._conference(result["conference_id"])
        now = _now()
        domain.check_can_submit(result, conference, now)
        event = make_event(QC_RESULT_SUBMITTED, self.name, {
            "result_id": result["_id"], "conference_id": conference["_id"], "enterprise_id": result["enterprise_id"],
            "group_id": result["group_id"], "group_name": result["group_name"], "title": result["title"],
            "type": result["type"], "submitted_at": now.isoformat(),
        })
        updated = self.store.update_result(result_id, {"status": "submitted", "submitted_at": now, "updated_at": now},
                                           result["status"], event)
        return self._dump_result(updated, conference)

    @rpc
    def withdraw_result(self, result_id):
        identity = self.caller.require("enterprise")
        result = self._result(identity, result_id)
        conference = self._conference(result["conference_id"])
        now = _now()
        domain.check_can_withdraw(result, conference, now)
        updated = self.store.update_result(result_id, {"status": "withdrawn", "updated_at": now}, "submitted")
        return self._dump_result(updated, conference)

    @rpc
    def add_attachment(self, result_id, payload):
        """A file on a draft (or withdrawn) result, in GridFS; type allow-list and size limit from config."""
        identity = self.caller.require("enterprise")
        data = load(AttachmentUploadSchema(), payload)
        result = self._result(identity, result_id)
        conference = self._conference(result["conference_id"])
        now = _now()
        domain.check_editable(result, conference, now)
        try:
            content = base64.b64decode(data["content"], validate=True)
        except ValueError:
            raise ValidationFailed("附件内容须为 base64 / content must be base64", {"content": ["not base64"]})
        max_bytes = int(self.config.get("QC_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
        domain.check_attachment(result, data["filename"], data["content_type"], content, max_bytes)
        attachment = {"id": domain.new_id(), "filename": data["filename"], "content_type": data["content_type"],
                      "size": len(content), "uploaded_at": now}
        self.store.add_attachment(result_id, result["status"], attachment, content)
        return AttachmentSchema().dump(attachment)

    @rpc
    def get_attachment(self, result_id, attachment_id):
        """The file, for its enterprise, organisers, and judges assigned to the result without a conflict."""
        identity = self.caller.require("enterprise", "organiser", "judge")
        result = self.store.result(result_id)
        if result is None:
            raise NotFound("成果不存在 / result not found")
        if identity.role == "judge":
            if not domain.judge_may_read_result(identity, self.store.rounds_of(result["conference_id"]), result_id):
                raise PermissionDenied("该成果未分配给您或须回避 / not assigned to you, or you are conflicted")
        else:
            domain.check_owns(identity, result, "成果")
        attachment = next((a for a in result.get("attachments") or [] if a["id"] == attachment_id), None)
        content = self.store.attachment_content(attachment_id) if attachment else None
        if content is None:
            raise NotFound("附件不存在 / attachment not found")
        return {**AttachmentSchema().dump(attachment), "content": base64.b64encode(content).decode("ascii")}

    @rpc
    def list_results(self, query=None):
        identity = self.caller.require("enterprise", "organiser")
        params = load(ResultQuerySchema(), query)
        filters = {key: params[key] for key in ("conference_id", "enterprise_id", "status", "type", "division_code")
                   if params[key]}
        if identity.role == "enterprise":
            filters["enterprise_id"] = identity.enterprise_id
        items, total = self.store.find_results(filters, params["sort"], params["page"], params["page_size"])
        conferences = {}
        dumped = []
        for item in items:
            conference = conferences.setdefault(item["conference_id"], self._conference(item["conference_id"]))
            dumped.append(self._dump_result(item, conference))
        return page_of(dumped, total, params["page"], params["page_size"])

    # -- rounds --------------------------------------------------------------------------

    def _conflict_rules(self):
        return judging.ConflictRules(same_division=_truthy(self.config.get("QC_SAME_DIVISION_CONFLICT", False)))

    def _round(self, round_id):
        round_doc = self.store.round(round_id)
        if round_doc is None:
            raise NotFound("评审轮次不存在 / round not found")
        return round_doc

    def _judge_pool(self, judge_ids):
        judges = self.store.judges(judge_ids)
        if judge_ids is not None and len(judges) != len(set(judge_ids)):
            known = {judge["_id"] for judge in judges}
            missing = sorted(set(judge_ids) - known)
            raise RuleViolation("评审专家不存在 / unknown judges", {"judge_ids": missing})
        if not judges:
            raise RuleViolation("尚无评审专家 / no judges are registered")
        return judges

    def _open_round(self, conference, kind, results, judge_ids):
        if not results:
            raise RuleViolation("没有可评审的成果 / there are no entries to review")
        judges = self._judge_pool(judge_ids)
        enterprises = self.store.enterprises_by_ids({result["enterprise_id"] for result in results})
        plan = domain.plan_round(kind, conference, results, enterprises, judges,
                                 self.store.declarations(conference["_id"]), self._conflict_rules())
        round_doc = {
            "_id": domain.new_id(), "conference_id": conference["_id"], "kind": kind, "status": "open",
            **plan, "judges": sorted({j for panel in plan["panels"].values() for j in panel}),
            "created_at": _now(), "closed_at": None,
        }
        self.store.add_round(round_doc)
        return round_doc

    def _dump_round(self, round_doc):
        return RoundSchema().dump({**round_doc, "entry_count": len(round_doc["entries"])})

    @rpc
    def start_document_review(self, conference_id, payload=None):
        self.caller.require("organiser")
        params = load(CreateRoundSchema(), payload)
        conference = self._conference(conference_id)
        if not domain.is_locked(conference, _now()):
            raise RuleViolation("成果提交尚未截止 / submissions are still open")
        results = self.store.submitted_results(conference_id)
        return self._dump_round(self._open_round(conference, domain.DOCUMENT_REVIEW, results, params["judge_ids"]))

    @rpc
    def list_rounds(self, conference_id):
        self.caller.require("organiser")
        self._conference(conference_id)
        return [self._dump_round(round_doc) for round_doc in self.store.rounds_of(conference_id)]

    @rpc
    def get_round(self, round_id):
        self.caller.require("organiser")
        return self._dump_round(self._round(round_id))

    @rpc
    def override_assignment(self, round_id, result_id, payload):
        self.caller.require("organiser")
        params = load(OverrideSchema(), payload)
        round_doc = self._round(round_id)
        domain.check_round_open(round_doc)
        unknown = sorted(set(params["add"]) - {judge["_id"] for judge in self.store.judges(params["add"])})
        if unknown:
            raise RuleViolation("评审专家不存在 / unknown judges", {"add": unknown})
        scored = [score["judge_id"] for score in self.store.scores(round_id, result_id=result_id)]
        panels = domain.override_panel(round_doc, result_id, params["add"], params["remove"], scored)
        judges = sorted({j for panel in panels.values() for j in panel})
        updated = self.store.set_panel(round_id, result_id, panels[result_id], judges)
        if updated is None:
            domain.check_round_open({"status": "closed"})
        return self._dump_round(updated)

    @rpc
    def close_round(self, round_id):
        self.caller.require("organiser")
        round_doc = self._round(round_id)
        domain.check_round_open(round_doc)
        now = _now()
        event = make_event(QC_ROUND_CLOSED, self.name, {
            "round_id": round_id, "conference_id": round_doc["conference_id"], "kind": round_doc["kind"],
            "entries": len(round_doc["entries"]), "scores": len(self.store.scores(round_id)),
            "closed_at": now.isoformat(),
        })
        self.store.close_round(round_id, now, event)
        return self._dump_round(self._round(round_id))

    @rpc
    def shortlist(self, conference_id, payload):
        """Shortlist from the closed document review and open the presentation round on the presentation sheet."""
        self.caller.require("organiser")
        params = load(ShortlistSchema(), payload)
        conference = self._conference(conference_id)
        review = next((r for r in self.store.rounds_of(conference_id) if r["kind"] == domain.DOCUMENT_REVIEW), None)
        if review is None or review["status"] != "closed":
            raise RuleViolation("资料评审须先结束 / close the document review first")
        board = domain.leaderboard(review, conference, self.store.scores(review["_id"]))
        chosen = domain.shortlist(board, params["top_n"], params["threshold"])
        results = list(self.store.results_by_ids(chosen).values())
        results.sort(key=lambda result: result["_id"])
        return self._dump_round(self._open_round(conference, domain.PRESENTATION, results, params["judge_ids"]))

    # -- judging -------------------------------------------------------------------------

    def _entry_view(self, round_doc, result):
        entry = round_doc["entries"][result["_id"]]
        sheet = judging.get_builtin_sheet(entry["sheet"], entry["sheet_version"])
        return {
            "round_id": round_doc["_id"], "round_kind": round_doc["kind"], "round_status": round_doc["status"],
            "result": ResultSchema().dump(result), "sheet": judging.sheet_to_dict(sheet),
        }

    @rpc
    def get_entry(self, round_id, result_id):
        identity = self.caller.require("judge", "organiser")
        round_doc = self._round(round_id)
        domain.check_judge_may_access(identity, round_doc, result_id)
        view = self._entry_view(round_doc, self.store.result(result_id))
        if identity.role == "judge":
            mine = self.store.scores(round_id, result_id=result_id, judge_id=identity.judge_id)
            view["my_score"] = ScoreOutSchema().dump(mine[0]) if mine else None
        return view

    @rpc
    def get_entry_scores(self, round_id, result_id):
        """Every judge's score for an entry; a judge sees them only after submitting its own."""
        identity = self.caller.require("judge", "organiser")
        round_doc = self._round(round_id)
        domain.check_judge_may_access(identity, round_doc, result_id)
        scores = self.store.scores(round_id, result_id=result_id)
        if identity.role == "judge" and identity.judge_id not in {score["judge_id"] for score in scores}:
            raise PermissionDenied("提交自己的评分后才能查看他人评分 / submit your own score before seeing others'")
        return ScoreOutSchema(many=True).dump(scores)

    def _save(self, identity, round_doc, entries):
        """Validate every (result_id, items, comment), then store all with their audit records together."""
        domain.check_round_open(round_doc)
        now = _now()
        changes, totals = [], {}
        existing = {s["result_id"]: s for s in self.store.scores(round_doc["_id"], judge_id=identity.judge_id)}
        judge = self.store.judge(identity.judge_id) or {}
        for result_id, items, comment in entries:
            domain.check_judge_may_access(identity, round_doc, result_id)
            total = domain.check_scores(round_doc, result_id, items)
            old = existing.get(result_id)
            score = {
                "_id": f"{round_doc['_id']}:{result_id}:{identity.judge_id}", "round_id": round_doc["_id"],
                "result_id": result_id, "judge_id": identity.judge_id, "judge_name": judge.get("name", identity.name),
                "items": items, "total": total, "comment": comment,
                "created_at": old["created_at"] if old else now, "updated_at": now,
            }
            audit = {
                "_id": domain.new_id(), "round_id": round_doc["_id"], "result_id": result_id,
                "judge_id": identity.judge_id, "changed_by": identity.user_id, "changed_at": now,
                "old": {"items": old["items"], "total": old["total"]} if old else None,
                "new": {"items": items, "total": total},
            }
            changes.append((score, audit))
            totals[result_id] = total
        if not self.store.save_scores(round_doc["_id"], changes):
            domain.check_round_open({"status": "closed"})
        return totals

    @rpc
    def submit_score(self, round_id, result_id, payload):
        identity = self.caller.require("judge")
        data = load(ScoreSchema(), payload)
        round_doc = self._round(round_id)
        totals = self._save(identity, round_doc, [(result_id, data["items"], data["comment"])])
        return {"round_id": round_id, "result_id": result_id, "total": totals[result_id]}

    @rpc
    def submit_scores(self, round_id, payload):
        """Several entries at once (all or nothing)."""
        identity = self.caller.require("judge")
        data = load(BatchScoresSchema(), payload)
        round_doc = self._round(round_id)
        totals = self._save(identity, round_doc,
                            [(item["result_id"], item["items"], item["comment"]) for item in data["scores"]])
        return {"round_id": round_id, "totals": totals}

    @rpc
    def declare_conflict(self, round_id, result_id, payload):
        identity = self.caller.require("judge")
        data = load(DeclareConflictSchema(), payload)
        round_doc = self._round(round_id)
        domain.check_round_open(round_doc)
        domain.check_judge_may_access(identity, round_doc, result_id)
        if self.store.scores(round_id, result_id=result_id, judge_id=identity.judge_id):
            raise RuleViolation("已评分后不能申报回避，请联系组织者 / already scored; ask the organiser")
        panels = {**round_doc["panels"]}
        panels[result_id] = [j for j in panels[result_id] if j != identity.judge_id]
        judges = sorted({j for panel in panels.values() for j in panel})
        self.store.declare_conflict({
            "_id": domain.new_id(), "conference_id": round_doc["conference_id"], "result_id": result_id,
            "judge_id": identity.judge_id, "reason": data["reason"].strip(), "declared_at": _now(),
        }, round_id, panels[result_id], judges)
        return {"round_id": round_id, "result_id": result_id, "declared": True}

    @rpc
    def my_assignments(self):
        identity = self.caller.require("judge")
        rounds = []
        for round_doc in self.store.open_rounds_for_judge(identity.judge_id):
            mine = [rid for rid, panel in round_doc["panels"].items() if identity.judge_id in panel]
            scored = {s["result_id"] for s in self.store.scores(round_doc["_id"], judge_id=identity.judge_id)}
            results = self.store.results_by_ids(mine)
            rounds.append({
                "round_id": round_doc["_id"], "conference_id": round_doc["conference_id"],
                "kind": round_doc["kind"], "status": round_doc["status"],
                "assigned": len(mine), "scored": len(scored & set(mine)),
                "entries": [{"result_id": rid, "title": results[rid]["title"], "group_name": results[rid]["group_name"],
                             "type": results[rid]["type"], "sheet": round_doc["entries"][rid]["sheet"],
                             "scored": rid in scored} for rid in sorted(mine)],
            })
        return {"rounds": rounds}

    # -- organiser views -------------------------------------------------------------------

    @rpc
    def round_progress(self, round_id):
        self.caller.require("organiser")
        round_doc = self._round(round_id)
        scores = self.store.scores(round_id)
        names = {judge["_id"]: judge["name"] for judge in self.store.judges(round_doc["judges"])}
        per_judge = {}
        for panel in round_doc["panels"].values():
            for judge_id in panel:
                per_judge.setdefault(judge_id, {"judge_id": judge_id, "name": names.get(judge_id, ""),
                                                "assigned": 0, "scored": 0})["assigned"] += 1
        for score in scores:
            if score["judge_id"] in per_judge:
                per_judge[score["judge_id"]]["scored"] += 1
        judges = sorted(per_judge.values(), key=lambda row: row["judge_id"])
        assigned = sum(row["assigned"] for row in judges)
        return {"round_id": round_id, "status": round_doc["status"], "assigned": assigned, "scored": len(scores),
                "judges": judges}

    def _board(self, round_doc):
        conference = self._conference(round_doc["conference_id"])
        board = domain.leaderboard(round_doc, conference, self.store.scores(round_doc["_id"]))
        results = self.store.results_by_ids(round_doc["entries"])
        for row in board:
            result = results[row["result_id"]]
            row.update({"title": result["title"], "group_name": result["group_name"],
                        "enterprise_name": result["enterprise_name"], "type": result["type"]})
        return conference, board

    @rpc
    def leaderboard(self, round_id):
        self.caller.require("organiser")
        _, board = self._board(self._round(round_id))
        return {"round_id": round_id, "items": board}

    @rpc
    def disagreements(self, round_id):
        self.caller.require("organiser")
        conference, board = self._board(self._round(round_id))
        return {"round_id": round_id, "threshold": conference["disagreement_threshold"],
                "items": [row for row in board if row["flagged"]]}

    @rpc
    def score_audit(self, round_id, query=None):
        self.caller.require("organiser")
        params = load(PageSchema(), query)
        self._round(round_id)
        items, total = self.store.audit(round_id, params["page"], params["page_size"])
        return page_of(AuditSchema(many=True).dump(items), total, params["page"], params["page_size"])

    # -- grades ----------------------------------------------------------------------------

    def _grades(self, conference):
        round_doc = domain.final_round(self.store.rounds_of(conference["_id"]))
        if round_doc is None:
            raise RuleViolation("尚无评审轮次 / no round has been held")
        _, board = self._board(round_doc)
        by_id = {row["result_id"]: row for row in board}
        results = self.store.results_by_ids(by_id)
        graded = []
        for item in domain.grade(board, conference):
            result = results[item["result_id"]]
            graded.append({**item, "enterprise_id": result["enterprise_id"], "group_name": result["group_name"],
                           "enterprise_name": result["enterprise_name"], "title": result["title"],
                           "type": result["type"]})
        unscored = [row["result_id"] for row in board if row["score"] is None]
        return round_doc, graded, unscored

    @rpc
    def preview_grades(self, conference_id):
        self.caller.require("organiser")
        conference = self._conference(conference_id)
        if conference["status"] == "published":
            return {"conference_id": conference_id, "status": "published", "items": conference["grades"],
                    "unscored": []}
        round_doc, graded, unscored = self._grades(conference)
        return {"conference_id": conference_id, "status": "preview", "round_id": round_doc["_id"],
                "round_kind": round_doc["kind"], "round_status": round_doc["status"],
                "rule": conference["grading_rule"], "items": graded, "unscored": unscored}

    @rpc
    def publish_grades(self, conference_id):
        self.caller.require("organiser")
        conference = self._conference(conference_id)
        if conference["status"] == "published":
            raise RuleViolation("成绩已发布 / grades are already published")
        round_doc, graded, unscored = self._grades(conference)
        if round_doc["status"] != "closed":
            raise RuleViolation("评审轮次须先结束 / close the final round before publishing")
        if unscored:
            raise RuleViolation("仍有未评分的成果 / some entries have no scores", {"unscored": unscored})
        event = make_event(QC_GRADES_PUBLISHED, self.name, {
            "conference_id": conference_id, "conference_name": conference["name"], "year": conference["year"],
            "results": [{key: item[key] for key in ("result_id", "enterprise_id", "group_name", "title", "score",
                                                    "rank", "grade")} for item in graded],
        })
        self.store.publish_grades(conference_id, graded, _now(), event)
        return {"conference_id": conference_id, "status": "published", "items": graded}

    @rpc
    def export_grades(self, conference_id):
        """The graded results as an XLSX workbook (base64), published grades if any, else the preview."""
        self.caller.require("organiser")
        conference = self._conference(conference_id)
        graded = conference.get("grades") or self._grades(conference)[1]
        book = Workbook()
        sheet = book.active
        sheet.title = "成果发布会"[:31]
        sheet.append(XLSX_HEADERS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for item in graded:
            sheet.append([item["group_name"], item["enterprise_name"], item["title"],
                          domain.TYPE_NAMES[item["type"]], item["score"], item["rank"], item["grade"] or ""])
        for column, width in zip("ABCDEFG", (24, 30, 40, 22, 8, 6, 8), strict=True):
            sheet.column_dimensions[column].width = width
        buffer = io.BytesIO()
        book.save(buffer)
        return {"filename": f"qc-results-{conference['year']}.xlsx",
                "content": base64.b64encode(buffer.getvalue()).decode("ascii")}
