"""The notifications service's only MongoDB access.

Collections:
- ``recipients``: local projection of accounts' users (fan-out on read and email fan-out).
- ``notices``: each broadcast stored once, with its audience.
- ``messages``: direct inbox messages (to a user or to an enterprise).
- ``reads``: one record per (notice, user) who read a notice.
- ``preferences``: per user opt-in/out per category × channel, phone, locale.
- ``template_overrides``: organiser overrides of template files.
- ``fanouts``: per-notice, per-channel expansion jobs (audience → send chunks).
- ``send_chunks``: the durable send queue; each chunk is one batch of recipients
  sent over one connection, and records who failed and why (the delivery log);
  ``chunk_entries`` holds each chunk's recipients.
- ``dead_letters``: deliveries that failed every attempt, until resent.
"""
from datetime import timedelta

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.mongo import Repository, utcnow

QUEUED, SENDING, DONE = "queued", "sending", "done"


class NotificationsRepository(Repository):
    INDEXES = {
        "messages": [
            IndexModel([("recipient_user_id", ASCENDING), ("created_at", DESCENDING)]),
            IndexModel([("enterprise_id", ASCENDING), ("created_at", DESCENDING)]),
        ],
        "recipients": [IndexModel([("role", ASCENDING)]), IndexModel([("enterprise_id", ASCENDING)])],
        "notices": [IndexModel([("published_at", DESCENDING)])],
        "reads": [IndexModel([("notice_id", ASCENDING)]), IndexModel([("user_id", ASCENDING)])],
        "fanouts": [IndexModel([("status", ASCENDING), ("lease_until", ASCENDING)])],
        "send_chunks": [
            IndexModel([("status", ASCENDING), ("available_at", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("lease_until", ASCENDING)]),
            IndexModel([("source_id", ASCENDING), ("created_at", ASCENDING)]),
        ],
        "chunk_entries": [IndexModel([("source_id", ASCENDING), ("channel", ASCENDING)])],
        "dead_letters": [IndexModel([("source_id", ASCENDING)]), IndexModel([("dead_at", DESCENDING)])],
    }

    # -- recipients projection ----------------------------------------------

    def upsert_recipient(self, session, recipient):
        fields = {key: value for key, value in recipient.items() if key not in ("_id", "locale")}
        self.db.recipients.update_one(
            {"_id": recipient["_id"]},
            {"$set": fields, "$setOnInsert": {"locale": recipient.get("locale")}},
            upsert=True, session=session,
        )

    def recipient(self, user_id):
        return self.db.recipients.find_one({"_id": user_id})

    def set_recipient_locale(self, user_id, locale):
        self.db.recipients.update_one({"_id": user_id}, {"$set": {"locale": locale}})

    def enterprise_users(self, enterprise_ids, session=None):
        return list(self.db.recipients.find(
            {"role": "enterprise", "enterprise_id": {"$in": list(enterprise_ids)}}, session=session))

    def recipients_matching(self, query, after=None, limit=None, projection=None):
        if after is not None:
            query = {"$and": [query, {"_id": {"$gt": after}}]}
        cursor = self.db.recipients.find(query, projection).sort("_id", ASCENDING)
        if limit:
            cursor = cursor.limit(limit)
        return cursor

    def recipients_page(self, query, page, page_size):
        cursor = self.db.recipients.find(query).sort("_id", ASCENDING).skip((page - 1) * page_size).limit(page_size)
        return list(cursor), self.db.recipients.count_documents(query)

    def count_recipients(self, query):
        return self.db.recipients.count_documents(query)

    def recipients_by_division(self, query):
        pipeline = [{"$match": query}, {"$group": {"_id": "$division_code", "n": {"$sum": 1}}}]
        return {row["_id"]: row["n"] for row in self.db.recipients.aggregate(pipeline)}

    # -- notices and direct messages ----------------------------------------

    def save_notice(self, session, notice):
        self.db.notices.replace_one({"_id": notice["_id"]}, notice, upsert=True, session=session)

    def notice(self, notice_id, projection=None):
        return self.db.notices.find_one({"_id": notice_id}, projection)

    def notices_by_ids(self, ids):
        return {doc["_id"]: doc for doc in self.db.notices.find({"_id": {"$in": list(ids)}})}

    def notice_headers(self):
        """Every notice without its text: the candidates for fan-out on read."""
        return list(self.db.notices.find({}, {"audience": 1, "required_read": 1, "created_at": 1,
                                              "title": 1}))

    def add_message(self, session, message):
        self.db.messages.insert_one(message, session=session)

    def add_messages(self, session, messages):
        if messages:
            self.db.messages.insert_many(messages, session=session)

    @staticmethod
    def _direct_query(user_id, enterprise_id, unread_only):
        owners = [{"recipient_user_id": user_id}]
        if enterprise_id:
            owners.append({"enterprise_id": enterprise_id, "recipient_user_id": None})
        query = {"$or": owners}
        if unread_only:
            query["read_at"] = None
        return query

    def direct_messages(self, user_id, enterprise_id, unread_only, limit):
        query = self._direct_query(user_id, enterprise_id, unread_only)
        cursor = self.db.messages.find(query).sort([("created_at", DESCENDING), ("_id", ASCENDING)]).limit(limit)
        return list(cursor), self.db.messages.count_documents(query)

    def unread_direct_count(self, user_id, enterprise_id):
        return self.db.messages.count_documents(self._direct_query(user_id, enterprise_id, True))

    def message_by_id(self, message_id):
        return self.db.messages.find_one({"_id": message_id})

    def messages_by_ids(self, ids):
        return {doc["_id"]: doc for doc in self.db.messages.find({"_id": {"$in": list(ids)}})}

    def mark_read(self, message_id, when):
        self.db.messages.update_one({"_id": message_id, "read_at": None}, {"$set": {"read_at": when}})

    # -- reads of notices ---------------------------------------------------

    def record_read(self, notice_id, recipient, when):
        try:
            self.db.reads.insert_one({
                "_id": f"{notice_id}:{recipient['_id']}", "notice_id": notice_id, "user_id": recipient["_id"],
                "enterprise_id": recipient.get("enterprise_id"), "division_code": recipient.get("division_code"),
                "read_at": when,
            })
        except DuplicateKeyError:
            pass  # read twice: the first read counts

    def reads_of_user(self, user_id, notice_ids):
        return {doc["notice_id"]: doc["read_at"]
                for doc in self.db.reads.find({"user_id": user_id, "notice_id": {"$in": list(notice_ids)}})}

    def reads_of_notice(self, notice_id):
        return self.db.reads.find({"notice_id": notice_id}, {"user_id": 1, "division_code": 1, "read_at": 1})

    def read_count(self, notice_id):
        return self.db.reads.count_documents({"notice_id": notice_id})

    # -- preferences --------------------------------------------------------

    def preferences(self, user_id):
        return self.db.preferences.find_one({"_id": user_id})

    def preferences_of(self, user_ids):
        return {doc["_id"]: doc for doc in self.db.preferences.find({"_id": {"$in": list(user_ids)}})}

    def save_preferences(self, user_id, changes):
        return self.db.preferences.find_one_and_update(
            {"_id": user_id}, {"$set": {**changes, "updated_at": utcnow()}}, upsert=True,
            return_document=ReturnDocument.AFTER)

    def opted_in(self, category, channel):
        """Preferences of users who opted in to ``channel`` for ``category``."""
        return list(self.db.preferences.find({f"settings.{category}.{channel}": True}))

    def with_phone(self):
        return list(self.db.preferences.find({"phone": {"$nin": [None, ""]}}))

    # -- template overrides -------------------------------------------------

    def template_overrides(self):
        return {doc["_id"]: doc["source"] for doc in self.db.template_overrides.find()}

    def template_override_docs(self):
        return list(self.db.template_overrides.find().sort("_id", ASCENDING))

    def save_template_override(self, key, source, user_id):
        self.db.template_overrides.replace_one(
            {"_id": key}, {"_id": key, "source": source, "updated_by": user_id, "updated_at": utcnow()},
            upsert=True)

    def delete_template_override(self, key):
        return self.db.template_overrides.delete_one({"_id": key}).deleted_count

    # -- the send queue -----------------------------------------------------

    def add_fanout(self, session, fanout):
        self.db.fanouts.insert_one(fanout, session=session)

    def claim_fanout(self, instance_id, lease_seconds):
        now = utcnow()
        return self.db.fanouts.find_one_and_update(
            {"$or": [{"status": QUEUED}, {"status": SENDING, "lease_until": {"$lt": now}}]},
            {"$set": {"status": SENDING, "claimed_by": instance_id,
                      "lease_until": now + timedelta(seconds=lease_seconds)}},
            sort=[("created_at", ASCENDING)], return_document=ReturnDocument.AFTER)

    def fanout_progress(self, fanout_id, instance_id, seq, last_user, lease_seconds, total):
        self.db.fanouts.update_one(
            {"_id": fanout_id, "claimed_by": instance_id},
            {"$set": {"seq": seq, "last_user": last_user, "total": total,
                      "lease_until": utcnow() + timedelta(seconds=lease_seconds)}})

    def finish_fanout(self, fanout_id, instance_id, total):
        self.db.fanouts.update_one({"_id": fanout_id, "claimed_by": instance_id},
                                   {"$set": {"status": DONE, "total": total, "finished_at": utcnow()},
                                    "$unset": {"lease_until": ""}})

    def fanouts_of(self, source_id):
        return list(self.db.fanouts.find({"source_id": source_id}))

    def insert_chunk(self, chunk, session=None):
        """Queue a chunk: a small claimable document, its recipients stored beside it.

        Keeping the recipient lists out of ``send_chunks`` keeps claiming cheap
        however many finished chunks the log holds.
        """
        meta = {key: value for key, value in chunk.items() if key != "entries"}
        # Recipients first: the queue document makes the chunk claimable, and a
        # sender must never claim a chunk whose recipients are not there yet.
        self.db.chunk_entries.replace_one(
            {"_id": chunk["_id"]},
            {"_id": chunk["_id"], "source_id": chunk["source_id"], "channel": chunk["channel"],
             "entries": chunk["entries"]}, upsert=True, session=session)
        try:
            self.db.send_chunks.insert_one(meta, session=session)
        except DuplicateKeyError:
            return False  # already queued by an earlier, interrupted expansion
        return True

    def claim_chunk(self, instance_id, lease_seconds):
        now = utcnow()
        update = {"$set": {"status": SENDING, "claimed_by": instance_id,
                           "lease_until": now + timedelta(seconds=lease_seconds)},
                  "$inc": {"claims": 1}}
        # Due chunks first; then any whose claimer died (lease ran out).
        for query, order in (({"status": QUEUED, "available_at": {"$lte": now}}, "available_at"),
                             ({"status": SENDING, "lease_until": {"$lt": now}}, "lease_until")):
            chunk = self.db.send_chunks.find_one_and_update(
                query, update, sort=[(order, ASCENDING)], return_document=ReturnDocument.AFTER)
            if chunk is not None:
                chunk["entries"] = self.db.chunk_entries.find_one({"_id": chunk["_id"]})["entries"]
                return chunk
        return None

    def renew_chunk_lease(self, chunk_id, instance_id, lease_seconds):
        return self.db.send_chunks.update_one(
            {"_id": chunk_id, "claimed_by": instance_id},
            {"$set": {"lease_until": utcnow() + timedelta(seconds=lease_seconds)}}).modified_count

    def finish_chunk(self, chunk_id, instance_id, sent_count, failures, session=None):
        return self.db.send_chunks.update_one(
            {"_id": chunk_id, "claimed_by": instance_id},
            {"$set": {"status": DONE, "sent_count": sent_count, "failed": failures, "finished_at": utcnow()},
             "$unset": {"lease_until": ""}}, session=session).modified_count

    def chunks_of(self, source_id, channel=None, with_entries=True):
        query = {"source_id": source_id}
        if channel:
            query["channel"] = channel
        chunks = list(self.db.send_chunks.find(query).sort("created_at", ASCENDING))
        if with_entries:
            entries = {doc["_id"]: doc["entries"] for doc in self.db.chunk_entries.find(query)}
            for chunk in chunks:
                chunk["entries"] = entries.get(chunk["_id"], [])
        return chunks

    # -- dead letters -------------------------------------------------------

    def add_dead_letters(self, session, letters):
        for letter in letters:
            self.db.dead_letters.replace_one({"_id": letter["_id"]}, letter, upsert=True, session=session)

    def dead_letters(self, query, page, page_size):
        cursor = (self.db.dead_letters.find(query).sort([("dead_at", DESCENDING), ("_id", ASCENDING)])
                  .skip((page - 1) * page_size).limit(page_size))
        return list(cursor), self.db.dead_letters.count_documents(query)

    def dead_letter_docs(self, query):
        return list(self.db.dead_letters.find(query))

    def dead_count(self, source_id, channel):
        return self.db.dead_letters.count_documents({"source_id": source_id, "channel": channel})

    def remove_dead_letters(self, session, ids):
        self.db.dead_letters.delete_many({"_id": {"$in": list(ids)}}, session=session)
