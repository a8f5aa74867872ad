"""Title, agency and year without hand entry, from every place a report keeps them."""

from __future__ import annotations

import pytest

from knowledge.parse import ParseError, parse_report

BODY = "一、总体情况\n2023年，我局贯彻《中华人民共和国政府信息公开条例》，全年主动公开政府信息286条。\n二、主动公开政府信息情况\n"


@pytest.mark.parametrize("lines, agency, year", [
    # the title line itself, a Markdown heading, year first
    (["岚屿县审计局2023年政府信息公开工作年度报告", BODY], "岚屿县审计局", 2023),
    (["# 岚屿县审计局2023年度政府信息公开工作年度报告", BODY], "岚屿县审计局", 2023),
    (["2023年岚屿县审计局政府信息公开工作年度报告", BODY], "岚屿县审计局", 2023),
    # a crawler header (标题:) and a breadcrumb in the body
    (["# source: https://x.example/1.htm", "标题: 岚屿县审计局2023年政府信息公开工作年度报告", "发布时间: 2024-01-22",
      "==== 正文 ====", "当前位置： 首页 政务公开 年报 岚屿县审计局2023年政府信息公开工作年度报告 来源：岚屿县人民政府 " + BODY],
     "岚屿县审计局", 2023),
    # a title broken over two lines (PDF), the agency on its own line
    (["岚屿县审计局", "2023 年政府信息公开工作年度报告", BODY], "岚屿县审计局", 2023),
    (["岚屿县审计局2023年度政府信息公开工作", "年 度 报 告", BODY], "岚屿县审计局", 2023),
    # a place alone: its government; a zone: its 管理委员会
    (["岚屿县2023年政府信息公开工作年度报告", BODY], "岚屿县人民政府", 2023),
    (["岚屿经济技术开发区2023年政府信息公开工作年度报告", BODY], "岚屿经济技术开发区管理委员会", 2023),
    # no title: the compiler, the contact office read with how the report names itself
    (["本报告由岚屿县审计局编制。本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。", BODY],
     "岚屿县审计局", 2022),
    (["本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。如对本报告有任何疑问，请与岚屿县审计局办公室联系（电话：5521307）。",
      "2022年，我局主动公开政府信息12条，未收到政府信息公开申请。"], "岚屿县审计局", 2022),
    (["本报告统计期限自2024年1月1日起至2024年12月31日止。如有疑问，可致电岚屿县人民政府办公室，电话：5521307。",
      "2024年，我办主动公开政府信息24条，受理政府信息公开申请38件，我办按时答复。"], "岚屿县人民政府办公室", 2024),
    (["本报告统计期限自2024年1月1日起至2024年12月31日止。如有疑问，可致电岚屿县人民政府办公室，电话：5521307。",
      "2024年，我县共主动公开政府信息1127条，全县共受理政府信息公开申请226件。"], "岚屿县人民政府", 2024),
    # the report names itself by level only (县审计局) and names its county elsewhere
    (["2020年，县审计局认真贯彻执行《中华人民共和国政府信息公开条例》，全年主动公开政府信息26条。",
      "如对本报告有任何疑问，请联系岚屿县审计局办公室。"], "岚屿县审计局", 2020),
])
def test_agency_and_year_inferred(lines, agency, year):
    report = parse_report("\n".join(lines).split("\n"))
    assert (report.agency, report.year) == (agency, year)
    assert not report.agency.startswith("#")


def test_higher_places_written_in_the_report_complete_the_name():
    lines = ["晋川区人民政府2024年政府信息公开工作年度报告",
             "本报告由福宁市晋川区人民政府办公室编制。如有疑问请致电福宁市晋川区人民政府办公室。", BODY]
    assert parse_report(lines).agency == "福宁市晋川区人民政府"


@pytest.mark.parametrize("lines, message", [
    (["本报告根据《条例》编制。政府信息公开工作有序开展，主动公开政府信息若干条。"], "--year"),
    (["本报告统计期限自2024年1月1日起至2024年12月31日止。政府信息公开工作有序开展。"], "--agency"),
])
def test_what_cannot_be_found_is_named_with_the_flag_to_use(lines, message):
    with pytest.raises(ParseError) as err:
        parse_report(lines)
    assert message in str(err.value)


def test_flags_override_inference():
    report = parse_report(["岚屿县审计局2023年政府信息公开工作年度报告", BODY], agency="岚屿县审计局", year=2024)
    assert report.year == 2024
