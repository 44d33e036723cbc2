"""qc judging on a real store and broker: assignment, conflicts, independence, locking, grades."""
import base64
import io

import pytest
from openpyxl import load_workbook

from services.qc import domain
from services.qc.service import QcService
from shared.errors import Conflict, PermissionDenied, RuleViolation, ValidationFailed
from tests.qcsupport import QcClient, scores_totalling


@pytest.fixture
def qc(container_factory, service_config, auth_secret):
    container = container_factory(QcService, service_config("qc"))
    container.start()
    return QcClient(container, auth_secret)


@pytest.fixture
def qc_db(mongo_client, service_config):
    return mongo_client[service_config("qc")["MONGO_DATABASE"]]


@pytest.fixture
def organiser(qc):
    return qc.token("organiser")


def setup_review(qc, organiser, entries=4, judges=4, k=3, **conference):
    """Entries from distinct enterprises; judge 0 works for entry 0's enterprise, judge 1 shares entry 1's group."""
    conf = qc.conference(organiser, judges_per_entry=k, **conference)
    enterprises, results = [], []
    for n in range(entries):
        enterprise_id, token = qc.enterprise(group_company="西部矿业集团" if n == 1 else None)
        group_type = domain.INNOVATIVE if n % 2 else domain.PROBLEM_SELF_SET
        results.append(qc.submitted_result(token, conf["id"], group_type))
        enterprises.append((enterprise_id, token))
    pool = []
    for n in range(judges):
        employer = enterprises[0][0] if n == 0 else None
        group_company = "西部矿业集团" if n == 1 else None
        pool.append(qc.judge(name=f"专家{n}", employer=employer, group_company=group_company))
    qc.call("close_submissions", conf["id"], token=organiser)
    round_doc = qc.call("start_document_review", conf["id"], {}, token=organiser)
    return conf, results, pool, round_doc


def test_review_needs_locked_submissions(qc, organiser):
    conf = qc.conference(organiser)
    with pytest.raises(RuleViolation):
        qc.call("start_document_review", conf["id"], {}, token=organiser)


def test_auto_assignment_gives_k_judges_and_honours_conflicts(qc, organiser):
    _, results, judges, round_doc = setup_review(qc, organiser)
    (j0, _), (j1, _) = judges[0], judges[1]
    panels = round_doc["panels"]
    assert all(len(panel) == 3 for panel in panels.values())
    assert j0 not in panels[results[0]["id"]]
    assert j1 not in panels[results[1]["id"]]
    reasons = {(c["result_id"], c["judge_id"]): c["reason"] for c in round_doc["conflicts"]}
    assert reasons[(results[0]["id"], j0)] == "same_employer"
    assert reasons[(results[1]["id"], j1)] == "same_group_company"


def test_a_conflicted_judge_gets_403_on_the_entry(qc, organiser):
    _, results, judges, round_doc = setup_review(qc, organiser)
    j0, token0 = judges[0]
    entry = results[0]["id"]
    for method, args in (("get_entry", (round_doc["id"], entry)), ("get_entry_scores", (round_doc["id"], entry)),
                         ("submit_score", (round_doc["id"], entry,
                                           {"items": scores_totalling("qc-problem-solving", 80)}))):
        with pytest.raises(PermissionDenied) as raised:
            qc.call(method, *args, token=token0)
        assert "冲突" in raised.value.message
    # and the organiser cannot put them on the panel either
    with pytest.raises(RuleViolation):
        qc.call("override_assignment", round_doc["id"], entry, {"add": [j0]}, token=organiser)


def test_a_judge_sees_only_assigned_entries(qc, organiser):
    _, results, judges, round_doc = setup_review(qc, organiser, entries=2, judges=4, k=2)
    entry = results[1]["id"]
    outsider = next(token for judge_id, token in judges[2:] if judge_id not in round_doc["panels"][entry])
    with pytest.raises(PermissionDenied):
        qc.call("get_entry", round_doc["id"], entry, token=outsider)
    mine = qc.call("my_assignments", token=outsider)["rounds"][0]
    assert entry not in [item["result_id"] for item in mine["entries"]]
    assert mine["scored"] == 0 and mine["assigned"] == len(mine["entries"])


def test_scores_are_checked_against_the_types_sheet(qc, organiser):
    _, results, judges, round_doc = setup_review(qc, organiser)
    entry = results[3]["id"]  # innovative
    judge_id, token = next(j for j in judges if j[0] in round_doc["panels"][entry])
    view = qc.call("get_entry", round_doc["id"], entry, token=token)
    assert view["sheet"]["code"] == "qc-innovative" and view["my_score"] is None
    items = scores_totalling("qc-innovative", 90)
    items["best_solution"] = 31
    with pytest.raises(ValidationFailed) as raised:
        qc.call("submit_score", round_doc["id"], entry, {"items": items}, token=token)
    assert list(raised.value.fields) == ["items.best_solution"]
    assert "30" in raised.value.fields["items.best_solution"][0]
    wrong_sheet = scores_totalling("qc-problem-solving", 90)
    with pytest.raises(ValidationFailed) as raised:
        qc.call("submit_score", round_doc["id"], entry, {"items": wrong_sheet}, token=token)
    assert "items.cause_analysis" in raised.value.fields and "items.best_solution" in raised.value.fields


def test_a_judge_reads_others_scores_only_after_submitting(qc, organiser):
    _, results, judges, round_doc = setup_review(qc, organiser)
    entry = results[2]["id"]
    panel = [j for j in judges if j[0] in round_doc["panels"][entry]]
    (_, first), (_, second) = panel[0], panel[1]
    qc.call("submit_score", round_doc["id"], entry, {"items": scores_totalling("qc-problem-solving", 80)},
            token=first)
    with pytest.raises(PermissionDenied):
        qc.call("get_entry_scores", round_doc["id"], entry, token=second)
    qc.call("submit_score", round_doc["id"], entry, {"items": scores_totalling("qc-problem-solving", 70)},
            token=second)
    seen = qc.call("get_entry_scores", round_doc["id"], entry, token=second)
    assert sorted(score["total"] for score in seen) == [70, 80]


def test_every_score_change_is_audited_and_closing_locks_scores(qc, organiser, qc_db):
    _, results, judges, round_doc = setup_review(qc, organiser)
    entry = results[2]["id"]
    judge_id, token = next(j for j in judges if j[0] in round_doc["panels"][entry])
    qc.call("submit_score", round_doc["id"], entry, {"items": scores_totalling("qc-problem-solving", 80)}, token=token)
    qc.call("submit_score", round_doc["id"], entry, {"items": scores_totalling("qc-problem-solving", 85)}, token=token)
    audit = qc.call("score_audit", round_doc["id"], {}, token=organiser)
    assert audit["total"] == 2
    first, second = audit["items"]
    assert first["old"] is None and first["new"]["total"] == 80
    assert second["old"]["total"] == 80 and second["new"]["total"] == 85
    assert second["judge_id"] == judge_id and second["changed_by"]

    closed = qc.call("close_round", round_doc["id"], token=organiser)
    assert closed["status"] == "closed"
    with pytest.raises(RuleViolation):
        qc.call("submit_score", round_doc["id"], entry, {"items": scores_totalling("qc-problem-solving", 90)},
                token=token)
    with pytest.raises(RuleViolation):
        qc.call("declare_conflict", round_doc["id"], entry, {"reason": "亲属在该企业"}, token=token)
    assert qc_db.scores.find_one({"result_id": entry, "judge_id": judge_id})["total"] == 85
    assert qc_db.score_audit.count_documents({}) == 2
    (event,) = list(qc_db.outbox.find({"event_type": "qc_round_closed"}))
    assert event["envelope"]["payload"]["scores"] == 1


def test_a_declared_conflict_takes_the_judge_off_and_the_organiser_fills_the_panel(qc, organiser):
    _, results, judges, round_doc = setup_review(qc, organiser, entries=2, judges=4, k=2)
    entry = results[1]["id"]
    judge_id, token = next(j for j in judges if j[0] in round_doc["panels"][entry])
    with pytest.raises(ValidationFailed):
        qc.call("declare_conflict", round_doc["id"], entry, {"reason": " "}, token=token)
    qc.call("declare_conflict", round_doc["id"], entry, {"reason": "曾为该企业提供咨询"}, token=token)
    with pytest.raises(PermissionDenied):
        qc.call("get_entry", round_doc["id"], entry, token=token)
    updated = qc.call("get_round", round_doc["id"], token=organiser)
    assert judge_id not in updated["panels"][entry]
    assert any(c["judge_id"] == judge_id and "曾为该企业提供咨询" in c["reason"] for c in updated["conflicts"])
    free = next(j for j, _ in judges if j not in updated["panels"][entry] and j != judge_id
                and (entry, j) not in {(c["result_id"], c["judge_id"]) for c in updated["conflicts"]})
    filled = qc.call("override_assignment", round_doc["id"], entry, {"add": [free]}, token=organiser)
    assert free in filled["panels"][entry] and len(filled["panels"][entry]) == 2


def score_all(qc, round_doc, judges, totals_for):
    tokens = dict(judges)
    for result_id, panel in round_doc["panels"].items():
        sheet = round_doc_sheet(qc, round_doc, result_id)
        for position, judge_id in enumerate(panel):
            qc.call("submit_score", round_doc["id"], result_id,
                    {"items": scores_totalling(sheet, totals_for(result_id, position))}, token=tokens[judge_id])


def round_doc_sheet(qc, round_doc, result_id):
    kind = round_doc["kind"]
    if kind == domain.PRESENTATION:
        return domain.PRESENTATION_SHEET
    result = qc.call("get_result", result_id, token=qc.token("organiser"))
    return domain.SHEET_FOR_TYPE[result["type"]]


def test_leaderboard_shortlist_and_presentation_round(qc, organiser):
    conf, results, judges, review = setup_review(qc, organiser, entries=4, judges=5, k=3,
                                                 disagreement_threshold=10)
    order = [r["id"] for r in results]
    spread = {0: (80, 85, 95), 1: (70, 70, 70), 2: (90, 91, 92), 3: (60, 61, 62)}
    score_all(qc, review, judges, lambda rid, pos: spread[order.index(rid)][pos])
    progress = qc.call("round_progress", review["id"], token=organiser)
    assert progress["assigned"] == progress["scored"] == 12
    assert all(row["assigned"] == row["scored"] for row in progress["judges"])
    board = qc.call("leaderboard", review["id"], token=organiser)["items"]
    assert [(row["result_id"], row["score"], row["rank"]) for row in board] == [
        (order[2], 91.0, 1), (order[0], 85.0, 2), (order[1], 70.0, 3), (order[3], 61.0, 4)]
    flagged = qc.call("disagreements", review["id"], token=organiser)["items"]
    assert [row["result_id"] for row in flagged] == [order[0]] and flagged[0]["range"] == 15

    with pytest.raises(RuleViolation):
        qc.call("shortlist", conf["id"], {"top_n": 2}, token=organiser)
    qc.call("close_round", review["id"], token=organiser)
    presentation = qc.call("shortlist", conf["id"], {"top_n": 2}, token=organiser)
    assert presentation["kind"] == "presentation" and set(presentation["panels"]) == {order[2], order[0]}
    tokens = dict(judges)
    some_judge = presentation["panels"][order[0]][0]
    view = qc.call("get_entry", presentation["id"], order[0], token=tokens[some_judge])
    assert view["sheet"]["code"] == "qc-presentation"
    with pytest.raises(Conflict):
        qc.call("shortlist", conf["id"], {"threshold": 50}, token=organiser)


def test_grades_by_quota_match_a_hand_computed_example(qc, organiser, qc_db):
    # Ten entries, three judges each; every judge gives entry n the total 95 - 3n,
    # so the trimmed mean is exactly that. Quota 10% / 30% / rest of ten:
    # 1 一等奖 (95), 3 二等奖 (92, 89, 86), 6 三等奖 (83 ... 68).
    conf, results, judges, review = setup_review(qc, organiser, entries=10, judges=6, k=3)
    order = [r["id"] for r in results]
    score_all(qc, review, judges, lambda rid, pos: 95 - 3 * order.index(rid))
    with pytest.raises(RuleViolation):
        qc.call("publish_grades", conf["id"], token=organiser)  # the round is still open
    qc.call("close_round", review["id"], token=organiser)
    preview = qc.call("preview_grades", conf["id"], token=organiser)
    assert preview["round_kind"] == "document_review"
    expected = ["一等奖"] + ["二等奖"] * 3 + ["三等奖"] * 6
    assert [(item["result_id"], item["score"], item["rank"], item["grade"]) for item in preview["items"]] == [
        (order[n], 95.0 - 3 * n, n + 1, expected[n]) for n in range(10)]
    assert qc_db.outbox.count_documents({"event_type": "qc_grades_published"}) == 0

    qc.call("publish_grades", conf["id"], token=organiser)
    (record,) = list(qc_db.outbox.find({"event_type": "qc_grades_published"}))
    payload = record["envelope"]["payload"]
    assert set(payload) == {"conference_id", "conference_name", "year", "results"}
    assert payload["conference_id"] == conf["id"] and payload["year"] == 2026
    first = payload["results"][0]
    assert first == {"result_id": order[0], "enterprise_id": results[0]["enterprise_id"],
                     "group_name": results[0]["group_name"], "title": results[0]["title"],
                     "score": 95.0, "rank": 1, "grade": "一等奖"}
    with pytest.raises(RuleViolation):
        qc.call("publish_grades", conf["id"], token=organiser)
    entrant = qc.token("enterprise", enterprise_id=results[1]["enterprise_id"])
    own = qc.call("get_result", results[1]["id"], token=entrant)
    assert own["award"] == {"score": 92.0, "rank": 2, "grade": "二等奖"}

    exported = qc.call("export_grades", conf["id"], token=organiser)
    sheet = load_workbook(io.BytesIO(base64.b64decode(exported["content"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("小组名称", "企业", "课题", "类型", "得分", "排名", "等级")
    assert rows[1] == (results[0]["group_name"], results[0]["enterprise_name"], results[0]["title"],
                       "问题解决型（自定目标）", 95, 1, "一等奖")
    assert len(rows) == 11


def test_assignment_matches_expertise_to_the_entrants_industry(qc, organiser):
    conf = qc.conference(organiser, judges_per_entry=1)
    mining_id, mining = qc.enterprise(industry_code="B")
    maker_id, maker = qc.enterprise(industry_code="C")
    mine_result = qc.submitted_result(mining, conf["id"])
    make_result = qc.submitted_result(maker, conf["id"])
    miner_judge, _ = qc.judge(expertise=["B"])
    maker_judge, _ = qc.judge(expertise=["C"])
    qc.call("close_submissions", conf["id"], token=organiser)
    round_doc = qc.call("start_document_review", conf["id"], {}, token=organiser)
    assert round_doc["panels"] == {mine_result["id"]: [miner_judge], make_result["id"]: [maker_judge]}
