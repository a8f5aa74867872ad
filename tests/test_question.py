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
        ("青禾市2023年收到几件申请", [2, 6]),                  # a place without its government: its agencies
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
    assert question_years("18年", today) == [2018]
    assert question_years("去年", today) == [2025] and question_years("前年", today) == [2024]
    assert question_years("2024年报里，去年没办完", today) == [2024]
    assert question_years("2024年6月30日起", today) == [2024]


def test_a_place_alone_means_its_government_when_we_hold_that_report():
    refs = REFS + [ReportRef(8, "青禾市人民政府", 2023, "t")]
    res = resolve("青禾市2023年收到几件申请", refs, today=date(2026, 11, 25))
    assert [r.id for r in res.reports] == [8]
    res = resolve("青禾交通局2023年收到几件申请", refs, today=date(2026, 11, 25))
    assert [r.id for r in res.reports] == [2]
