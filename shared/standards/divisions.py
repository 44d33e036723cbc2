"""Qinghai's administrative divisions, GB/T 2260 (province and prefecture level).

Organisers filter notices and statistics by these codes. County-level codes (e.g. 630102,
城东区) are not listed; ``prefecture_of`` rolls them up to their prefecture instead, which is
what a USCC's division part usually holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ._locale import pick

PROVINCE_CODE = "630000"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    name_en: str
    level: str  # "province" or "prefecture"


_ROWS = (
    ("630000", "青海省", "Qinghai Province", "province"),
    ("630100", "西宁市", "Xining", "prefecture"),
    ("630200", "海东市", "Haidong", "prefecture"),
    ("632200", "海北藏族自治州", "Haibei Tibetan Autonomous Prefecture", "prefecture"),
    (
        "632300",
        "黄南藏族自治州",
        "Huangnan Tibetan Autonomous Prefecture",
        "prefecture",
    ),
    ("632500", "海南藏族自治州", "Hainan Tibetan Autonomous Prefecture", "prefecture"),
    ("632600", "果洛藏族自治州", "Golog Tibetan Autonomous Prefecture", "prefecture"),
    ("632700", "玉树藏族自治州", "Yushu Tibetan Autonomous Prefecture", "prefecture"),
    (
        "632800",
        "海西蒙古族藏族自治州",
        "Haixi Mongol and Tibetan Autonomous Prefecture",
        "prefecture",
    ),
)

# Province first, then prefectures in code order: the order pickers and reports show.
DIVISIONS: MappingProxyType[str, Division] = MappingProxyType(
    {code: Division(code, name, name_en, level) for code, name, name_en, level in _ROWS}
)
PREFECTURE_CODES: tuple[str, ...] = tuple(
    code for code, d in DIVISIONS.items() if d.level == "prefecture"
)


def is_qinghai_division(code: str) -> bool:
    """True for the province code or one of the eight prefecture codes."""
    return isinstance(code, str) and code in DIVISIONS


def division_name(code: str, locale: str = "zh") -> str:
    """Name of a known division; raises KeyError for an unknown code."""
    d = DIVISIONS[code]
    return pick(d.name, d.name_en, locale)


def prefecture_of(code: str) -> str | None:
    """Prefecture code for a 6-digit Qinghai prefecture- or county-level code, else None.

    ``630102`` -> ``630100``; ``630100`` -> ``630100``; the province ``630000``, codes from
    other provinces and retired prefectures (such as 632100, old 海东地区) give None.
    """
    if not (
        isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()
    ):
        return None
    candidate = code[:4] + "00"
    return candidate if candidate in PREFECTURE_CODES else None
