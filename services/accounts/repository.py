"""The accounts service's only MongoDB access."""
import re

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.errors import Conflict
from shared.mongo import Repository

LOGIN_FAILURE_TTL_SECONDS = 24 * 3600

_DUPLICATE_FIELDS = {
    "uscc": ("uscc", "该统一社会信用代码已注册 / this USCC is already registered"),
    "username": ("contact_email", "该邮箱已注册 / this email is already registered"),
    "email": ("email", "该邮箱已注册 / this email is already registered"),
}


def _conflict_from(error):
    text = str(error)
    for key, (field, message) in _DUPLICATE_FIELDS.items():
        if key in text:
            return Conflict(message, {field: [message]})
    return Conflict("记录已存在 / already exists")


class AccountsRepository(Repository):
    INDEXES = {
        "enterprises": [
            IndexModel([("uscc", ASCENDING)], unique=True, name="uscc_unique"),
            IndexModel([("division_code", ASCENDING), ("industry_code", ASCENDING)]),
            IndexModel([("name", ASCENDING)]),
        ],
        "users": [IndexModel([("username", ASCENDING)], unique=True, name="username_unique")],
        # The rule counts a time window in its query; the TTL only clears old rows away.
        "login_failures": [
            IndexModel([("username", ASCENDING), ("at", ASCENDING)]),
            IndexModel([("client_address", ASCENDING), ("at", ASCENDING)]),
            IndexModel([("at", ASCENDING)], expireAfterSeconds=LOGIN_FAILURE_TTL_SECONDS, name="at_ttl"),
        ],
        "judges": [
            IndexModel([("user_id", ASCENDING)], unique=True),
            IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
        ],
    }

    def register_enterprise(self, enterprise, user, envelope):
        self._insert_with_event([("enterprises", enterprise), ("users", user)], envelope)

    def register_judge(self, judge, user, envelope):
        self._insert_with_event([("judges", judge), ("users", user)], envelope)

    def _insert_with_event(self, documents, envelope):
        """Insert related documents and their event together, or nothing."""

        def work(session):
            for collection, document in documents:
                self.db[collection].insert_one(document, session=session)
            self.stage_event(session, envelope)

        try:
            self.in_transaction(work)
        except DuplicateKeyError as error:
            raise _conflict_from(error)

    def existing_usccs(self, usccs):
        found = self.db.enterprises.find({"uscc": {"$in": list(usccs)}}, {"uscc": 1})
        return {doc["uscc"] for doc in found}

    def existing_usernames(self, usernames):
        found = self.db.users.find({"username": {"$in": list(usernames)}}, {"username": 1})
        return {doc["username"] for doc in found}

    def import_enterprises(self, triples):
        """Insert (enterprise, user, envelope) triples; return the ones stored
        and a {enterprise_id: Conflict} map for the ones refused.

        One transaction for the whole chunk: the rows were screened against
        the directory just before, so a chunk almost always commits in one
        round trip. If a concurrent registration took a USCC or email in the
        meantime, the chunk rolls back whole and each row is retried in its
        own transaction, so one late duplicate never blocks its neighbours
        and no row is ever half written.
        """
        def chunk(session):
            self.db.enterprises.insert_many([t[0] for t in triples], ordered=True, session=session)
            self.db.users.insert_many([t[1] for t in triples], ordered=True, session=session)
            for _, _, envelope in triples:
                self.stage_event(session, envelope)

        try:
            self.in_transaction(chunk)
            return list(triples), {}
        except (BulkWriteError, DuplicateKeyError):
            pass
        stored, refused = [], {}
        for enterprise, user, envelope in triples:
            try:
                self.register_enterprise(enterprise, user, envelope)
                stored.append((enterprise, user, envelope))
            except Conflict as conflict:
                refused[enterprise["_id"]] = conflict
        return stored, refused

    def count_enterprises(self, query):
        return self.db.enterprises.count_documents(query)

    def add_user(self, user):
        try:
            self.db.users.insert_one(user)
        except DuplicateKeyError as error:
            raise _conflict_from(error)

    def user_by_username(self, username):
        return self.db.users.find_one({"username": username.strip().lower()})

    def count_login_failures(self, username, client_address, since):
        """Recent failures for this account and for this client address."""
        username = username.strip().lower()
        by_account = self.db.login_failures.count_documents({"username": username, "at": {"$gte": since}})
        by_address = 0
        if client_address:
            by_address = self.db.login_failures.count_documents(
                {"client_address": client_address, "at": {"$gte": since}}
            )
        return by_account, by_address

    def record_login_failure(self, username, client_address, at):
        self.db.login_failures.insert_one(
            {"username": username.strip().lower(), "client_address": client_address, "at": at}
        )

    def clear_login_failures(self, username):
        """A successful login clears its account's count (not the address's)."""
        self.db.login_failures.delete_many({"username": username.strip().lower()})

    def set_password_hash(self, user_id, password_hash, now):
        self.db.users.update_one(
            {"_id": user_id}, {"$set": {"password_hash": password_hash, "password_changed_at": now}}
        )

    def user_by_id(self, user_id):
        return self.db.users.find_one({"_id": user_id})

    def count_users(self, role):
        return self.db.users.count_documents({"role": role})

    def enterprise_by_id(self, enterprise_id):
        return self.db.enterprises.find_one({"_id": enterprise_id})

    def enterprises_by_ids(self, ids):
        return list(self.db.enterprises.find({"_id": {"$in": list(ids)}}))

    def find_enterprises(self, division_code=None, industry_code=None, q=None, sort="name",
                         page=1, page_size=20):
        query = {}
        if division_code:
            query["division_code"] = division_code
        if industry_code:
            query["industry_code"] = industry_code
        if q:
            pattern = re.escape(q)
            query["$or"] = [{"name": {"$regex": pattern}}, {"uscc": {"$regex": pattern.upper()}}]
        direction = DESCENDING if sort.startswith("-") else ASCENDING
        cursor = (
            self.db.enterprises.find(query)
            .sort([(sort.lstrip("-"), direction), ("_id", ASCENDING)])
            .skip((page - 1) * page_size)
            .limit(page_size)
        )
        return list(cursor), self.db.enterprises.count_documents(query)

    def judge_by_id(self, judge_id):
        return self.db.judges.find_one({"_id": judge_id})

    def list_judges(self):
        return list(self.db.judges.find().sort([("name", ASCENDING), ("_id", ASCENDING)]))
