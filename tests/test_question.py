"""Agency, place and year resolution (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.agencies import canonical_agency, parse_agency
from knowledge.question import ReportRef, question_years, resolve

REFS = [
    ReportRef(1, "济宁市科学技术局", 2018, "t"),
    ReportRef(2, "青禾市交通运输局", 2023, "t"),
    ReportRef(3, "青禾市交通运输局", 2024, "t"),
    ReportRef(4, "常州市武进区湖塘镇人民政府", 2023, "t"),
    ReportRef(5, "云岭县人民政府", 2023, "t"),
    ReportRef(6, "青禾市城市管理和综合执法局", 2023, "t"),
    ReportRef(7, "澄湾区水务局", 2017, "t"),
]


def ids(question: str, **kw) -> list[int] | str:
    res = resolve(question, REFS, today=date(2026, 11, 25), **kw)
    return res.refused or sorted(r.id for r in res.reports)


def test_agency_names_split_into_places_and_organ():
    name = parse_agency("常州市武进区湖塘镇人民政府")
    assert name.places == ["常州市", "武进区", "湖塘镇"] and name.organ == "人民政府"
    assert parse_agency("济宁市科技局").organ == "科学技术局"
    assert canonical_agency("济宁市科技局", "……济宁市科学技术局政府信息公开指南……") == "济宁市科学技术局"
    assert canonical_agency("济宁市科技局", "no long form here") == "济宁市科技局"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("科技局18年网络申请几件", [1]),
        ("济宁科技局2018年网络申请几件", [1]),
        ("湖塘镇2023年收到几件申请", [4]),
        ("湖塘镇政府去年收到几件申请", "year_not_covered"),
        ("武进区政府2023年收到几件申请", "unknown_agency"),   # the district is not the town
        ("青禾交通局收到几件申请", [3]),                      # latest year
        ("青禾交通局二〇二三年收到几件申请", [2]),
        ("青河交通局2023年收到几件申请", "near_miss"),
        ("青河市交通运输局2023年收到几件申请", "near_miss"),
        ("云陵县政府2023年被申请复议几件", "near_miss"),
        ("云岭县交通运输局2023年收到几件申请", "unknown_agency"),
        ("北京市交通局2023年收到几件申请", "unknown_place"),
        ("2023年通过政府网站公开了多少条", [2, 4, 5, 6]),      # 政府网站 is not an agency
        ("青禾城管局2023年收到几件申请", [6]),
        ("青禾市2023年收到几件申请", [2, 6]),                  # only departments: see test_department_only
        ("云岭县2023年收到几件申请", [5]),
        ("澄湾区有多少名河长", [7]),                 # short form of an organ not in the vocabulary
        ("青禾市城市管理和综合执法局2023年收到几件申请", [6]),
        ("青禾市公安局2023年收到几件申请", "unknown_agency"),
    ],
)
def test_resolution(question, expected):
    assert ids(question) == expected


def test_home_agency_preferred_when_none_named():
    assert ids("收到几件申请", home_agency="青禾市交通运输局") == [3]
    assert ids("科技局收到几件申请", home_agency="青禾市交通运输局") == [1]


def test_years():
    today = date(2026, 11, 25)
    assert question_years("18年", today) == ([2018], None)
    assert question_years("去年", today) == ([2025], "去年") and question_years("前年", today) == ([2024], "前年")
    assert question_years("2024年报里，去年没办完", today) == ([2024], None)
    assert question_years("2024年6月30日起", today) == ([2024], None)
    assert question_years("晋安全区去年（2024）写信寄来的申请", today) == ([2024], None)
    assert question_years("本年度新收多少件", today) == ([], None)  # 本年度 is the table's wording, not a year


def test_department_only_place_is_flagged():
    res = resolve("青禾市2023年收到几件申请", REFS, today=date(2026, 11, 25))
    assert res.department_only and {r.agency for r in res.reports} == {"青禾市交通运输局", "青禾市城市管理和综合执法局"}
    assert not resolve("青禾市交通局2023年收到几件申请", REFS).department_only


FUZHOU = [
    ReportRef(11, "福州市晋安区人民政府", 2024, "t"),
    ReportRef(12, "福州市晋安区人民政府办公室", 2024, "t"),
    ReportRef(13, "福清市人民政府", 2024, "t"),
    ReportRef(14, "福州市卫生健康委员会", 2024, "t"),
    ReportRef(15, "福州市发展和改革委员会", 2024, "t"),
    ReportRef(16, "平潭综合实验区管理委员会", 2023, "t"),
    ReportRef(17, "平潭县人民政府", 2013, "t"),
    ReportRef(18, "来凤县政务服务和大数据管理局", 2021, "t"),
    ReportRef(19, "重庆市万盛经济技术开发区审计局", 2020, "t"),
    ReportRef(20, "桃江县审计局", 2020, "t"),
]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("福州市鼓楼区2024年收到几件申请", "unknown_place"),       # another district of a covered city
        ("福州市2024年主动公开多少条", "department_only"),           # the city government is not loaded
        ("福州市人民政府2024年被申请复议多少件", "unknown_agency"),
        ("长乐区2024年行政诉讼有几件", "unknown_place"),             # a neighbouring district
        ("福安市2024年收到几件申请", "near_miss"),                   # one character off 福清
        ("福州市教委2024年收到几件申请", "unknown_agency"),          # another commission of a covered city
        ("福州市卫健委2024年收到几件申请", [14]),
        ("福州发改委24年收到几件申请", [15]),
        ("晋安区2024年收到几件申请", [11]),                          # a place alone: its government
        ("晋安区政府办2024年收到几件申请", [12]),
        ("晋安区政府办公室2024年收到几件申请", [12]),
        ("晋安区政府办公时间是几点", [11]),                          # 政府办公时间 is not the 政府办
        ("平潭管委会2023年收到几件申请", [16]),
        ("平潭实验区2023年收到几件申请", [16]),
        ("平潭县政府2013年收到几件申请", [17]),
        ("平潭2013年收到几件申请", [17]),                            # two governments of 平潭: the year decides
        ("平潭县2016年政务公开栏出了几期", "year_not_covered"),
        ("来凤县政数局2021年收到几件申请", [18]),
        ("来凤县大数据局2021年收到几件申请", [18]),
        ("重庆万盛经开区审计局2020年收到几件申请", [19]),
        ("湖南桃江县审计局2020年收到几件申请", [20]),                # a province before a known place
        ("桃江审计局向县政府网站报送了多少条", [20]),                # 县政府网站 only qualifies a noun
        ("上海市2022年收到多少件申请", "unknown_place"),
    ],
)
def test_borrowing_is_impossible(question, expected):
    res = resolve(question, FUZHOU, today=date(2026, 11, 25))
    found = res.refused or ("department_only" if res.department_only else sorted(r.id for r in res.reports))
    assert found == expected


def test_a_place_alone_means_its_government_when_we_hold_that_report():
    refs = REFS + [ReportRef(8, "青禾市人民政府", 2023, "t")]
    res = resolve("青禾市2023年收到几件申请", refs, today=date(2026, 11, 25))
    assert [r.id for r in res.reports] == [8]
    res = resolve("青禾交通局2023年收到几件申请", refs, today=date(2026, 11, 25))
    assert [r.id for r in res.reports] == [2]
