"""Routes owned by the qc service (QC groups and the provincial results conference)."""
import base64
from urllib.parse import quote

from nameko.rpc import RpcProxy
from werkzeug.wrappers import Response

from services.gateway.openapi import documented
from services.gateway.routes.common import query_args
from services.qc.schemas import (
    AttachmentSchema,
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
from shared.errors import ValidationFailed
from shared.http import http, parse_json

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TAG = "qc"
# A ceiling on what the gateway reads from one upload; the service applies its own (lower) limit.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class QcRoutes:
    qc = RpcProxy("qc")

    # -- groups
    @http("POST", "/api/v1/qc/groups")
    @documented("登记QC小组 / register a QC group (enterprises)", TAG, request=CreateGroupSchema,
                response=GroupSchema, status=201, errors=("400", "409", "422"))
    def create_qc_group(self, request):
        return 201, self.qc.create_group(parse_json(request))

    @http("GET", "/api/v1/qc/groups")
    @documented("QC小组列表 / list QC groups (own, or all for organisers)", TAG, query=GroupQuerySchema)
    def list_qc_groups(self, request):
        return self.qc.list_groups(query_args(request))

    @http("GET", "/api/v1/qc/groups/<group_id>")
    @documented("QC小组详情 / one QC group", TAG, response=GroupSchema, errors=("404",))
    def get_qc_group(self, request, group_id):
        return self.qc.get_group(group_id)

    @http("PATCH", "/api/v1/qc/groups/<group_id>")
    @documented("修改QC小组 / update a QC group", TAG, request=UpdateGroupSchema, response=GroupSchema,
                errors=("400", "404", "409"))
    def update_qc_group(self, request, group_id):
        return self.qc.update_group(group_id, parse_json(request))

    # -- conferences
    @http("POST", "/api/v1/qc/conferences")
    @documented("创建成果发布会 / create a results conference (organisers)", TAG,
                request=CreateConferenceSchema, response=ConferenceSchema, status=201)
    def create_qc_conference(self, request):
        return 201, self.qc.create_conference(parse_json(request))

    @http("GET", "/api/v1/qc/conferences")
    @documented("成果发布会列表 / list conferences", TAG, query=ConferenceQuerySchema)
    def list_qc_conferences(self, request):
        return self.qc.list_conferences(query_args(request))

    @http("GET", "/api/v1/qc/conferences/<conference_id>")
    @documented("成果发布会详情 / one conference", TAG, response=ConferenceSchema, errors=("404",))
    def get_qc_conference(self, request, conference_id):
        return self.qc.get_conference(conference_id)

    @http("POST", "/api/v1/qc/conferences/<conference_id>/close-submissions")
    @documented("截止提交 / lock submissions now (organisers)", TAG, response=ConferenceSchema, errors=("404",))
    def close_qc_submissions(self, request, conference_id):
        return self.qc.close_submissions(conference_id)

    # -- results
    @http("POST", "/api/v1/qc/results")
    @documented("起草成果 / draft a QC result (enterprises)", TAG, request=CreateResultSchema,
                response=ResultSchema, status=201, errors=("400", "404", "409", "422"))
    def create_qc_result(self, request):
        return 201, self.qc.create_result(parse_json(request))

    @http("GET", "/api/v1/qc/results")
    @documented("成果列表 / list results (own, or all for organisers)", TAG, query=ResultQuerySchema)
    def list_qc_results(self, request):
        return self.qc.list_results(query_args(request))

    @http("GET", "/api/v1/qc/results/<result_id>")
    @documented("成果详情 / one result", TAG, response=ResultSchema, errors=("404",))
    def get_qc_result(self, request, result_id):
        return self.qc.get_result(result_id)

    @http("PATCH", "/api/v1/qc/results/<result_id>")
    @documented("修改成果草稿 / edit a draft result", TAG, request=ResultFieldsSchema, response=ResultSchema,
                errors=("400", "404", "409", "422"))
    def update_qc_result(self, request, result_id):
        return self.qc.update_result(result_id, parse_json(request))

    @http("POST", "/api/v1/qc/results/<result_id>/submit")
    @documented("提交成果 / submit a result (steps validated)", TAG, response=ResultSchema,
                errors=("400", "404", "409", "422"))
    def submit_qc_result(self, request, result_id):
        return self.qc.submit_result(result_id)

    @http("POST", "/api/v1/qc/results/<result_id>/withdraw")
    @documented("撤回成果 / withdraw a submitted result before the lock", TAG, response=ResultSchema,
                errors=("404", "409", "422"))
    def withdraw_qc_result(self, request, result_id):
        return self.qc.withdraw_result(result_id)

    # -- rounds (organisers)
    @http("POST", "/api/v1/qc/conferences/<conference_id>/rounds")
    @documented("开始资料评审并自动分配专家 / open the document review with automatic assignment", TAG,
                request=CreateRoundSchema, response=RoundSchema, status=201, errors=("400", "404", "409", "422"))
    def start_qc_document_review(self, request, conference_id):
        return 201, self.qc.start_document_review(conference_id, parse_json(request, required=False))

    @http("GET", "/api/v1/qc/conferences/<conference_id>/rounds")
    @documented("评审轮次 / the conference's rounds", TAG, response=RoundSchema(many=True), errors=("404",))
    def list_qc_rounds(self, request, conference_id):
        return self.qc.list_rounds(conference_id)

    @http("POST", "/api/v1/qc/conferences/<conference_id>/shortlist")
    @documented("入围现场发表 / shortlist for the presentation round (top N or threshold)", TAG,
                request=ShortlistSchema, response=RoundSchema, status=201, errors=("400", "404", "409", "422"))
    def shortlist_qc(self, request, conference_id):
        return 201, self.qc.shortlist(conference_id, parse_json(request))

    @http("GET", "/api/v1/qc/rounds/<round_id>")
    @documented("评审轮次详情 / one round with its panels and conflicts", TAG, response=RoundSchema, errors=("404",))
    def get_qc_round(self, request, round_id):
        return self.qc.get_round(round_id)

    @http("POST", "/api/v1/qc/rounds/<round_id>/entries/<result_id>/panel")
    @documented("调整评审专家 / override an entry's panel", TAG, request=OverrideSchema, response=RoundSchema,
                errors=("400", "404", "422"))
    def override_qc_panel(self, request, round_id, result_id):
        return self.qc.override_assignment(round_id, result_id, parse_json(request))

    @http("POST", "/api/v1/qc/rounds/<round_id>/close")
    @documented("结束评审轮次（锁定评分）/ close a round, locking its scores", TAG, response=RoundSchema,
                errors=("404", "409", "422"))
    def close_qc_round(self, request, round_id):
        return self.qc.close_round(round_id)

    @http("GET", "/api/v1/qc/rounds/<round_id>/progress")
    @documented("评审进度 / scored and assigned per judge", TAG, errors=("404",))
    def qc_round_progress(self, request, round_id):
        return self.qc.round_progress(round_id)

    @http("GET", "/api/v1/qc/rounds/<round_id>/leaderboard")
    @documented("排行榜 / aggregated scores, ranks and disagreement flags", TAG, errors=("404",))
    def qc_leaderboard(self, request, round_id):
        return self.qc.leaderboard(round_id)

    @http("GET", "/api/v1/qc/rounds/<round_id>/disagreements")
    @documented("分歧较大的成果 / entries flagged for consensus", TAG, errors=("404",))
    def qc_disagreements(self, request, round_id):
        return self.qc.disagreements(round_id)

    @http("GET", "/api/v1/qc/rounds/<round_id>/audit")
    @documented("评分变更记录 / append-only score audit log", TAG, query=PageSchema,
                response=AuditSchema(many=True), errors=("404",))
    def qc_score_audit(self, request, round_id):
        return self.qc.score_audit(round_id, query_args(request))

    # -- judges
    @http("GET", "/api/v1/qc/me/assignments")
    @documented("我的评审任务 / my assignments and progress (judges)", TAG)
    def my_qc_assignments(self, request):
        return self.qc.my_assignments()

    @http("GET", "/api/v1/qc/rounds/<round_id>/entries/<result_id>")
    @documented("评审成果 / an assigned entry with its score sheet", TAG, errors=("404",))
    def get_qc_entry(self, request, round_id, result_id):
        return self.qc.get_entry(round_id, result_id)

    @http("PUT", "/api/v1/qc/rounds/<round_id>/entries/<result_id>/score")
    @documented("评分 / score an entry (item maxima enforced)", TAG, request=ScoreSchema,
                errors=("400", "404", "422"))
    def submit_qc_score(self, request, round_id, result_id):
        return self.qc.submit_score(round_id, result_id, parse_json(request))

    @http("POST", "/api/v1/qc/rounds/<round_id>/scores")
    @documented("批量评分 / score several entries at once (all or nothing)", TAG, request=BatchScoresSchema,
                errors=("400", "404", "422"))
    def submit_qc_scores(self, request, round_id):
        return self.qc.submit_scores(round_id, parse_json(request))

    @http("GET", "/api/v1/qc/rounds/<round_id>/entries/<result_id>/scores")
    @documented("各专家评分 / every judge's score (after submitting your own)", TAG,
                response=ScoreOutSchema(many=True), errors=("404",))
    def get_qc_entry_scores(self, request, round_id, result_id):
        return self.qc.get_entry_scores(round_id, result_id)

    @http("POST", "/api/v1/qc/rounds/<round_id>/entries/<result_id>/conflict")
    @documented("申报回避 / declare a conflict of interest with a reason", TAG, request=DeclareConflictSchema,
                errors=("400", "404", "409", "422"))
    def declare_qc_conflict(self, request, round_id, result_id):
        return self.qc.declare_conflict(round_id, result_id, parse_json(request))

    # -- grades
    @http("GET", "/api/v1/qc/conferences/<conference_id>/grades")
    @documented("评奖预览 / preview grades from the configured rule", TAG, errors=("404", "422"))
    def preview_qc_grades(self, request, conference_id):
        return self.qc.preview_grades(conference_id)

    @http("POST", "/api/v1/qc/conferences/<conference_id>/grades/publish")
    @documented("发布成绩 / publish grades (emits qc_grades_published)", TAG, errors=("404", "409", "422"))
    def publish_qc_grades(self, request, conference_id):
        return self.qc.publish_grades(conference_id)

    @http("GET", "/api/v1/qc/conferences/<conference_id>/grades.xlsx")
    @documented("导出成绩（XLSX）/ export grades as XLSX", TAG, errors=("404", "422"))
    def export_qc_grades(self, request, conference_id):
        exported = self.qc.export_grades(conference_id)
        return Response(base64.b64decode(exported["content"]), status=200, content_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{exported["filename"]}"'})

    # -- attachments
    @http("POST", "/api/v1/qc/results/<result_id>/attachments")
    @documented("上传附件 / attach a file to a draft result (multipart field `file`)", TAG,
                response=AttachmentSchema, status=201, errors=("400", "404", "409", "422"),
                description="PDF, PNG, JPEG, DOCX, XLSX or PPTX; the size limit is the service's "
                            "QC_ATTACHMENT_MAX_BYTES (10 MB by default).")
    def upload_qc_attachment(self, request, result_id):
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("缺少文件 / a multipart field `file` is required", {"file": ["required"]})
        # Read one byte past the largest allowed size so the service can refuse it without
        # the gateway holding an arbitrarily large body.
        content = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        return 201, self.qc.add_attachment(result_id, {
            "filename": upload.filename or "", "content_type": upload.mimetype or "",
            "content": base64.b64encode(content).decode("ascii")})

    @http("GET", "/api/v1/qc/results/<result_id>/attachments/<attachment_id>")
    @documented("下载附件 / download an attachment", TAG, errors=("404",))
    def download_qc_attachment(self, request, result_id, attachment_id):
        found = self.qc.get_attachment(result_id, attachment_id)
        return Response(base64.b64decode(found["content"]), status=200, content_type=found["content_type"],
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(found['filename'])}"})
