"""Broadcast at scale: in-app visibility at 1k and 100k recipients, email throughput and memory.

The notifications service runs as its own process (``nameko run``) on a private
vhost and database; recipients are seeded straight into its projection.

- In-app: time from publishing ``notice_published`` until a sampled
  recipient's inbox (over RPC) shows it. Fan-out happens on read, so this
  should not depend on the audience size.
- Email: a required-read notice to 2,000 and to 20,000 recipients through an
  aiosmtpd sink, timed until every chunk of the send queue is done; the
  baseline is a plain ``smtplib`` loop (its own process, no eventlet) sending
  the same pre-rendered messages over one connection to the same sink;
  raw and ours alternate, twice each, because the machine is shared.
- Peak RSS of the service process while it sends the 20k.
"""
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests
from kombu import Connection, Exchange
from nameko.standalone.rpc import ServiceRpcProxy

from bench.harness import record
from deploy import devstack
from services.notifications import domain
from services.notifications.channels import EmailChannel
from services.notifications.schemas import NoticePublishedPayload
from services.notifications.service import templates
from shared.auth import Identity, TokenSigner
from shared.events import EventType, make_event
from shared.mongo import make_client
from tests.helpers import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTICE = EventType("notice_published", 1, NoticePublishedPayload())
SECRET = "bench-only-secret"
SENDER = "noreply@bench.example.cn"
RAW_LOOP = r"""
import pickle, smtplib, sys, time
messages = pickle.load(open(sys.argv[1], "rb"))
started = time.perf_counter()
conn = smtplib.SMTP("127.0.0.1", int(sys.argv[2]))
for address, data in messages:
    conn.sendmail(sys.argv[3], [address], data)
conn.quit()
print(time.perf_counter() - started)
"""


# -- infrastructure -------------------------------------------------------------

class Vhost:
    """A private RabbitMQ vhost, so a running `make run` stack never shares the queues."""

    def __init__(self, amqp_uri):
        self.name = f"bench-{uuid.uuid4().hex[:8]}"
        self.api = "http://127.0.0.1:15672/api"
        self.auth = ("guest", "guest")
        requests.put(f"{self.api}/vhosts/{self.name}", auth=self.auth, timeout=10).raise_for_status()
        requests.put(f"{self.api}/permissions/{self.name}/guest", auth=self.auth, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        self.uri = amqp_uri.rstrip("/") + "/" + self.name

    def delete(self):
        requests.delete(f"{self.api}/vhosts/{self.name}", auth=self.auth, timeout=10)


def start_store():
    if os.environ.get("MONGO_URI"):
        return os.environ["MONGO_URI"], None
    port = free_port()
    process = devstack.start_store(port, ":memory:", os.path.join(tempfile.gettempdir(), "bench-store.log"))
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    devstack.wait_for(lambda: devstack.mongo_answers(uri), 30)
    return uri, process


def start_sink():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "deploy.smtp_sink", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return port, process


def start_service(env, prefix, smtp_port):
    env = {**env, "MONGO_DB_PREFIX": prefix, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
           "SMTP_FROM": SENDER, "DISPATCH_POLL_INTERVAL": "0.2", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": ROOT}
    log_path = os.path.join(tempfile.gettempdir(), f"bench-notifications-{prefix}.log")
    process = devstack.spawn("notifications", devstack.service_argv("notifications"), env, log_path)
    config = {"AMQP_URI": env["AMQP_URI"]}
    devstack.wait_for(lambda: _healthy(config), 60)
    return process


def _healthy(config):
    try:
        with ServiceRpcProxy("notifications", config, timeout=2) as proxy:
            return proxy.health()["store"] == "ok"
    except Exception:
        return False


def stop(process):
    if process is not None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# -- data -----------------------------------------------------------------------

def seed(db, start, count, division):
    batch = []
    for n in range(start, start + count):
        recipient = domain.recipient_from_event("enterprise_registered", {
            "user_id": f"u{n:07d}", "enterprise_id": f"e{n:07d}", "name": f"青海基准企业{n}有限公司",
            "division_code": division, "industry_code": "C", "size": "small",
            "contact_email": f"qa{n:07d}@bench.example.cn"})
        batch.append(recipient)
        if len(batch) == 5000:
            db.recipients.insert_many(batch, ordered=False)
            batch = []
    if batch:
        db.recipients.insert_many(batch, ordered=False)


def notice(notice_id, audience, required_read):
    return {
        "notice_id": notice_id, "year": 2026, "doc_number": "青质〔2026〕99号",
        "title": {"zh-CN": "关于开展2026年“质量月”活动的通知", "en": "Quality Month 2026"},
        "body_html": {"zh-CN": "<p>各市州市场监督管理局：</p><p>" + "请按要求组织开展质量月活动。" * 20 + "</p>",
                      "en": "<p>To every prefecture: please organise Quality Month.</p>"},
        "audience": audience, "required_read": required_read,
        "published_at": "2026-09-01T08:00:00+08:00", "campaign_id": None,
    }


def publish(amqp_uri, payload):
    envelope = make_event(NOTICE, "campaigns", payload)
    with Connection(amqp_uri) as conn:
        exchange = Exchange("campaigns.events", type="topic", durable=True)
        conn.Producer(serializer="json").publish(envelope, exchange=exchange, routing_key="notice_published",
                                                 declare=[exchange])


# -- measurements -----------------------------------------------------------------

def inapp_visible(amqp_uri, notice_id, user, audience):
    token = TokenSigner(SECRET).issue(Identity(user_id=user, role="enterprise", enterprise_id="e" + user[1:]))
    config = {"AMQP_URI": amqp_uri}
    with ServiceRpcProxy("notifications", config, context_data={"auth_token": token}, timeout=30) as proxy:
        proxy.list_inbox({})  # connection warm before the clock starts
        started = time.perf_counter()
        publish(amqp_uri, notice(notice_id, audience, required_read=False))
        while True:
            ids = [item["id"] for item in proxy.list_inbox({"page_size": 5})["items"]]
            if notice_id in ids:
                return time.perf_counter() - started
            time.sleep(0.005)


def email_broadcast(amqp_uri, db, notice_id, division, expected, pid=None):
    peak = 0.0
    started = time.perf_counter()
    publish(amqp_uri, notice(notice_id, {"division_codes": [division]}, required_read=True))
    while True:
        if pid:
            peak = max(peak, rss_mb(pid))
        chunks = list(db.send_chunks.find({"source_id": notice_id}, {"sent_count": 1, "status": 1}))
        fanout = db.fanouts.find_one({"_id": f"{notice_id}:email"}, {"status": 1})
        if (fanout and fanout["status"] == "done" and chunks and all(c["status"] == "done" for c in chunks)
                and sum(c["sent_count"] for c in chunks) >= expected):
            return time.perf_counter() - started, peak
        time.sleep(0.1)


def raw_baseline(db, division, smtp_port, payload):
    """The same messages, rendered once up front, sent by a bare smtplib loop."""
    channel = EmailChannel({"SMTP_HOST": "127.0.0.1", "SMTP_FROM": SENDER})
    context = domain.render_context("notice_published", payload, "zh-CN")
    rendered = {part: templates.render("notice_published", part, "zh-CN", context)
                for part in ("email_subject", "email_text", "email_html")}
    body = channel.body("raw", rendered)
    messages = [(r["email"], channel.message_bytes(r["email"], body))
                for r in db.recipients.find({"division_code": division}, {"email": 1})]
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
        pickle.dump(messages, handle)
    try:
        out = subprocess.run([sys.executable, "-c", RAW_LOOP, handle.name, str(smtp_port), SENDER],
                             check=True, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    return float(out.stdout.strip()), len(messages)


def store_latency_ms(db, samples=200):
    """The store's own cost of one indexed read, for context on the in-app ratio."""
    started = time.perf_counter()
    for n in range(samples):
        db.recipients.find_one({"_id": f"u{n * 3:07d}"})
    return (time.perf_counter() - started) / samples * 1000


def run():
    amqp_base = os.environ.get("AMQP_URI", devstack.DEFAULT_AMQP_URI)
    vhost = Vhost(amqp_base)
    mongo_uri, store = start_store()
    client = make_client(mongo_uri)
    smtp_port, sink = start_sink()
    env = {**os.environ, "AMQP_URI": vhost.uri, "MONGO_URI": mongo_uri, "AUTH_SECRET": SECRET}
    service = None
    try:
        # -- in-app, fan-out on read ------------------------------------------
        prefix = f"bench{uuid.uuid4().hex[:6]}_"
        db = client[f"{prefix}notifications"]
        service = start_service(env, prefix, smtp_port)
        seed(db, 0, 1000, "630100")
        print(f"   (store find_one by _id at 1k recipients: {store_latency_ms(db):.2f} ms)")
        small = statistics.median(inapp_visible(vhost.uri, f"n1k-{n}", "u0000007", {"everyone": True})
                                  for n in range(3))
        started = time.perf_counter()
        seed(db, 1000, 99_000, "630100")
        seeded = time.perf_counter() - started
        large = statistics.median(inapp_visible(vhost.uri, f"n100k-{n}", "u0099991", {"everyone": True})
                                  for n in range(3))
        print(f"   (seeded 99,000 more recipients in {seeded:.1f}s; "
              f"store find_one by _id at 100k: {store_latency_ms(db):.2f} ms)")
        record("broadcast_inapp_visible_s_1k", small, "s", "goal_seconds", 1.0, goal="< 1 s", repetitions=3)
        record("broadcast_inapp_visible_s_100k", large, "s", "goal_seconds", 1.0, goal="< 1 s", repetitions=3)
        record("broadcast_inapp_100k_over_1k", large, "s", "broadcast_inapp_visible_s_1k", small,
               goal="<= 1.5", repetitions=3, ratio=large / small)
        stop(service)
        service = None
        client.drop_database(db.name)

        # -- email ----------------------------------------------------------
        prefix = f"bench{uuid.uuid4().hex[:6]}_"
        db = client[f"{prefix}notifications"]
        seed(db, 0, 2000, "630200")
        seed(db, 2000, 20_000, "632800")
        seed(db, 22_000, 50, "632200")
        raw_payload = notice("raw", {"everyone": True}, True)
        service = start_service(env, prefix, smtp_port)
        rss_idle = rss_mb(service.pid)
        email_broadcast(vhost.uri, db, "warm-up", "632200", 50)  # first connection, template compilation
        # The machine is shared, so raw and ours alternate, twice each, and means are compared.
        raws, ours, small, peak = [], [], [], 0.0
        for n in range(2):
            elapsed, count = raw_baseline(db, "632800", smtp_port, raw_payload)
            assert count == 20_000
            raws.append(elapsed)
            small.append(email_broadcast(vhost.uri, db, f"e2k-{n}", "630200", 2000)[0])
            elapsed, run_peak = email_broadcast(vhost.uri, db, f"e20k-{n}", "632800", 20_000, pid=service.pid)
            ours.append(elapsed)
            peak = max(peak, run_peak)
        raw_20k, ours_20k, ours_2k = statistics.mean(raws), statistics.mean(ours), statistics.mean(small)
        print(f"   (20k: raw smtplib {', '.join(f'{t:.1f}' for t in raws)} s; ours "
              f"{', '.join(f'{t:.1f}' for t in ours)} s; 2k ours {', '.join(f'{t:.2f}' for t in small)} s; "
              f"sender threads {env.get('SENDER_THREADS', 'default 4')})")
        record("email_20k_vs_raw_smtplib", ours_20k, "s", "raw_smtplib_one_connection", raw_20k,
               goal=">= 0.8", repetitions=2)
        record("email_20k_over_2k_time", ours_20k, "s", "email_2k", ours_2k, goal="10 ± 2", repetitions=2,
               ratio=ours_20k / ours_2k)
        record("notifications_peak_rss_mb", peak, "MB", "rss_idle_mb", rss_idle, goal="< 300 MB",
               repetitions=2, ratio=peak / rss_idle if rss_idle else None)
        client.drop_database(db.name)
    finally:
        stop(service)
        stop(sink)
        client.close()
        stop(store)
        vhost.delete()
