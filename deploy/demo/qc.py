"""The provincial QC results conference: groups, results, judges, two rounds, grades, XLSX."""
import os
import random
import time
from datetime import UTC, datetime, timedelta

from deploy.demo.context import DEMO_DIR, ApiError

TYPES = ["problem_solving_self_set", "problem_solving_assigned", "innovative"]
STEPS = {
    "problem_solving_self_set": ["选择课题", "现状调查", "设定目标", "原因分析", "确定主要原因", "制定对策",
                                 "对策实施", "效果检查", "制定巩固措施", "总结和下一步打算"],
    "problem_solving_assigned": ["选择课题", "设定目标", "目标可行性论证", "原因分析", "确定主要原因", "制定对策",
                                 "对策实施", "效果检查", "制定巩固措施", "总结和下一步打算"],
    "innovative": ["选择课题", "设定目标及目标可行性论证", "提出方案并确定最佳方案", "制定对策", "对策实施",
                   "效果检查", "标准化", "总结和下一步打算"],
}
TOPICS = ["降低吨产品综合能耗", "提高一次交检合格率", "缩短设备故障停机时间", "减少原料损耗", "提升客户满意度",
          "降低盐湖卤水输送损失", "研制高原型智能巡检装置", "提高光伏组件清洗效率", "降低牛羊肉加工损耗率",
          "缩短物流配送周期", "开发冻土区施工新工法", "提高检测报告准确率"]
SURNAMES = "王李张刘陈杨赵黄周吴马祁韩"
RESULTS_PER_DIVISION = 8
JUDGES = 12
EMPLOYED_JUDGES = 3  # judges working for demo entrants, so conflicts occur
SHORTLIST = 20


def _retry(action, what, timeout=30.0):
    """Retry while the qc projections catch up with accounts (the service answers 422 meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except ApiError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _entrants(ctx):
    by_division = {}
    for enterprise in ctx.state["enterprises"]:
        by_division.setdefault(enterprise["division_code"], []).append(enterprise)
    chosen = []
    for division in sorted(by_division):
        chosen.extend(by_division[division][:RESULTS_PER_DIVISION])
    return chosen


def _judges(ctx, organiser, entrants):
    """Register (or find) the demo judges; the first few work for demo entrants."""
    rng = random.Random(7)
    known = {judge["email"]: judge for judge in ctx.call("GET", "/judges", token=organiser).json()}
    judges = []
    for n in range(JUDGES):
        email = f"judge{n + 1:02d}@demo.qh.cn"
        if email in known:
            judges.append(known[email])
            continue
        body = {"email": email, "name": f"{SURNAMES[n]}专家", "password": ctx.password,
                "expertise": sorted(set(rng.sample(["C", "C", "B", "D", "E", "G", "I", "M", "A"], 3)))}
        if n < EMPLOYED_JUDGES:
            employer = entrants[n * 7]
            token = ctx.login(employer["contact_email"])
            enterprise = ctx.call("GET", "/me", token=token).json()["enterprise"]
            body.update(employer_enterprise_id=enterprise["id"], employer_name=enterprise["name"],
                        division_code=enterprise["division_code"])
        judges.append(ctx.call("POST", "/judges", token=organiser, json=body).json())
    return judges


# Each judge's leniency: two severe and one generous judge make some panels disagree.
LENIENCY = [0.0, 0.02, -0.02, 0.0, -0.09, 0.01, 0.0, 0.08, -0.01, 0.0, -0.08, 0.02]


def _score_items(sheet, quality, rng):
    items = {}
    for item in sheet["items"]:
        share = min(0.99, max(0.4, quality + rng.uniform(-0.05, 0.05)))
        items[item["code"]] = round(item["max_points"] * share, 1)
    return items


def _score_round(ctx, round_id, judge_tokens, quality, seed):
    """Each judge scores every assigned entry in one batch request."""
    sheets = {}
    for n, token in enumerate(judge_tokens):
        rng = random.Random(seed * 100 + n)
        mine = [r for r in ctx.call("GET", "/qc/me/assignments", token=token).json()["rounds"]
                if r["round_id"] == round_id]
        if not mine or not mine[0]["entries"]:
            continue
        batch = []
        for entry in mine[0]["entries"]:
            if entry["sheet"] not in sheets:
                view = ctx.call("GET", f"/qc/rounds/{round_id}/entries/{entry['result_id']}", token=token).json()
                sheets[entry["sheet"]] = view["sheet"]
            batch.append({"result_id": entry["result_id"],
                          "items": _score_items(sheets[entry["sheet"]],
                                                quality[entry["result_id"]] + LENIENCY[n % len(LENIENCY)], rng)})
        ctx.call("POST", f"/qc/rounds/{round_id}/scores", token=token, json={"scores": batch})


def run(ctx):
    started = time.monotonic()
    organiser = ctx.organiser_token()
    entrants = _entrants(ctx)
    judges = _judges(ctx, organiser, entrants)
    judge_tokens = [ctx.login(judge["email"]) for judge in judges]

    year = datetime.now(UTC).year
    conference = ctx.call("POST", "/qc/conferences", token=organiser, json={
        "name": f"{year}年青海省质量管理小组成果发布会", "year": year, "judges_per_entry": 5, "grace_minutes": 30,
        "submission_deadline": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
        "disagreement_threshold": 15}).json()
    run_tag = conference["id"][:4]

    rng = random.Random(2026)
    quality = {}
    by_type = dict.fromkeys(TYPES, 0)
    for n, enterprise in enumerate(entrants):
        token = ctx.login(enterprise["contact_email"])
        group_type = TYPES[n % len(TYPES)]
        topic = TOPICS[n % len(TOPICS)]
        body = {"name": f"{enterprise['name'][:4]}QC小组{run_tag}-{n + 1:02d}", "topic": topic, "type": group_type,
                "members": [{"name": f"{SURNAMES[n % 13]}组长", "role": "leader"},
                            {"name": f"{SURNAMES[(n + 3) % 13]}工程师", "role": "member"},
                            {"name": f"{SURNAMES[(n + 5) % 13]}技师", "role": "member"},
                            {"name": f"{SURNAMES[(n + 7) % 13]}顾问", "role": "counsellor"}]}
        group = _retry(lambda t=token, b=body: ctx.call("POST", "/qc/groups", token=t, json=b).json(),
                       "group registration")
        before = round(rng.uniform(3, 12), 2)
        result = ctx.call("POST", "/qc/results", token=token, json={
            "conference_id": conference["id"], "group_id": group["id"], "title": topic,
            "steps": [{"step": step, "content": f"{step}：{topic}的活动记录。"} for step in STEPS[group_type]],
            "metrics": [{"name": topic[2:8], "unit": "%", "before": before, "after": round(before * 0.6, 2)}],
            "economic_benefit": round(rng.uniform(5, 300), 1)}).json()
        ctx.call("POST", f"/qc/results/{result['id']}/submit", token=token)
        quality[result["id"]] = rng.uniform(0.6, 0.95)
        by_type[group_type] += 1
    divisions = len({e["division_code"] for e in entrants})
    ctx.report(f"qc: {len(quality)} results submitted from {divisions} divisions "
               f"({', '.join(f'{t}={c}' for t, c in by_type.items())})")

    ctx.call("POST", f"/qc/conferences/{conference['id']}/close-submissions", token=organiser)
    review = _retry(lambda: ctx.call("POST", f"/qc/conferences/{conference['id']}/rounds", token=organiser,
                                     json={"judge_ids": [j["id"] for j in judges]}).json(), "judges projected")
    ctx.report(f"qc: document review assigned {sum(len(p) for p in review['panels'].values())} reviews to "
               f"{len(judges)} judges, {len(review['conflicts'])} conflicts avoided")

    _score_round(ctx, review["id"], judge_tokens, quality, seed=1)
    flagged = ctx.call("GET", f"/qc/rounds/{review['id']}/disagreements", token=organiser).json()["items"]
    progress = ctx.call("GET", f"/qc/rounds/{review['id']}/progress", token=organiser).json()
    ctx.call("POST", f"/qc/rounds/{review['id']}/close", token=organiser)
    ctx.report(f"qc: document review scored {progress['scored']}/{progress['assigned']}, "
               f"{len(flagged)} entries flagged for consensus")

    presentation = ctx.call("POST", f"/qc/conferences/{conference['id']}/shortlist", token=organiser,
                            json={"top_n": SHORTLIST}).json()
    _score_round(ctx, presentation["id"], judge_tokens, quality, seed=2)
    board = ctx.call("GET", f"/qc/rounds/{presentation['id']}/leaderboard", token=organiser).json()["items"]
    ctx.call("POST", f"/qc/rounds/{presentation['id']}/close", token=organiser)
    ctx.report(f"qc: {len(presentation['panels'])} groups presented; top: {board[0]['group_name']} "
               f"{board[0]['score']}")

    ctx.call("GET", f"/qc/conferences/{conference['id']}/grades", token=organiser)
    published = ctx.call("POST", f"/qc/conferences/{conference['id']}/grades/publish", token=organiser).json()
    counts = {}
    for item in published["items"]:
        counts[item["grade"]] = counts.get(item["grade"], 0) + 1
    export = ctx.call("GET", f"/qc/conferences/{conference['id']}/grades.xlsx", token=organiser)
    path = os.path.join(DEMO_DIR, "qc-results.xlsx")
    with open(path, "wb") as handle:
        handle.write(export.content)
    ctx.report(f"qc: grades published by quota ({', '.join(f'{g} {c}' for g, c in counts.items())}); "
               f"XLSX at {os.path.relpath(path)}; part took {time.monotonic() - started:.1f} s")
