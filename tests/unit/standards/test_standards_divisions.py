"""Qinghai divisions (GB/T 2260)."""

import pytest

from shared.standards import (
    DIVISIONS,
    PREFECTURE_CODES,
    PROVINCE_CODE,
    division_name,
    is_qinghai_division,
    prefecture_of,
)

EXPECTED = {
    "630100": "西宁市",
    "630200": "海东市",
    "632200": "海北藏族自治州",
    "632300": "黄南藏族自治州",
    "632500": "海南藏族自治州",
    "632600": "果洛藏族自治州",
    "632700": "玉树藏族自治州",
    "632800": "海西蒙古族藏族自治州",
}


def test_table_matches_domain_reference():
    assert PREFECTURE_CODES == tuple(EXPECTED)
    assert {c: DIVISIONS[c].name for c in PREFECTURE_CODES} == EXPECTED
    assert next(iter(DIVISIONS)) == PROVINCE_CODE == "630000"
    assert DIVISIONS[PROVINCE_CODE].name == "青海省"


def test_every_division_has_an_english_name_and_consistent_key():
    for code, d in DIVISIONS.items():
        assert d.code == code and d.name_en and d.name_en.isascii()


def test_table_is_read_only():
    with pytest.raises(TypeError):
        DIVISIONS["630300"] = DIVISIONS["630100"]


@pytest.mark.parametrize("code", ["630000", *EXPECTED])
def test_known_codes(code):
    assert is_qinghai_division(code)


@pytest.mark.parametrize(
    "code", ["630102", "632100", "620100", "63010", "", None, 630100]
)
def test_unknown_codes(code):
    assert not is_qinghai_division(code)


def test_names_by_locale():
    assert division_name("632600") == "果洛藏族自治州"
    assert division_name("632600", "en") == "Golog Tibetan Autonomous Prefecture"
    assert division_name("630100", "zh-CN") == "西宁市"
    assert division_name("630100", "en_GB") == "Xining"
    assert division_name("632800", "en").startswith("Haixi Mongol and Tibetan")


def test_name_errors():
    with pytest.raises(KeyError):
        division_name("999999")
    with pytest.raises(ValueError):
        division_name("630100", "fr")


@pytest.mark.parametrize(
    "code, prefecture",
    [
        ("630102", "630100"),  # 城东区
        ("630100", "630100"),
        ("630202", "630200"),  # 乐都区
        ("632801", "632800"),  # 格尔木市
        ("632723", "632700"),
        ("630000", None),  # the province is not a prefecture
        ("632100", None),  # retired 海东地区
        ("620102", None),  # Gansu
        ("6301", None),
        ("63010x", None),
        ("６３０１０２", None),  # full-width digits are not a code
        (None, None),
    ],
)
def test_prefecture_of(code, prefecture):
    assert prefecture_of(code) == prefecture
