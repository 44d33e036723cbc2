"""Standards as data, each with its validator: USCC, GB/T 2260, GB/T 4754, enterprise sizes."""

from .divisions import (
    DIVISIONS,
    PREFECTURE_CODES,
    PROVINCE_CODE,
    Division,
    division_name,
    is_qinghai_division,
    prefecture_of,
)
from .industries import (
    INDUSTRY_SECTIONS,
    IndustrySection,
    industry_name,
    is_industry_section,
    section_of,
)
from .sizes import (
    ENTERPRISE_SIZES,
    EnterpriseSize,
    enterprise_size_from_name,
    enterprise_size_name,
    is_enterprise_size,
)
from .uscc import (
    is_valid_uscc,
    make_uscc,
    normalise_uscc,
    uscc_check_char,
    uscc_division,
    validate_uscc,
)

__all__ = [
    "DIVISIONS",
    "ENTERPRISE_SIZES",
    "INDUSTRY_SECTIONS",
    "PREFECTURE_CODES",
    "PROVINCE_CODE",
    "Division",
    "EnterpriseSize",
    "IndustrySection",
    "division_name",
    "enterprise_size_from_name",
    "enterprise_size_name",
    "industry_name",
    "is_enterprise_size",
    "is_industry_section",
    "is_qinghai_division",
    "is_valid_uscc",
    "make_uscc",
    "normalise_uscc",
    "prefecture_of",
    "section_of",
    "uscc_check_char",
    "uscc_division",
    "validate_uscc",
]
