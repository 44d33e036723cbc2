"""Locale selection shared by the bilingual tables in this package."""

from __future__ import annotations

LOCALES = ("zh", "en")


def pick(name: str, name_en: str, locale: str) -> str:
    """Return ``name`` for a Chinese locale and ``name_en`` for an English one.

    Accepts tags such as ``zh``, ``zh-CN``, ``zh_Hans`` or ``en-GB``; anything else is a
    programming error, so it raises rather than silently falling back.
    """
    tag = (locale or "").replace("_", "-").split("-", 1)[0].lower()
    if tag == "zh":
        return name
    if tag == "en":
        return name_en
    raise ValueError(f"unsupported locale {locale!r}; use one of {LOCALES}")
