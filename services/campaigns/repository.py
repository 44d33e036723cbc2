"""The campaigns service's only MongoDB access (attachments in GridFS)."""
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.campaigns.domain import ACTIVE_REGISTRATION, CANCELLED, CONFIRMED, WAITLISTED
from shared.errors import Conflict, RuleViolation
from shared.mongo import Repository


def _page(cursor, page, page_size):
    return list(cursor.skip((page - 1) * page_size).limit(page_size))


class CampaignsRepository(Repository):
    INDEXES = {
        "campaigns": [IndexModel([("year", ASCENDING)], unique=True, name="one_campaign_per_year")],
        "activities": [
            IndexModel([("campaign_id", ASCENDING), ("starts_at", ASCENDING)]),
            IndexModel([("division_code", ASCENDING)]),
        ],
        "registrations": [
            IndexModel([("activity_id", ASCENDING), ("enterprise_id", ASCENDING)], unique=True,
                       name="one_registration_per_enterprise"),
            IndexModel([("activity_id", ASCENDING), ("status", ASCENDING), ("position", ASCENDING)]),
            IndexModel([("campaign_id", ASCENDING)]),
            IndexModel([("enterprise_id", ASCENDING)]),
        ],
        "notices": [
            IndexModel([("year", ASCENDING), ("doc_number", ASCENDING)], unique=True,
                       name="doc_number_unique_per_year"),
            IndexModel([("campaign_id", ASCENDING)]),
        ],
    }

    # -- campaigns -------------------------------------------------------------

    def add_campaign(self, campaign):
        try:
            self.db.campaigns.insert_one(campaign)
        except DuplicateKeyError:
            message = f"{campaign['year']}年的质量月已存在 / a campaign for {campaign['year']} exists already"
            raise Conflict(message, {"year": [message]})

    def campaign_by_id(self, campaign_id):
        return self.db.campaigns.find_one({"_id": campaign_id})

    def update_campaign(self, campaign_id, expected_status, changes):
        """Apply changes if the campaign is still in ``expected_status`` (no lost updates)."""
        result = self.db.campaigns.find_one_and_update(
            {"_id": campaign_id, "status": expected_status}, {"$set": changes},
            return_document=ReturnDocument.AFTER)
        if result is None:
            raise Conflict("活动月刚被修改，请重试 / the campaign changed meanwhile; retry")
        return result

    def transition_campaign(self, campaign_id, source, target, history_entry, envelope):
        def work(session):
            updated = self.db.campaigns.find_one_and_update(
                {"_id": campaign_id, "status": source},
                {"$set": {"status": target, "updated_at": history_entry["at"]}, "$push": {"history": history_entry}},
                return_document=ReturnDocument.AFTER, session=session)
            if updated is None:
                raise Conflict("活动月状态刚被修改，请重试 / the campaign changed meanwhile; retry")
            self.stage_event(session, envelope)
            return updated

        return self.in_transaction(work)

    def find_campaigns(self, status=None, sort="-year", page=1, page_size=20, visible_states=None):
        query = {}
        if status:
            query["status"] = status
        if visible_states is not None:
            query.setdefault("status", {"$in": list(visible_states)})
            if status and status not in visible_states:
                query["status"] = {"$in": []}
        direction = DESCENDING if sort.startswith("-") else ASCENDING
        cursor = self.db.campaigns.find(query).sort([("year", direction)])
        return _page(cursor, page, page_size), self.db.campaigns.count_documents(query)

    # -- activities ------------------------------------------------------------

    def add_activity(self, activity):
        self.db.activities.insert_one(activity)

    def activity_by_id(self, activity_id):
        return self.db.activities.find_one({"_id": activity_id})

    def find_activities(self, campaign_ids=None, division_code=None, kind=None, sort="starts_at",
                        page=1, page_size=20):
        query = {}
        if campaign_ids is not None:
            query["campaign_id"] = {"$in": list(campaign_ids)}
        if division_code:
            query["division_code"] = division_code
        if kind:
            query["kind"] = kind
        direction = DESCENDING if sort.startswith("-") else ASCENDING
        cursor = self.db.activities.find(query).sort([(sort.lstrip("-"), direction), ("_id", ASCENDING)])
        return _page(cursor, page, page_size), self.db.activities.count_documents(query)

    def activities_of(self, campaign_id):
        return list(self.db.activities.find({"campaign_id": campaign_id}))

    def campaign_ids(self, states):
        return [doc["_id"] for doc in self.db.campaigns.find({"status": {"$in": list(states)}}, {"_id": 1})]

    # -- registrations -----------------------------------------------------------

    def register(self, activity_id, registration, confirmed_event):
        """Take a seat if one is free, else join the wait-list, in one transaction.

        The seat is taken by a conditional increment (seats_taken < capacity)
        on the activity document, so two registrations can never both take
        the last seat: the database decides, not a read made earlier.
        ``confirmed_event(registration)`` builds the event for a confirmed seat.
        """
        def work(session):
            existing = self.db.registrations.find_one(
                {"activity_id": activity_id, "enterprise_id": registration["enterprise_id"]}, session=session)
            if existing and existing["status"] in ACTIVE_REGISTRATION:
                raise Conflict("已报名该活动 / already registered for this activity",
                               {"activity_id": [existing["status"]]})
            doc = dict(registration, _id=existing["_id"] if existing else registration["_id"])
            seat = self.db.activities.find_one_and_update(
                {"_id": activity_id, "$expr": {"$lt": ["$seats_taken", "$capacity"]}},
                {"$inc": {"seats_taken": 1}}, return_document=ReturnDocument.AFTER, session=session)
            if seat is not None:
                doc.update(status=CONFIRMED, position=None)
            else:
                queued = self.db.activities.find_one_and_update(
                    {"_id": activity_id}, {"$inc": {"waitlist_seq": 1}},
                    return_document=ReturnDocument.AFTER, session=session)
                doc.update(status=WAITLISTED, position=queued["waitlist_seq"])
            self.db.registrations.replace_one({"_id": doc["_id"]}, doc, upsert=True, session=session)
            if doc["status"] == CONFIRMED:
                self.stage_event(session, confirmed_event(doc, False))
            return doc

        return self.in_transaction(work)

    def cancel(self, registration_id, now, confirmed_event):
        """Cancel; a freed seat goes to the first on the wait-list, in the same transaction."""
        def work(session):
            before = self.db.registrations.find_one_and_update(
                {"_id": registration_id, "status": {"$in": list(ACTIVE_REGISTRATION)}},
                {"$set": {"status": CANCELLED, "cancelled_at": now, "position": None}}, session=session)
            if before is None:
                raise RuleViolation("报名已取消 / the registration is already cancelled", {"status": [CANCELLED]})
            promoted = None
            if before["status"] == CONFIRMED:
                promoted = self.db.registrations.find_one_and_update(
                    {"activity_id": before["activity_id"], "status": WAITLISTED},
                    {"$set": {"status": CONFIRMED, "position": None, "promoted_at": now}},
                    sort=[("position", ASCENDING)], return_document=ReturnDocument.AFTER, session=session)
                if promoted is None:
                    self.db.activities.update_one({"_id": before["activity_id"]}, {"$inc": {"seats_taken": -1}},
                                                  session=session)
                else:
                    self.stage_event(session, confirmed_event(promoted, True))
            return before, promoted

        return self.in_transaction(work)

    def registration_by_id(self, registration_id):
        return self.db.registrations.find_one({"_id": registration_id})

    def registration_of(self, activity_id, enterprise_id):
        return self.db.registrations.find_one({"activity_id": activity_id, "enterprise_id": enterprise_id})

    def check_in(self, registration_id, now):
        return self.db.registrations.find_one_and_update(
            {"_id": registration_id, "status": CONFIRMED},
            {"$set": {"attended": True, "checked_in_at": now}}, return_document=ReturnDocument.AFTER)

    def find_registrations(self, query, page=1, page_size=20):
        cursor = self.db.registrations.find(query).sort([("status", ASCENDING), ("position", ASCENDING),
                                                         ("registered_at", ASCENDING), ("_id", ASCENDING)])
        return _page(cursor, page, page_size), self.db.registrations.count_documents(query)

    def registrations_of_campaign(self, campaign_id):
        return list(self.db.registrations.find({"campaign_id": campaign_id}))

    # -- notices -----------------------------------------------------------------

    def add_notice(self, notice):
        try:
            self.db.notices.insert_one(notice)
        except DuplicateKeyError:
            raise _doc_number_conflict(notice)

    def notice_by_id(self, notice_id):
        return self.db.notices.find_one({"_id": notice_id})

    def update_draft_notice(self, notice_id, changes):
        try:
            return self.db.notices.find_one_and_update(
                {"_id": notice_id, "status": "draft"}, {"$set": changes}, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            raise _doc_number_conflict(changes)

    def publish_notice(self, notice_id, published_at, envelope):
        def work(session):
            updated = self.db.notices.find_one_and_update(
                {"_id": notice_id, "status": "draft"},
                {"$set": {"status": "published", "published_at": published_at}},
                return_document=ReturnDocument.AFTER, session=session)
            if updated is None:
                raise RuleViolation("通知已发布 / the notice is published already", {"status": ["published"]})
            self.stage_event(session, envelope)
            return updated

        return self.in_transaction(work)

    def find_notices(self, year=None, campaign_id=None, status=None, page=1, page_size=20):
        query = {key: value for key, value in (("year", year), ("campaign_id", campaign_id), ("status", status))
                 if value is not None}
        cursor = self.db.notices.find(query).sort([("created_at", DESCENDING), ("_id", ASCENDING)])
        return _page(cursor, page, page_size), self.db.notices.count_documents(query)

    def published_notices_of(self, campaign_id):
        return list(self.db.notices.find({"campaign_id": campaign_id, "status": "published"})
                    .sort([("published_at", ASCENDING)]))

    # -- attachments (GridFS) ------------------------------------------------------

    def add_attachment(self, notice_id, filename, content_type, content, max_count):
        """Store the file, then link it to the draft; a refused link removes the file again."""
        file_id = ObjectId()
        self.store_file(file_id, filename, content, {"notice_id": notice_id, "content_type": content_type})
        meta = {"id": str(file_id), "filename": filename, "content_type": content_type, "size": len(content)}
        updated = self.db.notices.find_one_and_update(
            {"_id": notice_id, "status": "draft", f"attachments.{max_count - 1}": {"$exists": False}},
            {"$push": {"attachments": meta}}, return_document=ReturnDocument.AFTER)
        if updated is None:
            self.delete_file(file_id)
            raise RuleViolation("通知已发布或附件已满 / the notice is published or has all its attachments",
                                {"attachments": ["refused"]})
        return meta

    def read_attachment(self, file_id):
        try:
            return self.read_file(ObjectId(file_id))
        except InvalidId:
            return None

def _doc_number_conflict(notice):
    message = f"文号“{notice.get('doc_number')}”在该年度已使用 / this document number is already used this year"
    return Conflict(message, {"doc_number": [message]})
