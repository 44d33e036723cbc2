"""Notification rules: templates, audiences, preferences, SMS length, retries, rate limits.

Pure functions and small value classes; no Mongo, no network.
"""
import collections
import html
import re
import sys
import time
import uuid

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from shared.audience import enterprise_query, matches
from shared.errors import NotFound, ValidationFailed
from shared.standards import prefecture_of

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")
# Tibetan is used only for notices whose organiser supplied Tibetan text.
NOTICE_LOCALES = ("zh-CN", "en", "bo")

CHANNELS = ("inbox", "email", "sms")
# What a template renders: the inbox entry, the three parts of an email, an SMS.
PARTS = ("inbox", "email_subject", "email_text", "email_html", "sms")
PART_CHANNEL = {"inbox": "inbox", "email_subject": "email", "email_text": "email",
                "email_html": "email", "sms": "sms"}

# Event types rendered into messages, and the preference category of each.
EVENT_CATEGORY = {
    "enterprise_registered": "account",
    "notice_published": "notice",
    "qc_grades_published": "qc",
}
CATEGORIES = ("account", "notice", "qc")
# Opt-in/out defaults per category and channel; the inbox is always on.
DEFAULT_PREFERENCES = {
    "account": {"email": True, "sms": False},
    "notice": {"email": False, "sms": False},
    "qc": {"email": True, "sms": False},
}

# Samples every template (file or override) must render against.
SAMPLE_PAYLOADS = {
    "enterprise_registered": {
        "enterprise_id": "e-sample", "user_id": "u-sample", "name": "青海示例制造有限公司",
        "uscc": "91630100MA7XQ0NN3J", "division_code": "630100", "industry_code": "C", "size": "medium",
        "group_company": None, "contact_email": "qa@example.cn",
    },
    "notice_published": {
        "notice_id": "n-sample", "year": 2026, "doc_number": "青质〔2026〕1号",
        "title": "关于开展2026年“质量月”活动的通知",
        "body_html": "<p>各市州市场监督管理局：</p><p>现将有关事项通知如下。</p>",
        "required_read": True, "published_at": "2026-09-01T08:00:00+08:00", "campaign_id": None,
    },
    "qc_grades_published": {
        "conference_id": "c-sample", "conference_name": "2026年青海省QC小组成果发表会", "year": 2026,
        "result_id": "r-sample", "enterprise_id": "e-sample", "group_name": "攻关QC小组",
        "title": "降低盐湖提锂能耗", "score": 91.5, "rank": 3, "grade": "一等奖",
    },
}


# -- templates -----------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|tr)>|<br\s*/?>", re.IGNORECASE)


def html_to_text(value):
    """Plain text from the organiser's (already sanitised) notice HTML."""
    text = _BLOCK_END.sub("\n", str(value))
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _environment(template_dir, autoescape):
    env = Environment(loader=FileSystemLoader(template_dir), undefined=StrictUndefined,
                      autoescape=autoescape, keep_trailing_newline=False)
    env.filters["text"] = html_to_text
    return env


class Templates:
    """Template files plus organiser overrides; HTML parts autoescape."""

    def __init__(self, template_dir):
        self.text_env = _environment(template_dir, autoescape=False)
        self.html_env = _environment(template_dir, autoescape=True)

    def env_for(self, part):
        return self.html_env if part == "email_html" else self.text_env

    @staticmethod
    def name(event_type, part, locale):
        return f"{event_type}.{part}.{locale}.j2"

    def template(self, event_type, part, locale, overrides=None):
        key = template_key(event_type, part, locale)
        env = self.env_for(part)
        if overrides and key in overrides:
            return env.from_string(overrides[key])
        return env.get_template(self.name(event_type, part, locale))

    def has_file(self, event_type, part, locale):
        try:
            self.env_for(part).get_template(self.name(event_type, part, locale))
            return True
        except TemplateNotFound:
            return False

    def render(self, event_type, part, locale, context, overrides=None):
        return self.template(event_type, part, locale, overrides).render(**context).strip()

    def check_override(self, event_type, part, locale, source):
        """Render ``source`` against the sample payload; refuse naming the line."""
        env = self.env_for(part)
        context = render_context(event_type, SAMPLE_PAYLOADS[event_type], locale)
        try:
            env.from_string(source).render(**context)
        except TemplateSyntaxError as err:
            raise _template_refused(err.lineno, err.message)
        except TemplateError as err:
            raise _template_refused(_template_line(sys.exc_info()[2]), str(err))
        except Exception as err:  # a filter raising on the sample is a broken template too
            raise _template_refused(_template_line(sys.exc_info()[2]), f"{type(err).__name__}: {err}")


def _template_line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _template_refused(line, message):
    where = f"第 {line} 行 / line {line}: " if line else ""
    return ValidationFailed("模板无法渲染 / the template does not render",
                            fields={"source": [f"{where}{message}"], "line": [str(line or "")]})


def template_key(event_type, part, locale):
    return f"{event_type}.{part}.{locale}"


def parse_template_key(key):
    event_type, part, locale = key.split(".", 2)
    return event_type, part, locale


def notice_locale(notice, locale):
    """The locale a notice is shown in: Tibetan only when the notice has it."""
    if locale in notice["title"]:
        return locale
    return locale if locale in LOCALES else DEFAULT_LOCALE


def render_context(event_type, payload, locale):
    """The variables a template sees; notices get their text in ``locale``."""
    if event_type != "notice_published":
        return dict(payload)

    def pick(texts):
        if isinstance(texts, str):
            return texts
        return texts.get(locale) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()))

    return {**payload, "title": pick(payload["title"]), "body_html": pick(payload["body_html"])}


def split_inbox(text):
    """First line is the title, the rest the body."""
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


# -- inbox ---------------------------------------------------------------------

def new_message(recipient_user_id, category, titles, bodies, source_event_id, now,
                event_type=None, context=None, enterprise_id=None):
    """A direct inbox message; ``titles``/``bodies`` are keyed by locale."""
    return {
        "_id": uuid.uuid4().hex,
        "recipient_user_id": recipient_user_id,
        "enterprise_id": enterprise_id,
        "category": category,
        "event_type": event_type,
        "context": context,
        "title": titles,
        "body": bodies,
        "source_event_id": source_event_id,
        "created_at": now,
        "read_at": None,
        "required_read": False,
    }


def pick_text(texts, locale):
    return texts.get(locale) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()), "")


def localise(message, locale):
    return {**message, "title": pick_text(message["title"], locale), "body": pick_text(message["body"], locale)}


def check_owner(message, identity):
    mine = message is not None and (
        message["recipient_user_id"] == identity.user_id
        or (message["recipient_user_id"] is None and message.get("enterprise_id")
            and message["enterprise_id"] == identity.enterprise_id))
    if not mine:
        # Someone else's message is indistinguishable from a missing one.
        raise NotFound("消息不存在 / message not found")


def inbox_order(item):
    """Required reading first, then newest."""
    return (0 if item.get("required_read") else 1, -item["created_at"].timestamp(), item["_id"])


# -- audience ------------------------------------------------------------------

def target_roles(audience):
    """Recipients are enterprise users unless the audience names roles."""
    return list(audience.get("roles") or ["enterprise"])


def in_audience(audience, recipient):
    if recipient.get("enterprise_id") and recipient["enterprise_id"] in set(audience.get("enterprise_ids") or ()):
        return True
    return recipient.get("role") in target_roles(audience) and matches(audience, recipient)


def _rename_division(node):
    # A prefecture in the audience covers its counties: recipients carry
    # ``division_scope`` = [own division, its prefecture].
    if isinstance(node, dict):
        return {("division_scope" if key == "division_code" else key): _rename_division(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_division(value) for value in node]
    return node


def recipients_filter(audience):
    """A Mongo filter on the recipients projection that agrees with ``in_audience``.

    Non-enterprise roles carry no enterprise attributes, so for them the
    filter selects by role only and callers confirm with ``in_audience``.
    """
    clauses = [{"role": "enterprise", **_rename_division(enterprise_query(audience, id_field="enterprise_id"))}]
    others = [role for role in target_roles(audience) if role != "enterprise"]
    if others:
        clauses.append({"role": {"$in": others}})
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def needs_confirmation(audience):
    return any(role != "enterprise" for role in target_roles(audience))


def _scope(division):
    return list(dict.fromkeys(code for code in (division, prefecture_of(division or "")) if code))


def recipient_from_event(event_type, payload, locale=DEFAULT_LOCALE):
    if event_type == "enterprise_registered":
        division = payload["division_code"]
        return {
            "_id": payload["user_id"], "role": "enterprise", "enterprise_id": payload["enterprise_id"],
            "name": payload["name"], "division_code": division,
            "division_scope": _scope(division),
            "industry_code": payload["industry_code"], "size": payload.get("size"),
            "email": payload["contact_email"], "locale": locale,
        }
    division = payload.get("division_code")
    return {
        "_id": payload["user_id"], "role": "judge", "enterprise_id": None, "judge_id": payload["judge_id"],
        "name": payload["name"], "division_code": division,
        "division_scope": _scope(division),
        "industry_code": None, "size": None, "email": payload["email"], "locale": locale,
    }


# -- preferences ---------------------------------------------------------------

def effective_preferences(stored):
    stored = stored or {}
    settings = {category: dict(channels) for category, channels in DEFAULT_PREFERENCES.items()}
    for category, channels in (stored.get("settings") or {}).items():
        settings.setdefault(category, {}).update(channels)
    return {"settings": settings, "phone": stored.get("phone"), "locale": stored.get("locale") or DEFAULT_LOCALE}


def wants(preferences, category, channel, critical=False):
    """Critical (required-read) messages bypass opt-out."""
    if critical:
        return True
    return bool(effective_preferences(preferences)["settings"].get(category, {}).get(channel, False))


# -- SMS -----------------------------------------------------------------------

class SmsTooLong(Exception):
    pass


def sms_parts(text, limit, rule):
    """Split a long SMS into numbered parts, or refuse it, by rule."""
    if len(text) <= limit:
        return [text]
    if rule != "split":
        raise SmsTooLong(f"短信超过 {limit} 字 / SMS longer than {limit} characters ({len(text)})")
    # Leave room for the "(i/n)" prefix; n has at most 2 digits in practice.
    width = limit - 7
    if width <= 0:
        raise SmsTooLong(f"短信长度上限过小 / SMS limit {limit} too small to split")
    chunks = [text[i:i + width] for i in range(0, len(text), width)]
    if len(chunks) > 9:
        raise SmsTooLong(f"短信过长，超过 9 条 / SMS would need {len(chunks)} parts")
    return [f"({n}/{len(chunks)}){chunk}" for n, chunk in enumerate(chunks, 1)]


# -- retries and rate limits ---------------------------------------------------

def backoff_seconds(attempt, base, cap=3600.0):
    """Delay before retry number ``attempt`` (1, 2, ...): base, 2·base, 4·base ..."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


class SlidingWindowLimiter:
    """At most ``limit`` events in any ``window`` seconds; 0 means unlimited."""

    def __init__(self, limit, window=1.0, clock=time.monotonic, sleep=time.sleep):
        self.limit = int(limit or 0)
        self.window = float(window)
        self.clock = clock
        self.sleep = sleep
        self.events = collections.deque()

    def acquire(self):
        if self.limit <= 0:
            return
        while True:
            now = self.clock()
            while self.events and self.events[0] <= now - self.window:
                self.events.popleft()
            if len(self.events) < self.limit:
                self.events.append(now)
                return
            self.sleep(self.events[0] + self.window - now)
