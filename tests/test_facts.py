"""Narrative figures as facts: value, unit, the clause that says what is counted, and whether the
figure is this year's, a running total or a 其中 sub-item."""

from __future__ import annotations

import pytest

from knowledge.facts import sentence_facts


def facts(sentence: str, year: int = 2023):
    return [(f.value, f.unit, f.qualifier, f.phrase) for f in sentence_facts(sentence, year)]


def test_total_and_sub_items_in_brackets():
    got = facts("全年我区共公布政府信息2602条(其中机构职能类信息82条，政策、规范性文件类信息80条)，主要通过政府网站公开。")
    assert got[0] == ("2602", "条", "", "全年我区共公布政府信息2602条")
    assert [(v, q) for v, _, q, _ in got[1:]] == [("82", "其中"), ("80", "其中")]


def test_clauses_after_qizhong_are_sub_items_until_the_sentence_part_ends():
    got = facts("2023年制作政府信息总数3618条，其中主动公开政府信息1853条，不予公开信息数1658条；办结申请7件。")
    assert [(v, q) for v, _, q, _ in got] == [("3618", ""), ("1853", "其中"), ("1658", "其中"), ("7", "")]


def test_cumulative_figures_and_the_report_year_end():
    assert facts("2024年，我区共主动公开政府信息1127条，历年累计25800条。", 2024)[1][:3] == ("25800", "条", "累计")
    # 截至 the report year's end is this year's figure, not a running total
    assert facts("截至2017年12月31日,主动公开166条。", 2017)[0][:3] == ("166", "条", "")
    assert facts("截至2020年底历年累计主动公开21407条。", 2020)[0][2] == "累计"


def test_a_short_clause_borrows_the_subject_before_it():
    (_, share) = facts("县直各单位主动公开政府信息303条，占71.3%。")
    assert share[:2] == ("71.3", "%") and share[3].startswith("县直各单位主动公开政府信息303条")


@pytest.mark.parametrize("sentence, value, unit", [
    ("我局共有信息公开平台两个。", "2", "个"),
    ("本报告由总体情况等六部分组成。", "6", "部分"),
    ("自条例施行以来累计主动公开政府信息28万余条。", "28万", "条"),
    ("全年分配公租房1326套。", "1326", "套"),
    ("在信息形成之日起20个工作日内公开。", "20", "个工作日"),
])
def test_units_and_chinese_counts(sentence, value, unit):
    assert (facts(sentence)[0][0], facts(sentence)[0][1]) == (value, unit)


def test_dates_codes_and_lists_are_not_figures():
    assert facts("根据厦府办〔2018〕88号文件，于2023年3月5日召开会议。") == []
    assert facts("一是加强组织领导，二是规范审核。") == []
