"""Outgoing channels: email over SMTP and SMS through an HTTP gateway.

Each ``send_batch`` sends one chunk of the send queue over one connection and
reports, per item, ``None`` (sent) or ``(reason, permanent)``.
"""
import email.policy
import os
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate

import requests
from jinja2 import Environment, StrictUndefined

from services.notifications.domain import SmsTooLong, sms_parts

DEFAULT_SMS_PAYLOAD = '{"to": {{ to | tojson }}, "text": {{ text | tojson }}}'


class EmailChannel:
    name = "email"

    def __init__(self, config):
        self.host = config.get("SMTP_HOST") or ""
        self.port = int(config.get("SMTP_PORT") or 25)
        self.tls = str(config.get("SMTP_TLS") or "none").lower()
        self.user = config.get("SMTP_USER") or ""
        self.password = config.get("SMTP_PASSWORD") or os.environ.get("SMTP_PASSWORD", "")
        self.sender = config.get("SMTP_FROM") or "noreply@localhost"
        self.timeout = float(config.get("SMTP_TIMEOUT") or 30)
        self.domain = self.sender.rpartition("@")[2] or "localhost"
        self._bodies = {}

    @property
    def enabled(self):
        return bool(self.host)

    def _connect(self):
        if self.tls == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if self.user:
            conn.login(self.user, self.password)
        return conn

    def body(self, key, rendered):
        """The MIME body shared by every recipient of the same rendering.

        Built once; each recipient only gets its own To/Message-ID/Date lines.
        """
        cached = self._bodies.get(key)
        if cached is None:
            message = EmailMessage(policy=email.policy.SMTP)
            message["Subject"] = rendered["email_subject"]
            message["From"] = self.sender
            message.set_content(rendered["email_text"], cte="base64")
            message.add_alternative(rendered["email_html"], subtype="html", cte="base64")
            cached = message.as_bytes()
            if len(self._bodies) > 256:
                self._bodies.clear()
            self._bodies[key] = cached
        return cached

    def message_bytes(self, address, body):
        head = (f"To: {address}\r\nMessage-ID: <{uuid.uuid4().hex}@{self.domain}>\r\n"
                f"Date: {formatdate(localtime=False, usegmt=True)}\r\n")
        return head.encode("ascii", "replace") + body

    def send_batch(self, items, limiter, heartbeat=lambda: True):
        """``items``: (address, body_key, rendered). One SMTP session for all.

        ``heartbeat()`` keeps the chunk's lease; False means another instance
        took the chunk over, so stop rather than send its messages twice.
        """
        results = [None] * len(items)
        try:
            conn = self._connect()
        except (OSError, smtplib.SMTPException) as err:
            return [(f"SMTP 连接失败 / connect failed: {err}", False)] * len(items)
        try:
            for index, (address, key, rendered) in enumerate(items):
                limiter.acquire()
                if not heartbeat():
                    return results
                try:
                    conn.sendmail(self.sender, [address], self.message_bytes(address, self.body(key, rendered)))
                except smtplib.SMTPRecipientsRefused as err:
                    code, text = next(iter(err.recipients.values()))
                    results[index] = (f"SMTP {code} {text.decode('utf-8', 'replace')}", False)
                except smtplib.SMTPResponseException as err:
                    results[index] = (f"SMTP {err.smtp_code} {err.smtp_error.decode('utf-8', 'replace')}", False)
                except (smtplib.SMTPServerDisconnected, OSError) as err:
                    # The session is gone: everything not yet sent goes back for a retry.
                    for rest in range(index, len(items)):
                        results[rest] = (f"SMTP 连接中断 / connection lost: {err}", False)
                    return results
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
        return results


class SmsChannel:
    name = "sms"

    def __init__(self, config):
        self.url = config.get("SMS_GATEWAY_URL") or ""
        self.max_length = int(config.get("SMS_MAX_LENGTH") or 70)
        self.long_rule = str(config.get("SMS_LONG_RULE") or "split")
        self.content_type = config.get("SMS_CONTENT_TYPE") or "application/json"
        self.timeout = float(config.get("SMS_TIMEOUT") or 10)
        source = config.get("SMS_PAYLOAD_TEMPLATE") or DEFAULT_SMS_PAYLOAD
        if "{{" not in source and os.path.exists(source):
            with open(source, encoding="utf-8") as handle:
                source = handle.read()
        self.payload = Environment(undefined=StrictUndefined, autoescape=False).from_string(source)

    @property
    def enabled(self):
        return bool(self.url)

    def send_batch(self, items, limiter, heartbeat=lambda: True):
        """``items``: (phone, key, rendered). One HTTP session for all (see EmailChannel)."""
        results = [None] * len(items)
        with requests.Session() as session:
            for index, (phone, _key, rendered) in enumerate(items):
                try:
                    parts = sms_parts(rendered["sms"], self.max_length, self.long_rule)
                except SmsTooLong as err:
                    results[index] = (str(err), True)
                    continue
                for number, text in enumerate(parts, 1):
                    limiter.acquire()
                    if not heartbeat():
                        return results
                    body = self.payload.render(to=phone, text=text, part=number, parts=len(parts))
                    try:
                        response = session.post(self.url, data=body.encode("utf-8"), timeout=self.timeout,
                                                headers={"Content-Type": self.content_type})
                    except requests.RequestException as err:
                        results[index] = (f"短信网关不可达 / gateway unreachable: {err}", False)
                        break
                    if response.status_code >= 300:
                        results[index] = (f"短信网关 HTTP {response.status_code}: {response.text[:200]}", False)
                        break
        return results

