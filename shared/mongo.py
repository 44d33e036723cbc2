"""MongoDB access for a service: one client, one database, one repository.

``MongoStore`` is the nameko dependency provider. It makes the client in
``setup()``, ensures the indexes the repository declares, closes the client on
``stop()``/``kill()``, and runs the service's outbox relay (see outbox.py)
in a managed green thread so that every commit carrying an event is followed
by a publish.
"""
from datetime import UTC, datetime

from gridfs import GridFSBucket, NoFile
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, DESCENDING, IndexModel, MongoClient
from pymongo.errors import DuplicateKeyError

from shared.outbox import OUTBOX_COLLECTION, OUTBOX_INDEXES, OutboxRelay, outbox_record

PROCESSED_EVENTS = "processed_events"
FILES_BUCKET = "attachments"
FAILED_EVENTS = "failed_events"


def utcnow():
    return datetime.now(UTC)


def make_client(uri, **kwargs):
    options = {"tz_aware": True, "serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000}
    options.update(kwargs)
    return MongoClient(uri, **options)


class Repository:
    """Base class for a service's repository, the only code that touches Mongo.

    Subclasses declare ``INDEXES = {collection: [IndexModel, ...]}``.
    """

    INDEXES = {}

    def __init__(self, client, db, on_commit_with_events=None):
        self.client = client
        self.db = db
        self._on_commit_with_events = on_commit_with_events or (lambda: None)

    @classmethod
    def all_indexes(cls):
        indexes = {
            OUTBOX_COLLECTION: OUTBOX_INDEXES,
            PROCESSED_EVENTS: [
                IndexModel([("event_id", ASCENDING), ("handler", ASCENDING)], unique=True)
            ],
            FAILED_EVENTS: [IndexModel([("status", ASCENDING), ("dead_at", DESCENDING)])],
        }
        for klass in reversed(cls.__mro__):
            indexes.update(getattr(klass, "INDEXES", {}))
        return indexes

    def ensure_indexes(self):
        for collection, models in self.all_indexes().items():
            if models:
                self.db[collection].create_indexes(models)

    def ping(self):
        self.db.command("ping")
        return True

    # -- writes that must land together -------------------------------------

    def in_transaction(self, work):
        """Run ``work(session)`` in one transaction, retried on transient errors.

        Events staged with ``stage_event`` inside ``work`` commit with it; the
        relay is woken only after the commit succeeded.
        """
        staged = []
        with self.client.start_session() as session:
            session.staged_events = staged

            def callback(s):
                staged.clear()
                return work(s)

            result = session.with_transaction(callback)
        if staged:
            self._on_commit_with_events()
        return result

    def stage_event(self, session, envelope):
        """Write an event to the outbox inside the caller's transaction."""
        self.db[OUTBOX_COLLECTION].insert_one(outbox_record(envelope), session=session)
        session.staged_events.append(envelope["event_id"])

    # -- idempotent consumers ------------------------------------------------

    def handle_once(self, envelope, handler, work):
        """Apply ``work(session)`` for this event and handler exactly once.

        The processed marker and the handler's writes commit together, so a
        redelivered event finds the marker and does nothing. Returns False for
        a duplicate.
        """
        event_id = str(envelope["event_id"])

        def txn(session):
            collection = self.db[PROCESSED_EVENTS]
            if collection.find_one({"event_id": event_id, "handler": handler}, session=session):
                return False
            # The unique index settles a race between two deliveries: the
            # loser's transaction fails, and its retry sees the marker.
            collection.insert_one(
                {"event_id": event_id, "handler": handler, "processed_at": utcnow()},
                session=session,
            )
            work(session)
            return True

        try:
            return self.in_transaction(txn)
        except DuplicateKeyError:
            return False

    # -- files (GridFS, in the service's own database) --------------------------------

    def store_file(self, file_id, filename, content, metadata):
        GridFSBucket(self.db, bucket_name=FILES_BUCKET).upload_from_stream_with_id(
            file_id, filename, content, metadata=metadata
        )

    def read_file(self, file_id):
        """The file's bytes, or None when there is no such file."""
        try:
            return GridFSBucket(self.db, bucket_name=FILES_BUCKET).open_download_stream(file_id).read()
        except NoFile:
            return None

    def delete_file(self, file_id):
        GridFSBucket(self.db, bucket_name=FILES_BUCKET).delete(file_id)

    # -- failed events (see shared/failed_events.py) ---------------------------------

    def archive_failed_event(self, document):
        self.db[FAILED_EVENTS].insert_one(document)

    def find_failed_events(self, status=None, page=1, page_size=20):
        selector = {"status": status} if status else {}
        cursor = (
            self.db[FAILED_EVENTS].find(selector).sort([("dead_at", DESCENDING), ("_id", ASCENDING)])
            .skip((page - 1) * page_size).limit(page_size)
        )
        return list(cursor), self.db[FAILED_EVENTS].count_documents(selector)

    def failed_event(self, failed_event_id):
        return self.db[FAILED_EVENTS].find_one({"_id": failed_event_id})

    def mark_failed_event(self, failed_event_id, status, when):
        self.db[FAILED_EVENTS].update_one(
            {"_id": failed_event_id}, {"$set": {"status": status, "redelivered_at": when}}
        )


class MongoStore(DependencyProvider):
    """Gives a worker the service's repository; runs the outbox relay."""

    def __init__(self, repository_cls, relay_outbox=True):
        self.repository_cls = repository_cls
        self.relay_outbox = relay_outbox
        self.client = None
        self.repository = None
        self.relay = None

    def database_name(self):
        config = self.container.config
        return config.get("MONGO_DATABASE") or self.container.service_name

    def setup(self):
        config = self.container.config
        self.client = make_client(config["MONGO_URI"])
        db = self.client[self.database_name()]
        if self.relay_outbox:
            self.relay = OutboxRelay(
                collection=db[OUTBOX_COLLECTION],
                amqp_uri=config["AMQP_URI"],
                service_name=self.container.service_name,
                config=config,
            )
        self.repository = self.repository_cls(
            self.client, db, on_commit_with_events=self.relay.wake if self.relay else None
        )
        self.repository.ensure_indexes()

    def start(self):
        if self.relay:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        if self.relay:
            self.relay.stop()
        self._close()

    def kill(self):
        if self.relay:
            self.relay.stop()
        self._close()

    def _close(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    def get_dependency(self, worker_ctx):
        return self.repository
