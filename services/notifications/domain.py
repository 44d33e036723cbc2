"""Notification rules: rendering templates into messages, inbox visibility."""
import uuid

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.errors import NotFound

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")


def make_environment(template_dir):
    return Environment(
        loader=FileSystemLoader(template_dir),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        keep_trailing_newline=False,
    )


def render_inbox_message(env, event_type, payload, locale=DEFAULT_LOCALE):
    """Render ``<event_type>.inbox.<locale>.j2``: first line title, rest body."""
    template = env.get_template(f"{event_type}.inbox.{locale}.j2")
    text = template.render(**payload).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def new_message(recipient_user_id, category, titles, bodies, source_event_id, now):
    """An inbox message; ``titles``/``bodies`` are keyed by locale."""
    return {
        "_id": uuid.uuid4().hex,
        "recipient_user_id": recipient_user_id,
        "category": category,
        "title": titles,
        "body": bodies,
        "source_event_id": source_event_id,
        "created_at": now,
        "read_at": None,
    }


def localise(message, locale):
    def pick(texts):
        return texts.get(locale) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()), "")

    return {**message, "title": pick(message["title"]), "body": pick(message["body"])}


def check_owner(message, identity):
    if message is None or message["recipient_user_id"] != identity.user_id:
        # Someone else's message is indistinguishable from a missing one.
        raise NotFound("消息不存在 / message not found")
