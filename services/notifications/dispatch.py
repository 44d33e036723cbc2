"""The sender: expands broadcasts into a durable send queue and works through it.

A notice to be emailed becomes a ``fanouts`` job. One expander thread turns
each job into ``send_chunks`` of ``SEND_BATCH_SIZE`` recipients, walking the
recipients projection in ``_id`` order and recording how far it got, so an
interrupted expansion resumes where it stopped and queues nobody twice (chunk
ids are the job id plus a sequence number). Sender threads claim chunks
atomically with a lease, as the outbox relay claims records, so several
instances share the work; each chunk is sent over one connection, then marked
done with the recipients that failed. Failures go to a retry chunk after an
exponential backoff, and after ``SEND_MAX_ATTEMPTS`` to ``dead_letters``.
"""
import logging
import threading
import time
import uuid
from datetime import timedelta

from nameko.extensions import DependencyProvider

from services.notifications import domain
from services.notifications.channels import EmailChannel, SmsChannel
from services.notifications.repository import QUEUED, NotificationsRepository
from shared.mongo import make_client, utcnow

log = logging.getLogger(__name__)

INITIAL, RETRY, RESEND = "initial", "retry", "resend"


def new_chunk(chunk_id, source_id, event_type, channel, category, critical, entries, kind=INITIAL, attempt=0,
              available_at=None):
    now = utcnow()
    return {
        "_id": chunk_id, "source_id": source_id, "event_type": event_type, "channel": channel,
        "category": category, "critical": critical, "kind": kind, "attempt": attempt,
        "entries": entries, "n": len(entries), "status": QUEUED, "sent_count": 0, "failed": [],
        "created_at": now, "available_at": available_at or now,
    }


def entry_for(recipient, address, locale, message_id=None):
    return {"u": recipient["_id"], "a": address, "l": locale, "m": message_id,
            "e": recipient.get("enterprise_id"), "d": recipient.get("division_code")}


class Dispatcher(DependencyProvider):
    def __init__(self, templates):
        self.templates = templates
        self.client = None
        self._wake = threading.Event()
        self._running = False

    def setup(self):
        config = self.container.config
        self.client = make_client(config["MONGO_URI"])
        db = self.client[config.get("MONGO_DATABASE") or self.container.service_name]
        self.repository = NotificationsRepository(self.client, db)
        self.channels = {"email": EmailChannel(config), "sms": SmsChannel(config)}
        window = float(config.get("RATE_WINDOW_SECONDS") or 1.0)
        self.limiters = {
            "email": domain.SlidingWindowLimiter(config.get("EMAIL_RATE_LIMIT") or 0, window),
            "sms": domain.SlidingWindowLimiter(config.get("SMS_RATE_LIMIT") or 0, window),
        }
        self.batch_size = int(config.get("SEND_BATCH_SIZE") or 200)
        self.max_attempts = int(config.get("SEND_MAX_ATTEMPTS") or 4)
        self.retry_base = float(config.get("SEND_RETRY_BASE_SECONDS") or 30)
        self.lease_seconds = float(config.get("SEND_LEASE_SECONDS") or 300)
        self.poll_interval = float(config.get("DISPATCH_POLL_INTERVAL") or 1.0)
        self.sender_threads = int(config.get("SENDER_THREADS") or 4)
        self.instance_id = uuid.uuid4().hex
        self._notices = {}

    def start(self):
        self._running = True
        self._live = 1 + self.sender_threads
        self.container.spawn_managed_thread(lambda: self._loop(self.expand_once), identifier="fanout_expander")
        for n in range(self.sender_threads):
            self.container.spawn_managed_thread(lambda: self._loop(self.send_once), identifier=f"sender_{n}")

    def stop(self):
        self._running = False
        self._wake.set()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    # -- what handlers use --------------------------------------------------

    def enabled(self, channel):
        return self.channels[channel].enabled

    def wake(self):
        self._wake.set()

    # -- loops --------------------------------------------------------------

    def _loop(self, step):
        while self._running:
            try:
                busy = step()
            except Exception:  # keep sending after a store or network outage
                log.exception("dispatch step failed")
                busy = False
            if not busy:
                self._wake.wait(self.poll_interval)
                self._wake.clear()
        # The last loop out closes the client the others were still using.
        self._live -= 1
        if self._live == 0 and self.client is not None:
            self.client.close()

    # -- expansion ----------------------------------------------------------

    def expand_once(self):
        fanout = self.repository.claim_fanout(self.instance_id, self.lease_seconds)
        if fanout is None:
            return False
        self.expand(fanout)
        return True

    def _addresses(self, fanout):
        """(extra filter, address of a recipient) for the fan-out's channel."""
        repo, category, channel = self.repository, fanout["category"], fanout["channel"]
        if channel == "email":
            if fanout["critical"]:
                return {}, lambda r: r.get("email")
            ids = [doc["_id"] for doc in repo.opted_in(category, "email")]
            return {"_id": {"$in": ids}}, lambda r: r.get("email")
        phones = {doc["_id"]: doc["phone"] for doc in repo.with_phone()
                  if domain.wants(doc, category, "sms", fanout["critical"])}
        return {"_id": {"$in": list(phones)}}, lambda r: phones.get(r["_id"])

    def expand(self, fanout):
        notice = self.repository.notice(fanout["source_id"])
        audience = notice["audience"]
        extra, address_of = self._addresses(fanout)
        if extra and not extra["_id"]["$in"]:
            # Nobody opted in: don't walk the whole projection to find that out.
            self.repository.finish_fanout(fanout["_id"], self.instance_id, 0)
            return
        query = domain.recipients_filter(audience)
        if extra:
            query = {"$and": [extra, query]}
        seq, last, total = fanout.get("seq", 0), fanout.get("last_user"), fanout.get("total", 0)
        batch = []

        def flush():
            nonlocal seq, total
            seq += 1
            chunk = new_chunk(f"{fanout['_id']}:{seq}", fanout["source_id"], fanout["event_type"],
                              fanout["channel"], fanout["category"], fanout["critical"], batch)
            self.repository.insert_chunk(chunk)
            total += len(batch)
            self.repository.fanout_progress(fanout["_id"], self.instance_id, seq, batch[-1]["u"],
                                            self.lease_seconds, total)
            self.wake()

        projection = {"role": 1, "enterprise_id": 1, "division_code": 1, "industry_code": 1, "size": 1,
                      "email": 1, "locale": 1}
        for recipient in self.repository.recipients_matching(query, after=last, projection=projection):
            address = address_of(recipient)
            if not address or not domain.in_audience(audience, recipient):
                continue
            locale = domain.notice_locale(notice, recipient.get("locale") or domain.DEFAULT_LOCALE)
            batch.append(entry_for(recipient, address, locale))
            if len(batch) >= self.batch_size:
                flush()
                batch = []
        if batch:
            flush()
        self.repository.finish_fanout(fanout["_id"], self.instance_id, total)

    # -- sending ------------------------------------------------------------

    def send_once(self):
        chunk = self.repository.claim_chunk(self.instance_id, self.lease_seconds)
        if chunk is None:
            return False
        self.send_chunk(chunk)
        return True

    def _notice(self, notice_id):
        notice = self._notices.get(notice_id)
        if notice is None:
            notice = self.repository.notice(notice_id)
            if len(self._notices) > 32:
                self._notices.clear()
            self._notices[notice_id] = notice
        return notice

    def render(self, chunk, overrides):
        """(key, rendered parts) per entry; one rendering per notice and locale."""
        event_type, channel = chunk["event_type"], chunk["channel"]
        parts = ("email_subject", "email_text", "email_html") if channel == "email" else ("sms",)
        messages = {}
        if event_type != "notice_published":
            messages = self.repository.messages_by_ids({e["m"] for e in chunk["entries"] if e.get("m")})
        version = hash(tuple(sorted(overrides.items())))
        cache, out = {}, []
        for entry in chunk["entries"]:
            if event_type == "notice_published":
                source, payload = chunk["source_id"], self._notice(chunk["source_id"])
            else:
                source, payload = entry["m"], messages[entry["m"]]["context"]
            key = (source, entry["l"], version)
            if key not in cache:
                context = domain.render_context(event_type, payload, entry["l"])
                locale = entry["l"] if self.templates.has_file(event_type, parts[0], entry["l"]) \
                    else domain.DEFAULT_LOCALE
                cache[key] = {part: self.templates.render(event_type, part, locale, context, overrides)
                              for part in parts}
            out.append((key, cache[key]))
        return out

    def _heartbeat(self, chunk):
        """Renew the chunk's lease while a slow (rate-limited) batch is still being sent."""
        renewed = [time.monotonic()]

        def beat():
            if time.monotonic() - renewed[0] > self.lease_seconds / 3:
                renewed[0] = time.monotonic()
                if not self.repository.renew_chunk_lease(chunk["_id"], self.instance_id, self.lease_seconds):
                    log.warning("lost the lease on chunk %s; leaving it to its new owner", chunk["_id"])
                    return False
            return True

        return beat

    def send_chunk(self, chunk):
        channel = self.channels[chunk["channel"]]
        overrides = self.repository.template_overrides()
        try:
            rendered = self.render(chunk, overrides)
        except Exception as err:  # a broken template fails the chunk, visibly, not silently
            log.exception("rendering chunk %s failed", chunk["_id"])
            results = [(f"模板渲染失败 / rendering failed: {err}", False)] * len(chunk["entries"])
        else:
            items = [(entry["a"], key, parts) for entry, (key, parts) in zip(chunk["entries"], rendered, strict=True)]
            results = channel.send_batch(items, self.limiters[chunk["channel"]], self._heartbeat(chunk))
        self.finish(chunk, results)

    def finish(self, chunk, results):
        failures = [(entry, result) for entry, result in zip(chunk["entries"], results, strict=True) if result]
        sent = len(chunk["entries"]) - len(failures)
        if not failures:
            self.repository.finish_chunk(chunk["_id"], self.instance_id, sent, [])
            return
        attempt = chunk["attempt"] + 1
        retry = [entry for entry, (_, permanent) in failures if not permanent and attempt < self.max_attempts]
        dead = [(entry, reason) for entry, (reason, permanent) in failures
                if permanent or attempt >= self.max_attempts]
        now = utcnow()

        def work(session):
            if not self.repository.finish_chunk(chunk["_id"], self.instance_id, sent,
                                                [{"u": e["u"], "reason": r} for e, (r, _) in failures], session):
                return  # our lease ran out and someone else owns the chunk now
            if retry:
                delay = domain.backoff_seconds(attempt, self.retry_base)
                self.repository.insert_chunk(new_chunk(
                    f"{chunk['_id']}/r{attempt}", chunk["source_id"], chunk["event_type"], chunk["channel"],
                    chunk["category"], chunk["critical"], retry, kind=RETRY, attempt=attempt,
                    available_at=now + timedelta(seconds=delay)), session=session)
            self.repository.add_dead_letters(session, [{
                "_id": f"{chunk['source_id']}:{chunk['channel']}:{entry['u']}", "source_id": chunk["source_id"],
                "event_type": chunk["event_type"], "channel": chunk["channel"], "category": chunk["category"],
                "critical": chunk["critical"], "entry": entry, "user_id": entry["u"], "address": entry["a"],
                "reason": reason, "attempts": attempt, "dead_at": now,
            } for entry, reason in dead])

        self.repository.in_transaction(work)
        log.warning("chunk %s: %d sent, %d to retry, %d dead-lettered", chunk["_id"], sent, len(retry), len(dead))

    # -- re-sending dead letters ----------------------------------------------

    def resend(self, letters):
        """Queue dead letters again (fresh attempts) and remove them, atomically."""
        groups = {}
        for letter in letters:
            key = (letter["source_id"], letter["event_type"], letter["channel"], letter["category"],
                   letter["critical"])
            groups.setdefault(key, []).append(letter)

        def work(session):
            for (source_id, event_type, channel, category, critical), group in groups.items():
                for start in range(0, len(group), self.batch_size):
                    part = group[start:start + self.batch_size]
                    self.repository.insert_chunk(new_chunk(
                        f"resend:{uuid.uuid4().hex}", source_id, event_type, channel, category, critical,
                        [letter["entry"] for letter in part], kind=RESEND), session=session)
            self.repository.remove_dead_letters(session, [letter["_id"] for letter in letters])

        self.repository.in_transaction(work)
        self.wake()
        return len(letters)

