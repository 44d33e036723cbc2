"""GB/T 4754-2017 industry sections and enterprise size classes."""

import string

import pytest

from shared.standards import (
    ENTERPRISE_SIZES,
    INDUSTRY_SECTIONS,
    enterprise_size_from_name,
    enterprise_size_name,
    industry_name,
    is_enterprise_size,
    is_industry_section,
    section_of,
)


def test_sections_are_a_to_t_in_order():
    assert list(INDUSTRY_SECTIONS) == list(string.ascii_uppercase[:20])


def test_official_names_at_the_ends():
    assert industry_name("A") == "农、林、牧、渔业"
    assert industry_name("C") == "制造业"
    assert industry_name("T") == "国际组织"
    assert industry_name("T", "en") == "International Organisations"


def test_division_ranges_tile_01_to_97():
    expected_first = 1
    for s in INDUSTRY_SECTIONS.values():
        first, last = s.divisions
        assert first == expected_first and last >= first, s.code
        expected_first = last + 1
    assert expected_first == 98


@pytest.mark.parametrize("code", list("ABCDEFGHIJKLMNOPQRST"))
def test_every_section_is_valid_and_named(code):
    assert is_industry_section(code)
    assert industry_name(code, "zh") and industry_name(code, "en").isascii()


@pytest.mark.parametrize("code", ["U", "Z", "a", "", "AB", None, 1])
def test_invalid_sections(code):
    assert not is_industry_section(code)


def test_industry_name_errors():
    with pytest.raises(KeyError):
        industry_name("U")
    with pytest.raises(ValueError):
        industry_name("A", "de")


@pytest.mark.parametrize(
    "code, section",
    [
        ("01", "A"),
        ("0511", "A"),
        ("C3011", "C"),
        ("3011", "C"),
        ("43", "C"),
        ("44", "D"),
        ("I6513", "I"),
        ("70", "K"),
        ("79", "N"),
        ("97", "T"),
        ("A3011", None),  # letter disagrees with digits
        ("00", None),
        ("98", None),
        ("3", None),
        ("30111", None),
        ("C30x1", None),
        ("", None),
        (None, None),
    ],
)
def test_section_of(code, section):
    assert section_of(code) == section


def test_sizes_table():
    assert list(ENTERPRISE_SIZES) == ["large", "medium", "small", "micro"]
    assert [enterprise_size_name(c) for c in ENTERPRISE_SIZES] == [
        "大型",
        "中型",
        "小型",
        "微型",
    ]
    assert enterprise_size_name("micro", "en") == "Micro"


@pytest.mark.parametrize("code", ["large", "medium", "small", "micro"])
def test_valid_sizes(code):
    assert is_enterprise_size(code)


@pytest.mark.parametrize("code", ["Large", "huge", "大型", "", None])
def test_invalid_sizes(code):
    assert not is_enterprise_size(code)


@pytest.mark.parametrize(
    "name, code",
    [
        ("大型", "large"),
        ("中型企业", "medium"),
        (" 小型 ", "small"),
        ("微型", "micro"),
        ("巨型", None),
    ],
)
def test_size_from_chinese_name(name, code):
    assert enterprise_size_from_name(name) == code
