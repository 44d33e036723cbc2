"""Enterprise size classes (企业规模), as used in statistics and audience filters.

The thresholds that decide a class (国统字〔2017〕213号) depend on industry and are not
encoded here: enterprises declare their class, organisers filter by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ._locale import pick


@dataclass(frozen=True)
class EnterpriseSize:
    code: str
    name: str
    name_en: str


_ROWS = (
    ("large", "大型", "Large"),
    ("medium", "中型", "Medium"),
    ("small", "小型", "Small"),
    ("micro", "微型", "Micro"),
)

# Largest first, the order statistics tables use.
ENTERPRISE_SIZES: MappingProxyType[str, EnterpriseSize] = MappingProxyType(
    {code: EnterpriseSize(code, name, name_en) for code, name, name_en in _ROWS}
)
_BY_NAME = {s.name: s.code for s in ENTERPRISE_SIZES.values()}


def is_enterprise_size(code: str) -> bool:
    """True for large, medium, small or micro."""
    return isinstance(code, str) and code in ENTERPRISE_SIZES


def enterprise_size_name(code: str, locale: str = "zh") -> str:
    """Name of a size class; raises KeyError for an unknown code."""
    s = ENTERPRISE_SIZES[code]
    return pick(s.name, s.name_en, locale)


def enterprise_size_from_name(name: str) -> str | None:
    """Code for a Chinese name, accepting both 大型 and 大型企业; None when unknown."""
    if not isinstance(name, str):
        return None
    name = name.strip().removesuffix("企业")
    return _BY_NAME.get(name)
