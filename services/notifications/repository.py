"""The notifications service's only MongoDB access."""
from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Repository


class NotificationsRepository(Repository):
    INDEXES = {
        "messages": [
            IndexModel([("recipient_user_id", ASCENDING), ("created_at", DESCENDING)]),
            IndexModel([("recipient_user_id", ASCENDING), ("read_at", ASCENDING)]),
        ],
    }

    def add_message(self, session, message):
        self.db.messages.insert_one(message, session=session)

    def inbox(self, user_id, unread_only=False, page=1, page_size=20):
        query = {"recipient_user_id": user_id}
        if unread_only:
            query["read_at"] = None
        cursor = (
            self.db.messages.find(query)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip((page - 1) * page_size)
            .limit(page_size)
        )
        return list(cursor), self.db.messages.count_documents(query)

    def unread_count(self, user_id):
        return self.db.messages.count_documents({"recipient_user_id": user_id, "read_at": None})

    def message_by_id(self, message_id):
        return self.db.messages.find_one({"_id": message_id})

    def mark_read(self, message_id, when):
        self.db.messages.update_one({"_id": message_id, "read_at": None}, {"$set": {"read_at": when}})
