"""Test support for the notifications service: an SMTP server process, an SMS receiver, event builders."""
import email
import email.policy
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.accounts.events import ENTERPRISE_REGISTERED
from services.notifications import domain
from services.notifications.schemas import NoticePublishedPayload, QcGradesPublishedPayload
from shared.events import EventType, make_event
from tests.helpers import free_port, publish_raw, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTICE_PUBLISHED = EventType("notice_published", 1, NoticePublishedPayload())
QC_GRADES_PUBLISHED = EventType("qc_grades_published", 1, QcGradesPublishedPayload())


class SmtpSink:
    """``deploy.smtp_sink`` in its own process, writing each message to a directory."""

    def __init__(self, directory):
        self.directory = str(directory)
        self.port = free_port()
        os.makedirs(self.directory, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deploy.smtp_sink", "--port", str(self.port), "--out", self.directory],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def messages(self):
        out = []
        for name in sorted(os.listdir(self.directory)):
            if name.endswith(".json"):
                with open(os.path.join(self.directory, name), encoding="utf-8") as handle:
                    record = json.load(handle)
                record["message"] = email.message_from_string(record["data"], policy=email.policy.default)
                out.append(record)
        return out

    def reject(self, *addresses):
        with open(os.path.join(self.directory, "reject"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(addresses))

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class SmsReceiver:
    """A local HTTP endpoint standing in for the SMS gateway."""

    def __init__(self):
        self.requests = []
        self.fail_with = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                status = receiver.fail_with or 200
                if status == 200:
                    parsed = json.loads(body) if "json" in (self.headers.get("Content-Type") or "") else None
                    receiver.requests.append({"at": time.monotonic(), "body": parsed, "raw": body,
                                              "content_type": self.headers.get("Content-Type")})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def enterprise(n, division="630100", industry="C", size="medium", email_address=None):
    return domain.recipient_from_event("enterprise_registered", {
        "user_id": f"u{n}", "enterprise_id": f"e{n}", "name": f"青海测试企业{n}有限公司",
        "division_code": division, "industry_code": industry, "size": size,
        "contact_email": email_address or f"contact{n}@example.cn"})


def notice_payload(notice_id="n1", audience=None, required_read=False, title=None, body_html=None):
    return {
        "notice_id": notice_id, "year": 2026, "doc_number": "青质〔2026〕8号",
        "title": title or {"zh-CN": "关于开展2026年“质量月”活动的通知", "en": "Quality Month 2026"},
        "body_html": body_html or {"zh-CN": "<p>各市州：请按要求组织开展质量月活动。</p>",
                                   "en": "<p>To every prefecture: please organise Quality Month.</p>"},
        "audience": audience or {"everyone": True}, "required_read": required_read,
        "published_at": "2026-09-01T08:00:00+08:00", "campaign_id": None,
    }


def publish_notice(amqp_uri, payload, times=1):
    envelope = make_event(NOTICE_PUBLISHED, "campaigns", payload)
    for _ in range(times):
        publish_raw(amqp_uri, "campaigns.events", "notice_published", envelope)
    return envelope


def publish_grades(amqp_uri, results, times=1):
    envelope = make_event(QC_GRADES_PUBLISHED, "qc", {
        "conference_id": "c1", "conference_name": "2026年青海省QC小组成果发表会", "year": 2026,
        "results": results})
    for _ in range(times):
        publish_raw(amqp_uri, "qc.events", "qc_grades_published", envelope)
    return envelope


def register_enterprise(amqp_uri, recipient):
    envelope = make_event(ENTERPRISE_REGISTERED, "accounts", {
        "enterprise_id": recipient["enterprise_id"], "user_id": recipient["_id"], "name": recipient["name"],
        "uscc": "91630100MA7XQ0NN3J", "division_code": recipient["division_code"],
        "industry_code": recipient["industry_code"], "size": recipient["size"], "group_company": None,
        "contact_email": recipient["email"]})
    publish_raw(amqp_uri, "accounts.events", "enterprise_registered", envelope)
    return envelope


def wait_sent(db, source_id, count, timeout=15):
    def done():
        chunks = list(db.send_chunks.find({"source_id": source_id}, {"entries": 0}))
        return (sum(c["sent_count"] for c in chunks) >= count
                and all(c["status"] == "done" for c in chunks)) and chunks

    return wait_until(done, timeout=timeout, message=f"{count} sent for {source_id}")
