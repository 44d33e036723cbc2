"""Locales, message catalogues and the jinja2 environments of the portal.

Message ids are English; ``translations/<locale>/LC_MESSAGES/messages.po`` hold the
catalogues (``make messages`` extracts and updates them). The ``.po`` files are compiled in
memory when the gateway starts, so there is no build step and no ``.mo`` file to forget.
"""
import io
import os
from functools import cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined

GATEWAY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE_DIR = os.path.join(GATEWAY_DIR, "templates")
TRANSLATIONS_DIR = os.path.join(GATEWAY_DIR, "translations")

# Portal locale → (catalogue directory, the locale the services' messages use).
LOCALES = {"zh-CN": "zh_CN", "en": "en"}
DEFAULT_LOCALE = "zh-CN"


def N_(message):
    """Mark a string for extraction; it is translated where it is shown (``_(...)``)."""
    return message


def normalise_locale(value):
    """A supported locale for ``value`` (``en``, ``en-US``, ``zh``, ``zh-CN``...), else None."""
    if not value:
        return None
    value = value.strip().replace("_", "-")
    if value in LOCALES:
        return value
    base = value.split("-")[0].lower()
    return {"zh": "zh-CN", "en": "en"}.get(base)


@cache
def translations(locale):
    path = os.path.join(TRANSLATIONS_DIR, LOCALES[locale], "LC_MESSAGES", "messages.po")
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=LOCALES[locale])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def bilingual(text, locale):
    """Pick one side of a service's "中文 / English" message for the page's locale."""
    if not isinstance(text, str) or " / " not in text:
        return text
    chinese, _, english = text.partition(" / ")
    return english.strip() if locale == "en" else chinese.strip()


@cache
def environment(locale):
    """One jinja2 environment per locale, with that locale's gettext installed."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)
    env.globals["locale"] = locale
    # For messages from services: a catalogue entry if there is one (plain gettext, so the
    # text is still autoescaped, unlike ``_()`` in a template), else the locale's half.
    env.filters["bilingual"] = lambda text: bilingual(translations(locale).gettext(text), locale)
    return env
