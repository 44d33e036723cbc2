"""The qc service's only MongoDB access."""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.mongo import Repository


def _sorted_page(collection, query, sort, page, page_size):
    direction = DESCENDING if sort.startswith("-") else ASCENDING
    cursor = (collection.find(query).sort([(sort.lstrip("-"), direction), ("_id", ASCENDING)])
              .skip((page - 1) * page_size).limit(page_size))
    return list(cursor), collection.count_documents(query)


class QcRepository(Repository):
    INDEXES = {
        "enterprises": [IndexModel([("division_code", ASCENDING)])],
        "judges": [IndexModel([("user_id", ASCENDING)])],
        "groups": [
            IndexModel([("reg_no", ASCENDING)], unique=True, name="reg_no_unique"),
            IndexModel([("enterprise_id", ASCENDING), ("name", ASCENDING)], unique=True, name="group_name_unique"),
        ],
        "conferences": [IndexModel([("year", DESCENDING)])],
        "results": [
            IndexModel([("conference_id", ASCENDING), ("status", ASCENDING)]),
            # One result per group per conference; a withdrawn one is edited and resubmitted.
            IndexModel([("conference_id", ASCENDING), ("group_id", ASCENDING)], unique=True,
                       name="one_result_per_group"),
            IndexModel([("enterprise_id", ASCENDING)]),
        ],
        "rounds": [IndexModel([("conference_id", ASCENDING), ("kind", ASCENDING)], unique=True,
                              name="round_kind_unique")],
        "scores": [
            IndexModel([("round_id", ASCENDING), ("result_id", ASCENDING), ("judge_id", ASCENDING)], unique=True),
            IndexModel([("round_id", ASCENDING), ("judge_id", ASCENDING)]),
        ],
        "score_audit": [IndexModel([("round_id", ASCENDING), ("changed_at", ASCENDING)])],
        "declarations": [IndexModel([("conference_id", ASCENDING), ("result_id", ASCENDING), ("judge_id", ASCENDING)],
                                    unique=True)],
    }

    # -- projections from accounts ----------------------------------------------

    def project_enterprise(self, session, enterprise):
        self.db.enterprises.replace_one({"_id": enterprise["_id"]}, enterprise, upsert=True, session=session)

    def project_judge(self, session, judge):
        self.db.judges.replace_one({"_id": judge["_id"]}, judge, upsert=True, session=session)

    def enterprise(self, enterprise_id):
        return self.db.enterprises.find_one({"_id": enterprise_id})

    def enterprises_by_ids(self, ids):
        return {doc["_id"]: doc for doc in self.db.enterprises.find({"_id": {"$in": list(ids)}})}

    def judges(self, ids=None):
        query = {} if ids is None else {"_id": {"$in": list(ids)}}
        return list(self.db.judges.find(query).sort("_id", ASCENDING))

    def judge(self, judge_id):
        return self.db.judges.find_one({"_id": judge_id})

    # -- groups --------------------------------------------------------------------

    def add_group(self, group, year, division_code, make_reg_no):
        """Insert with the next registration number of (year, division), both in one transaction."""
        def work(session):
            counter = self.db.counters.find_one_and_update(
                {"_id": f"group-{year}-{division_code}"}, {"$inc": {"seq": 1}},
                upsert=True, return_document=ReturnDocument.AFTER, session=session,
            )
            group["reg_no"] = make_reg_no(counter["seq"])
            self.db.groups.insert_one(group, session=session)
            return group

        try:
            return self.in_transaction(work)
        except DuplicateKeyError:
            message = "本企业已有同名小组 / this enterprise already has a group with that name"
            raise Conflict(message, {"name": [message]})

    def group(self, group_id):
        return self.db.groups.find_one({"_id": group_id})

    def update_group(self, group_id, changes):
        try:
            return self.db.groups.find_one_and_update({"_id": group_id}, {"$set": changes},
                                                      return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            message = "本企业已有同名小组 / this enterprise already has a group with that name"
            raise Conflict(message, {"name": [message]})

    def find_groups(self, query, sort, page, page_size):
        return _sorted_page(self.db.groups, query, sort, page, page_size)

    # -- conferences -----------------------------------------------------------------

    def add_conference(self, conference):
        self.db.conferences.insert_one(conference)

    def conference(self, conference_id):
        return self.db.conferences.find_one({"_id": conference_id})

    def update_conference(self, conference_id, changes):
        return self.db.conferences.find_one_and_update({"_id": conference_id}, {"$set": changes},
                                                       return_document=ReturnDocument.AFTER)

    def find_conferences(self, year, page, page_size):
        query = {} if year is None else {"year": year}
        return _sorted_page(self.db.conferences, query, "-created_at", page, page_size)

    def publish_grades(self, conference_id, grades, now, envelope):
        """Store the grades and stage the event, once: a second publish finds the status changed."""
        def work(session):
            updated = self.db.conferences.update_one(
                {"_id": conference_id, "status": {"$ne": "published"}},
                {"$set": {"status": "published", "grades": grades, "published_at": now}}, session=session,
            )
            if updated.modified_count != 1:
                raise Conflict("成绩已发布 / grades are already published")
            # Each enterprise reads its own grade from its result.
            for item in grades:
                self.db.results.update_one(
                    {"_id": item["result_id"]},
                    {"$set": {"award": {key: item[key] for key in ("score", "rank", "grade")}}}, session=session,
                )
            self.stage_event(session, envelope)

        self.in_transaction(work)

    # -- results ---------------------------------------------------------------------

    def add_result(self, result):
        try:
            self.db.results.insert_one(result)
        except DuplicateKeyError:
            message = "该小组已向本次发布会提交成果 / this group already has a result for this conference"
            raise Conflict(message, {"group_id": [message]})

    def result(self, result_id):
        return self.db.results.find_one({"_id": result_id})

    def results_by_ids(self, ids):
        return {doc["_id"]: doc for doc in self.db.results.find({"_id": {"$in": list(ids)}})}

    def update_result(self, result_id, changes, expected_status, envelope=None):
        """Change a result if its status is still the one the rule was checked against."""
        def work(session):
            updated = self.db.results.find_one_and_update(
                {"_id": result_id, "status": expected_status}, {"$set": changes},
                return_document=ReturnDocument.AFTER, session=session,
            )
            if updated is None:
                raise Conflict("成果状态已改变，请刷新 / the result changed meanwhile; reload it")
            if envelope is not None:
                self.stage_event(session, envelope)
            return updated

        return self.in_transaction(work)

    def add_attachment(self, result_id, expected_status, attachment, content):
        """Store the file in GridFS, then list it on the result; drop the file if the result moved on."""
        self.store_file(attachment["id"], attachment["filename"], content,
                        {"result_id": result_id, "content_type": attachment["content_type"]})
        updated = self.db.results.find_one_and_update(
            {"_id": result_id, "status": expected_status}, {"$push": {"attachments": attachment}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            self.delete_file(attachment["id"])
            raise Conflict("成果状态已改变，请刷新 / the result changed meanwhile; reload it")
        return updated

    def attachment_content(self, attachment_id):
        return self.read_file(attachment_id)

    def find_results(self, query, sort, page, page_size):
        return _sorted_page(self.db.results, query, sort, page, page_size)

    def submitted_results(self, conference_id):
        return list(self.db.results.find({"conference_id": conference_id, "status": "submitted"})
                    .sort("_id", ASCENDING))

    # -- rounds, scores, audit ---------------------------------------------------------

    def add_round(self, round_doc):
        try:
            self.db.rounds.insert_one(round_doc)
        except DuplicateKeyError:
            raise Conflict("该会议已有此类评审轮次 / this conference already has a round of that kind")

    def round(self, round_id):
        return self.db.rounds.find_one({"_id": round_id})

    def rounds_of(self, conference_id):
        return list(self.db.rounds.find({"conference_id": conference_id}).sort("created_at", ASCENDING))

    def open_rounds_for_judge(self, judge_id):
        return list(self.db.rounds.find({"judges": judge_id}).sort("created_at", ASCENDING))

    def set_panel(self, round_id, result_id, panel, judges):
        return self.db.rounds.find_one_and_update(
            {"_id": round_id, "status": "open"},
            {"$set": {f"panels.{result_id}": panel, "judges": judges}},
            return_document=ReturnDocument.AFTER,
        )

    def close_round(self, round_id, now, envelope):
        def work(session):
            updated = self.db.rounds.update_one({"_id": round_id, "status": "open"},
                                                {"$set": {"status": "closed", "closed_at": now}}, session=session)
            if updated.modified_count != 1:
                raise Conflict("该轮次已关闭 / the round is already closed")
            self.stage_event(session, envelope)

        self.in_transaction(work)

    def declare_conflict(self, declaration, round_id, panel, judges):
        """Record the declaration, add it to the round's conflicts and take the judge off the panel."""
        def work(session):
            self.db.declarations.insert_one(declaration, session=session)
            conflict = {key: declaration[key] for key in ("result_id", "judge_id")}
            conflict["reason"] = f"declared: {declaration['reason']}"
            updated = self.db.rounds.update_one(
                {"_id": round_id, "status": "open"},
                {"$push": {"conflicts": conflict},
                 "$set": {f"panels.{declaration['result_id']}": panel, "judges": judges}},
                session=session,
            )
            if updated.modified_count != 1:
                raise Conflict("该轮次已关闭 / the round is closed")

        try:
            self.in_transaction(work)
        except DuplicateKeyError:
            raise Conflict("已申报回避 / already declared")

    def declarations(self, conference_id):
        return list(self.db.declarations.find({"conference_id": conference_id}))

    def scores(self, round_id, result_id=None, judge_id=None):
        query = {"round_id": round_id}
        if result_id is not None:
            query["result_id"] = result_id
        if judge_id is not None:
            query["judge_id"] = judge_id
        return list(self.db.scores.find(query).sort([("result_id", ASCENDING), ("judge_id", ASCENDING)]))

    def save_scores(self, round_id, changes):
        """Upsert scores with one audit record each, in one transaction; the round must still be open.

        ``changes`` are ``(score, audit)`` pairs. Re-reading the round inside
        the transaction keeps a score from slipping in after a concurrent close.
        """
        def work(session):
            if not self.db.rounds.find_one({"_id": round_id, "status": "open"}, session=session):
                return False
            for score, audit in changes:
                self.db.scores.replace_one({"_id": score["_id"]}, score, upsert=True, session=session)
                self.db.score_audit.insert_one(audit, session=session)
            return True

        return self.in_transaction(work)

    def audit(self, round_id, page, page_size):
        return _sorted_page(self.db.score_audit, {"round_id": round_id}, "changed_at", page, page_size)
