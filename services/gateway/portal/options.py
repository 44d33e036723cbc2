"""Choices for selects, from the standards the services validate against."""
from shared.standards import (
    DIVISIONS,
    ENTERPRISE_SIZES,
    INDUSTRY_SECTIONS,
    division_name,
    enterprise_size_name,
    industry_name,
)


def _standard_locale(locale):
    return "en" if locale == "en" else "zh"


def choices(locale):
    lang = _standard_locale(locale)
    return {
        "divisions": [(code, division_name(code, lang)) for code in DIVISIONS],
        "industries": [(code, f"{code} {industry_name(code, lang)}") for code in INDUSTRY_SECTIONS],
        "sizes": [(code, enterprise_size_name(code, lang)) for code in ENTERPRISE_SIZES],
    }


def labels(locale):
    """code → name lookups for showing stored codes."""
    return {key: dict(pairs) for key, pairs in choices(locale).items()}
