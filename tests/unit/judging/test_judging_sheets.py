import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.judging import (
    ScoreError,
    ScoreSheet,
    SheetError,
    SheetItem,
    SheetNotFound,
    get_builtin_sheet,
    load_builtin_sheets,
    sheet_from_dict,
    sheet_to_dict,
    validate_scores,
)

GBT19580_BANDS = ((0, 5), (10, 25), (30, 45), (50, 65), (70, 85), (90, 100))


def minimal_sheet(**overrides):
    data = {
        "code": "demo",
        "version": 1,
        "name": "示例",
        "name_en": "Demo",
        "total": 30,
        "items": [
            {"code": "a", "name": "甲", "name_en": "A", "max_points": 10},
            {"code": "b", "name": "乙", "name_en": "B", "max_points": 20},
        ],
    }
    data.update(overrides)
    return data


def points_by_name(sheet):
    return {item.name: item.max_points for item in sheet.items}


# -- built-in templates ---------------------------------------------------------


def test_builtin_sheets_are_the_five_shipped_templates():
    assert sorted(load_builtin_sheets()) == [
        ("gbt19580-2012", 1),
        ("qc-innovative", 1),
        ("qc-onsite-review", 1),
        ("qc-presentation", 1),
        ("qc-problem-solving", 1),
    ]


def test_problem_solving_sheet_matches_appendix_b():
    sheet = get_builtin_sheet("qc-problem-solving")
    assert sheet.total == 100
    assert points_by_name(sheet) == {
        "选题": 15,
        "原因分析": 30,
        "对策与实施": 20,
        "效果": 20,
        "成果报告": 5,
        "特点": 10,
    }


def test_innovative_sheet_matches_appendix_b():
    sheet = get_builtin_sheet("qc-innovative")
    assert points_by_name(sheet) == {
        "选题": 20,
        "提出方案并确定最佳方案": 30,
        "对策与实施": 20,
        "效果": 15,
        "成果报告": 5,
        "特点": 10,
    }


def test_onsite_review_sheet_matches_appendix_b():
    sheet = get_builtin_sheet("qc-onsite-review")
    assert points_by_name(sheet) == {"组织": 10, "活动记录": 30, "真实有效": 30, "维持巩固": 20, "教育": 10}


def test_presentation_sheet_is_labelled_as_editable_platform_default():
    sheet = get_builtin_sheet("qc-presentation")
    assert sheet.total == 100
    assert points_by_name(sheet) == {"内容": 40, "表达": 30, "时间控制": 10, "答辩": 20}
    assert "平台默认" in sheet.name and "default" in sheet.name_en


def test_gbt19580_sheet_has_seven_banded_categories():
    sheet = get_builtin_sheet("gbt19580-2012")
    assert sheet.total == 1000
    assert [(i.code, i.name, i.max_points) for i in sheet.items] == [
        ("4.1", "领导", 110),
        ("4.2", "战略", 90),
        ("4.3", "顾客与市场", 90),
        ("4.4", "资源", 130),
        ("4.5", "过程管理", 100),
        ("4.6", "测量、分析与改进", 80),
        ("4.7", "结果", 400),
    ]
    assert all(item.bands == GBT19580_BANDS for item in sheet.items)


def test_every_builtin_sheet_has_english_names():
    for sheet in load_builtin_sheets().values():
        assert sheet.name_en and all(item.name_en for item in sheet.items)


def test_load_builtin_sheets_returns_a_fresh_dict():
    first = load_builtin_sheets()
    first.clear()
    assert load_builtin_sheets()


def test_get_builtin_sheet_by_version():
    assert get_builtin_sheet("qc-innovative", 1).version == 1


@pytest.mark.parametrize(("code", "version"), [("nope", None), ("qc-innovative", 99)])
def test_get_builtin_sheet_unknown(code, version):
    with pytest.raises(SheetNotFound, match="no built-in score sheet"):
        get_builtin_sheet(code, version)
    # Callers may catch it either as a lookup failure or as a sheet problem.
    assert issubclass(SheetNotFound, LookupError) and issubclass(SheetNotFound, SheetError)


# -- building sheets from data ---------------------------------------------------


def test_sheet_from_dict_builds_frozen_hashable_sheet():
    sheet = sheet_from_dict(minimal_sheet())
    assert sheet.item_codes == ("a", "b")
    assert sheet.item("b").max_points == 20
    with pytest.raises(KeyError):
        sheet.item("zzz")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sheet.total = 50
    assert hash(sheet) == hash(sheet_from_dict(minimal_sheet()))


def test_organisers_add_a_new_version_as_data():
    data = sheet_to_dict(get_builtin_sheet("qc-presentation"))
    data["version"] = 2
    data["items"][0]["max_points"] = 35
    data["items"][3]["max_points"] = 25
    sheet = sheet_from_dict(data)
    assert (sheet.code, sheet.version, sheet.total) == ("qc-presentation", 2, 100)


@pytest.mark.parametrize("code", ["qc-problem-solving", "gbt19580-2012", "qc-presentation"])
def test_sheet_to_dict_round_trips(code):
    sheet = get_builtin_sheet(code)
    assert sheet_from_dict(sheet_to_dict(sheet)) == sheet


def test_decimal_item_points_sum_exactly():
    items = [{"code": c, "name": c, "name_en": c, "max_points": 0.1} for c in ("a", "b", "c")]
    assert sheet_from_dict(minimal_sheet(total=0.3, items=items)).total == 0.3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"total": 40}, "add up to 30, but the sheet total is 40"),
        ({"version": 0}, "version must be an integer >= 1"),
        ({"version": True}, "version must be an integer >= 1"),
        ({"version": "1"}, "version must be an integer >= 1"),
        ({"code": " "}, "sheet code must be a non-empty string"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"name_en": None}, "name_en must be a non-empty string"),
        ({"total": -30}, "total must be positive"),
        ({"total": "30"}, "total must be a finite number"),
        ({"total": float("nan")}, "total must be a finite number"),
        ({"items": []}, "needs at least one item"),
        ({"items": "ab"}, "items must be a list"),
        ({"source": 5}, "source must be a non-empty string"),
        ({"extra": 1}, "unknown keys extra"),
    ],
)
def test_sheet_errors(overrides, message):
    with pytest.raises(SheetError, match=message):
        sheet_from_dict(minimal_sheet(**overrides))


def test_missing_sheet_keys_are_named():
    data = minimal_sheet()
    del data["total"], data["name_en"]
    with pytest.raises(SheetError, match="missing name_en, total"):
        sheet_from_dict(data)


def test_sheet_must_be_a_mapping():
    with pytest.raises(SheetError, match="must be an object"):
        sheet_from_dict([1, 2])


def test_duplicate_item_codes_rejected():
    items = [
        {"code": "a", "name": "甲", "name_en": "A", "max_points": 15},
        {"code": "a", "name": "乙", "name_en": "B", "max_points": 15},
    ]
    with pytest.raises(SheetError, match="item codes must be unique; repeated: a"):
        sheet_from_dict(minimal_sheet(items=items))


@pytest.mark.parametrize(
    ("item_changes", "message"),
    [
        ({"max_points": 0}, "max_points must be positive"),
        ({"max_points": True}, "max_points must be a finite number"),
        ({"code": ""}, "item code must be a non-empty string"),
        ({"name": 3}, "name must be a non-empty string"),
        ({"max_point": 10}, "unknown keys max_point"),
        ({"bands": "0-5"}, "bands must be a list"),
        ({"bands": [[0, 5, 9]]}, r"band 1 must be a \[low, high\] pair"),
        ({"bands": [["0", 5]]}, "band 1 must hold two finite numbers"),
        ({"bands": [[10, 5]]}, "0 <= low <= high <= 100"),
        ({"bands": [[90, 110]]}, "0 <= low <= high <= 100"),
        ({"bands": [[-5, 5]]}, "0 <= low <= high <= 100"),
        ({"bands": [[0, 10], [10, 20]]}, "band 2 .* must start above the previous band's high"),
        ({"bands": [[50, 60], [0, 10]]}, "band 2 .* must start above the previous band's high"),
    ],
)
def test_item_errors_name_the_item(item_changes, message):
    data = minimal_sheet()
    data["items"][0].update(item_changes)
    with pytest.raises(SheetError, match=rf"items\[0\].*{message}"):
        sheet_from_dict(data)


def test_missing_item_keys_are_named():
    data = minimal_sheet()
    del data["items"][1]["max_points"]
    with pytest.raises(SheetError, match=r"items\[1\]: missing max_points"):
        sheet_from_dict(data)


def test_item_must_be_a_mapping():
    with pytest.raises(SheetError, match=r"items\[0\] must be an object"):
        sheet_from_dict(minimal_sheet(items=[["a", 30]]))


def test_dataclasses_validate_when_built_directly():
    item = SheetItem("a", "甲", "A", 10, bands=[[0, 50], [60, 100]])
    assert item.bands == ((0, 50), (60, 100))
    with pytest.raises(SheetError, match="must be SheetItem"):
        ScoreSheet("s", 1, "表", "Sheet", 10, items=({"code": "a"},))
    with pytest.raises(SheetError, match="add up to 10, but the sheet total is 20"):
        ScoreSheet("s", 1, "表", "Sheet", 20, items=(item,))


# -- validating scores -------------------------------------------------------------


def full_marks(sheet):
    return {item.code: item.max_points for item in sheet.items}


def test_validate_scores_returns_total():
    sheet = get_builtin_sheet("qc-problem-solving")
    scores = {
        "topic_selection": 13.5,
        "cause_analysis": 27,
        "countermeasures": 18.1,
        "effect": 17.2,
        "report": 4.1,
        "features": 8,
    }
    assert validate_scores(sheet, scores) == 87.9
    assert validate_scores(sheet, full_marks(sheet)) == 100


def test_validate_scores_reports_every_problem_at_once():
    sheet = get_builtin_sheet("qc-onsite-review")
    scores = {
        "organisation": -1,
        "activity_records": 31,
        "authenticity": "thirty",
        "consolidation": None,
        "mystery": 5,
    }
    with pytest.raises(ScoreError) as caught:
        validate_scores(sheet, scores)
    fields = caught.value.fields
    assert fields == {
        "organisation": "must not be negative (got -1)",
        "activity_records": "31 exceeds the item's maximum of 30",
        "authenticity": "not a finite number: 'thirty'",
        "consolidation": "not a finite number: None",
        "education": "missing score",
        "mystery": "unknown item for this sheet",
    }
    assert "education: missing score" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True])
def test_validate_scores_rejects_non_finite_and_bool(bad):
    sheet = get_builtin_sheet("qc-presentation")
    scores = full_marks(sheet) | {"content": bad}
    with pytest.raises(ScoreError) as caught:
        validate_scores(sheet, scores)
    assert list(caught.value.fields) == ["content"]


def test_validate_scores_needs_a_mapping():
    with pytest.raises(TypeError):
        validate_scores(get_builtin_sheet("qc-presentation"), [("content", 40)])


def gbt_scores(**percent_of_max):
    sheet = get_builtin_sheet("gbt19580-2012")
    scores = {item.code: item.max_points * 0.5 for item in sheet.items}
    for code, percent in percent_of_max.items():
        item = sheet.item(code.replace("_", "."))
        scores[item.code] = item.max_points * percent / 100
    return sheet, scores


def test_band_edges_are_inclusive():
    # 5% and 25% of 110 are 5.5 and 27.5; 90% of 400 is 360.
    sheet, scores = gbt_scores(**{"4_1": 25, "4_2": 5, "4_7": 90})
    assert validate_scores(sheet, scores) == pytest.approx(27.5 + 4.5 + 360 + 0.5 * (90 + 130 + 100 + 80))


def test_score_between_bands_is_rejected_unless_bands_are_off():
    sheet, scores = gbt_scores(**{"4_1": 27})
    with pytest.raises(ScoreError) as caught:
        validate_scores(sheet, scores)
    assert caught.value.fields == {
        "4.1": "27% of 110 is outside the scoring bands (0-5%, 10-25%, 30-45%, 50-65%, 70-85%, 90-100%)"
    }
    assert validate_scores(sheet, scores, check_bands=False) > 0


def test_in_band_without_bands_is_always_true():
    assert SheetItem("a", "甲", "A", 10).in_band(7.3)


@given(st.data())
def test_any_in_range_scores_validate_to_their_sum(data):
    code = data.draw(st.sampled_from(["qc-problem-solving", "qc-innovative", "qc-onsite-review"]))
    sheet = get_builtin_sheet(code)
    scores = {item.code: data.draw(st.integers(0, item.max_points * 10)) / 10 for item in sheet.items}
    total = validate_scores(sheet, scores)
    assert 0 <= total <= sheet.total
    assert total == pytest.approx(sum(scores.values()))


@given(st.lists(st.integers(1, 200), min_size=1, max_size=8))
def test_sheets_whose_items_add_up_are_always_valid(points):
    items = [
        {"code": f"i{n}", "name": f"项{n}", "name_en": f"Item {n}", "max_points": p}
        for n, p in enumerate(points)
    ]
    sheet = sheet_from_dict(minimal_sheet(total=sum(points), items=items))
    assert validate_scores(sheet, full_marks(sheet)) == sum(points)
    with pytest.raises(SheetError):
        sheet_from_dict(minimal_sheet(total=sum(points) + 1, items=items))
