"""National economic industry classification, GB/T 4754-2017: the 20 sections A-T.

Each section also lists the two-digit divisions (大类) it spans, so a detailed industry code
such as ``C3011`` or ``3011`` can be rolled up to its section.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ._locale import pick


@dataclass(frozen=True)
class IndustrySection:
    code: str
    name: str
    name_en: str
    divisions: tuple[int, int]  # first and last two-digit division, inclusive


_ROWS = (
    (
        "A",
        "农、林、牧、渔业",
        "Agriculture, Forestry, Animal Husbandry and Fishery",
        (1, 5),
    ),
    ("B", "采矿业", "Mining", (6, 12)),
    ("C", "制造业", "Manufacturing", (13, 43)),
    (
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Production and Supply of Electricity, Heat, Gas and Water",
        (44, 46),
    ),
    ("E", "建筑业", "Construction", (47, 50)),
    ("F", "批发和零售业", "Wholesale and Retail Trade", (51, 52)),
    ("G", "交通运输、仓储和邮政业", "Transport, Storage and Postal Services", (53, 60)),
    ("H", "住宿和餐饮业", "Accommodation and Catering", (61, 62)),
    (
        "I",
        "信息传输、软件和信息技术服务业",
        "Information Transmission, Software and Information Technology Services",
        (63, 65),
    ),
    ("J", "金融业", "Finance", (66, 69)),
    ("K", "房地产业", "Real Estate", (70, 70)),
    ("L", "租赁和商务服务业", "Leasing and Business Services", (71, 72)),
    (
        "M",
        "科学研究和技术服务业",
        "Scientific Research and Technical Services",
        (73, 75),
    ),
    (
        "N",
        "水利、环境和公共设施管理业",
        "Water Conservancy, Environment and Public Facilities Management",
        (76, 79),
    ),
    (
        "O",
        "居民服务、修理和其他服务业",
        "Resident Services, Repair and Other Services",
        (80, 82),
    ),
    ("P", "教育", "Education", (83, 83)),
    ("Q", "卫生和社会工作", "Health and Social Work", (84, 85)),
    ("R", "文化、体育和娱乐业", "Culture, Sports and Entertainment", (86, 90)),
    (
        "S",
        "公共管理、社会保障和社会组织",
        "Public Administration, Social Security and Social Organisations",
        (91, 96),
    ),
    ("T", "国际组织", "International Organisations", (97, 97)),
)

INDUSTRY_SECTIONS: MappingProxyType[str, IndustrySection] = MappingProxyType(
    {
        code: IndustrySection(code, name, name_en, span)
        for code, name, name_en, span in _ROWS
    }
)


def is_industry_section(code: str) -> bool:
    """True for one of the section letters A-T (upper case only)."""
    return isinstance(code, str) and code in INDUSTRY_SECTIONS


def industry_name(code: str, locale: str = "zh") -> str:
    """Name of a section; raises KeyError for an unknown code."""
    s = INDUSTRY_SECTIONS[code]
    return pick(s.name, s.name_en, locale)


def section_of(industry_code: str) -> str | None:
    """Section letter for a detailed code (``C3011``, ``3011``, ``30``), or None.

    A leading letter must agree with the digits; a mismatch such as ``A3011`` gives None.
    """
    if not isinstance(industry_code, str):
        return None
    letter, digits = "", industry_code
    if digits[:1].isalpha():
        letter, digits = digits[0], digits[1:]
    if not (2 <= len(digits) <= 4 and digits.isascii() and digits.isdigit()):
        return None
    division = int(digits[:2])
    for s in INDUSTRY_SECTIONS.values():
        first, last = s.divisions
        if first <= division <= last:
            return s.code if letter in ("", s.code) else None
    return None
