"""A published report's cells placed on the official tables, and two grids compared cell by cell
(disclosure/compare.py, pure)."""

from __future__ import annotations

from disclosure.compare import cell_names, differing, normal, number, published_tables
from disclosure.render import grids
from disclosure.tables import Aggregates, build_tables

T3 = "三、收到和处理政府信息公开申请情况"
T4 = "四、政府信息公开行政复议、行政诉讼情况"


def test_labels_are_matched_as_printed_whatever_the_width_quotes_and_spaces():
    assert normal(" 3.危及\"三安全一稳定\" ") == normal("3．危及“三安全一稳定”") == normal("3.危及'三安全一稳定'")
    assert normal("（二）部分公开") == normal("(二) 部分公开")
    assert number(" 1,234 ") == 1234 and number("") is None and number("—") is None and number(7) == 7


def test_cells_are_placed_on_the_table_keys_with_the_enumeration_as_a_fallback():
    cells = [
        (T3, "", "一、本年新收政府信息公开申请数量", "自然人", "12"),
        (T3, "", "一、 本年新收政府信息公开申请数量", "总 计", "15"),  # spaces inside the label
        (T3, "三、本年度办理结果", "（二）部分公开", "商业企业", "2"),  # printed without its parenthetical
        (T3, "三、本年度办理结果 （三）不予公开", "3.危及'三安全一稳定'", "自然人", "1"),  # other quotes
        (T3, "三、本年度办理结果 （四）无法提供", "1.本机关不掌握", "其他", "4"),  # shortened, found by 1. under （四）
        (T3, "三、本年度办理结果 （六）其他处理", "3.其他", "法律服务机构", "5"),
        (T3, "", "五、一行不存在的行", "自然人", "9"),
        (T4, "", "行政复议、行政诉讼情况", "行政复议 · 结果维持", "3"),
        (T4, "", "行政复议、行政诉讼情况", "行政诉讼（未经复议直接起诉） · 尚未审结", "1"),
        (T4, "", "行政复议、行政诉讼情况", "行政诉讼（复议后起诉） · 总计", ""),
        ("二、主动公开政府信息情况", "", "规章", "本年制发件数", "3"),  # not a table of the log: ignored
    ]
    published = published_tables(cells, 2023, "2021")
    t3 = published.tables.table3
    assert t3["new_received"]["natural_person"] == 12 and t3["new_received"]["total"] == 15
    assert t3["r_partial"]["org_business"] == 2
    assert t3["r_deny_security_stability"]["natural_person"] == 1
    assert t3["r_unable_not_held"]["org_other"] == 4 and t3["r_unable_needs_creation"]["org_other"] is None
    assert t3["r_other_misc"]["org_legal_service"] == 5
    assert published.tables.table4["review_upheld"] == 3 and published.tables.table4["lit_direct_pending"] == 1
    assert published.tables.table4["lit_after_review_total"] is None
    assert published.matched == 9 and published.unmatched == [f"{T3} · 五、一行不存在的行 · 自然人"]
    assert not published.complete


def test_the_legacy_table_is_matched_within_its_section():
    cells = [
        ("三、依申请公开情况", "三、依申请公开情况", "（一）收到申请数", "统计数", "5"),
        ("三、依申请公开情况", "", "3.网络申请数", "统计数", "5"),
        ("四、行政复议数量", "", "（一）维持具体行政行为数", "统计数", "2"),
        ("六、被举报投诉数量", "", "（一）维持具体行政行为数", "统计数", "1"),  # the same label, another section
        ("一、主动公开情况", "", "（一）主动公开政府信息数", "统计数", "700"),
    ]
    published = published_tables(cells, 2018, "legacy")
    rows = published.tables.rows
    assert rows["apps_received"] == 5 and rows["apps_received.online"] == 5
    assert rows["reviews.upheld"] == 2 and rows["complaints.upheld"] == 1
    assert published.matched == 4 and published.unmatched == []
    assert published.checks() == ["row reviews: 0 ≠ sum of reviews.upheld, reviews.corrected, reviews.other = 2",
                                  "row complaints: 0 ≠ sum of complaints.upheld, complaints.corrected, "
                                  "complaints.other = 1"]


def test_grids_of_the_same_layout_differ_exactly_where_the_figures_do():
    agg = Aggregates(2023)
    agg.new_received[("natural_person", "online", 3)] = 2
    agg.closed[("natural_person", "open", "on_time", 4)] = 2
    log = build_tables(agg, "2021")
    cells = [(T3, "", "一、本年新收政府信息公开申请数量", "自然人", "2"),
             (T3, "", "一、本年新收政府信息公开申请数量", "总计", "3"),
             (T3, "三、本年度办理结果", "（一）予以公开", "自然人", "2")]
    published = published_tables(cells, 2023, "2021")
    mine, theirs = grids(log), grids(published.tables)
    diff = differing(mine[0], theirs[0])
    names = cell_names(mine[0])
    assert [names[p] for p in sorted(diff)] == [
        ("一、本年新收政府信息公开申请数量", "申请人情况 · 总计"),  # 2 against 3
        ("（一）予以公开", "申请人情况 · 总计"),  # the report leaves the total empty
        ("（七）总计", "申请人情况 · 自然人"), ("（七）总计", "申请人情况 · 总计"),  # printed empty: 2 against 0
    ]
    assert differing(mine[1], theirs[1]) == set()  # Table 四: all 0 against all empty
