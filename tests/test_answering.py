"""Answering questions: the dev QA set through the `gongkai ask` code path, graded by the QA
README's rules, plus look-alike knowledge bases that punish answering from the wrong report."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pathlib import Path

from bot.cli import app
from knowledge.extract import extract_lines
from knowledge.parse import parse_report
from knowledge.lookalike import make_lookalike
from tests.conftest import REPORTS_DIR, SHARED
from tests.qa_grading import ask_json, grade, require

HELDOUT = Path(__file__).parent / "fixtures" / "heldout"
VALIDATION = Path(__file__).parent / "fixtures" / "validation"

runner = CliRunner()

def ask_many(questions: list[str]) -> list[dict]:
    return ask_json(questions)


def ingest_text(path: Path, text: str) -> None:
    """A report written for a test, loaded as `gongkai ingest` loads a file."""
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def shared_kb():
    result = runner.invoke(app, ["ingest", *map(str, sorted(REPORTS_DIR.iterdir()))])
    assert result.exit_code == 0, result.stderr


# The QA sets, graded by the QA rules (the answer body without its citation; the right report).
QA_SETS = [
    # (QA file, report folder, agency/year from meta.txt, floor)
    (SHARED / "qa" / "dev.jsonl", SHARED / "reports", False, 0.95),
    (SHARED / "qa" / "dev-real.jsonl", SHARED / "reports-real", False, 0.90),
    (SHARED / "qa" / "dev-web.jsonl", SHARED / "reports-web", False, 0.90),
    (HELDOUT / "qa.jsonl", HELDOUT / "reports", False, 0.90),
    (VALIDATION / "qa.jsonl", VALIDATION / "reports", False, 0.90),
]


def printed_to_pdf(report_dir: Path, out: Path) -> Path:
    """Every text and HTML report of ``report_dir`` printed to PDF (same file names, .pdf)."""
    from knowledge.extract import extract_lines
    from tests.report_factory import text_to_pdf

    out.mkdir()
    for path in sorted(report_dir.iterdir()):
        if path.suffix in (".txt", ".html") and path.name != "meta.txt":
            text_to_pdf(extract_lines(path), out / f"{path.stem}.pdf")
    return out


@pytest.mark.parametrize("qa_file, report_dir", [(q, r) for q, r, _, _ in QA_SETS[1:]],
                         ids=["dev-real", "dev-web", "fixtures-heldout", "fixtures-validation"])
def test_the_same_reports_printed_to_pdf_answer_alike(tmp_path, qa_file, report_dir):
    """The real and fixture reports printed to PDF: the same questions, the same grades (≥ 90 %)."""
    pytest.importorskip("reportlab")
    qa, reports = require(qa_file), require(report_dir)
    pdfs = printed_to_pdf(reports, tmp_path / "pdf")
    lines = [json.loads(line) for line in qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in lines:  # the questions name the PDF files
        if item["report"] != "none":
            item["report"] = Path(item["report"]).stem + ".pdf"
    qa_pdf = tmp_path / "qa.jsonl"
    qa_pdf.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in lines
                                 if i["report"] == "none" or (pdfs / i["report"]).exists()), encoding="utf-8")
    graded = grade(qa_pdf, pdfs)
    assert graded.score >= 0.90, (graded.score, graded.failures)
    assert graded.classes["answered_absent"] == 0 and graded.classes["wrong_report"] == 0, graded.failures


@pytest.mark.parametrize("qa_file, report_dir, use_meta, floor", QA_SETS,
                         ids=["dev", "dev-real", "dev-web", "fixtures-heldout", "fixtures-validation"])
def test_qa_set_meets_the_floor_and_refuses_every_absent_question(qa_file, report_dir, use_meta, floor):
    graded = grade(require(qa_file), require(report_dir), use_meta=use_meta)
    assert graded.score >= floor, (graded.score, graded.failures)
    assert graded.classes["answered_absent"] == 0, graded.failures
    assert graded.classes["wrong_report"] == 0, graded.failures


def test_json_shape_and_citation(shared_kb):
    (row,) = ask_many(["2018年有人通过网络向济宁科技局申请信息公开吗，几件？"])
    assert set(row) == {"question", "answer", "source", "score", "suggestions"}
    assert row["answer"].startswith("网络申请数：1件（济宁市科学技术局 2018年度统计表 · 三、依申请公开情况）")
    assert row["source"] == {"title": "济宁市科技局2018年度政府信息公开工作年度报告", "agency": "济宁市科学技术局",
                             "year": 2018, "section": "三、依申请公开情况"}
    assert 0 <= row["score"] <= 100 and len(row["suggestions"]) <= 3


def test_table_questions_find_row_and_column(shared_kb):
    rows = ask_many([
        "青禾交通局2023年科研机构提了几件申请",          # 新收 × 科研机构 = 3
        "青禾交通局2023年社会公益组织的申请有几件没办完结转到下一年",  # 结转下年度 × 社会公益组织 = 0
        "青禾交通局2024年律所申请了多少件",               # 新收 × 法律服务机构 = 11
        "云岭县2023年行政诉讼复议后起诉的有几件",          # 复议后起诉 总计 = 5
    ])
    assert "本年新收政府信息公开申请数量（科研机构）：3件" in rows[0]["answer"]
    assert "结转下年度继续办理（社会公益组织）：0件" in rows[1]["answer"]
    assert "（法律服务机构）：11件" in rows[2]["answer"] and rows[2]["source"]["year"] == 2024
    assert "复议后起诉" in rows[3]["answer"] and "：5件" in rows[3]["answer"]


def test_near_miss_other_agency_and_uncovered_year_get_no_answer(shared_kb):
    rows = ask_many([
        "济南市科技局2018年网络申请有几件",     # 济南 ≠ 济宁
        "青河交通局2023年收到多少件申请",       # no suffix, one character off
        "北京市交通运输局2023年收到多少件申请",  # unknown place
        "澄湾区教育局2017年收到多少件申请",      # known place, other agency
        "青禾交通局2019年收到多少件申请",        # year not covered
    ])
    assert [r["answer"] for r in rows] == [None] * 5
    assert all(r["source"] is None for r in rows)


def test_home_agency_and_latest_year_are_preferred(shared_kb, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_HOME_AGENCY", "青禾市交通运输局")
    get_settings.cache_clear()
    (row,) = ask_many(["收到多少件政府信息公开申请"])
    assert row["source"]["agency"] == "青禾市交通运输局" and row["source"]["year"] == 2024
    assert "289" in row["answer"]


def test_questions_are_logged_and_unanswered_listed(shared_kb):
    ask_many(["青禾交通局2023年政务微博发了多少条", "青河市交通运输局2023年收到多少件信息公开申请"])
    out = runner.invoke(app, ["questions", "--unanswered"]).stdout
    assert "青河市交通运输局" in out and "政务微博" not in out
    assert "政务微博" in runner.invoke(app, ["questions"]).stdout


def test_single_question_plain_text(shared_kb):
    result = runner.invoke(app, ["ask", "澄湾水务局2017年政务微博发了几条"])
    assert result.exit_code == 0 and "214条" in result.stdout and "澄湾区水务局 2017年度" in result.stdout
    empty = runner.invoke(app, ["ask", "  "])
    assert empty.exit_code != 0


def test_lookalike_reports_answer_from_the_right_agency_and_year(tmp_path):
    """Many near-identical reports loaded: the answer must come from the one the question names."""
    rng = random.Random(7)
    base = REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"
    text = base.read_text(encoding="utf-8")
    files = [base]
    for place, year in [("东川", 2023), ("南平", 2023), ("青禾", 2022), ("西林", 2021)]:
        new_text, _ = make_lookalike(text, "青禾市交通运输局", 2023, new_place=place, new_year=year, rng=rng)
        path = tmp_path / f"{place}-{year}.txt"
        path.write_text(new_text, encoding="utf-8")
        files.append(path)
    assert runner.invoke(app, ["ingest", *map(str, files)]).exit_code == 0
    rows = ask_many([
        "东川交通局23年网上申请的有多少件",
        "青禾交通局2022年法人企业提了几件申请",
        "西林市交通运输局2021年年报有疑问打什么电话",
        "东山交通局2023年收到多少件申请",   # 东山: no such place (one character off 东川)
        "南平交通局2020年收到多少件申请",   # year not covered
    ])
    expected = [("东川市交通运输局", 2023), ("青禾市交通运输局", 2022), ("西林市交通运输局", 2021)]
    for row, key in zip(rows[:3], expected):
        assert row["answer"] and (row["source"]["agency"], row["source"]["year"]) == key, row
    assert rows[3]["answer"] is None and rows[4]["answer"] is None


# Questions written like the dev set but not in it (expected values read off the reports).
MORE_QUESTIONS = [
    ("青禾交通局2023年主动公开了多少条政府信息", "3152条", ("青禾市交通运输局", 2023)),
    ("青禾交通局23年办结了多少件申请", "259件", ("青禾市交通运输局", 2023)),
    ("青禾交通局2023年有几件申请延期答复", "延长答复期限的9件", ("青禾市交通运输局", 2023)),
    ("云岭县2023年申请人里企业有几家", "（商业企业）：19件", ("云岭县人民政府", 2023)),
    ("青禾交通局2024年个人申请的有多少", "（自然人）：236件", ("青禾市交通运输局", 2024)),
    ("云岭县2023年复议结果被纠正的有几件", "行政复议 · 结果纠正：3件", ("云岭县人民政府", 2023)),
    ("澄湾水务局2017年申请信息不存在的有几件", "申请信息不存在数：2件", ("澄湾区水务局", 2017)),
    ("济宁科技局2018年政务微信发了多少条", "163条", ("济宁市科学技术局", 2018)),
    ("云岭县政府传真号码是多少", "71253308", ("云岭县人民政府", 2023)),
    ("青禾交通局2024年未经复议直接起诉的有多少件", "未经复议直接起诉） · 总计：9件", ("青禾市交通运输局", 2024)),
    ("青禾市交通运输局2023年重复申请的有几件", "重复申请：6件", ("青禾市交通运输局", 2023)),
    ("澄湾水务局2017年延期办结多少件", "延期办结数：2件", ("澄湾区水务局", 2017)),
]


def test_more_questions_in_the_dev_style(shared_kb):
    rows = ask_many([q for q, _, _ in MORE_QUESTIONS])
    wrong = [
        (q, row["answer"]) for (q, expect, key), row in zip(MORE_QUESTIONS, rows)
        if not (row["answer"] and expect in row["answer"]
                and (row["source"]["agency"], row["source"]["year"]) == key)
    ]
    assert not wrong


def test_several_contact_details_in_one_answer(shared_kb):
    rows = ask_many(["云岭县政务公开办公室地址和电话是什么", "云岭县政府信息公开的电话、传真和邮箱"])
    assert "府前路18号" in rows[0]["answer"] and "71253306" in rows[0]["answer"]
    assert all(x in rows[1]["answer"] for x in ("71253306", "71253308", "ylxzfgk@yunling.example"))
    assert rows[1]["source"]["agency"] == "云岭县人民政府"


def test_a_question_about_a_part_of_the_report_gets_that_part(tmp_path):
    path = HELDOUT / "reports" / "liaochuan-xian-shenjiju-2022.txt"
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    by_number, by_title = ask_many(["蓼川县审计局2022年年报第六部分写了啥", "蓼川审计局2022年存在的主要问题及改进情况讲了什么"])
    assert "未收取信息处理费" in by_number["answer"] and "六、其他需要报告的事项" in by_number["answer"]
    assert "2023年1月17日" not in by_number["answer"]  # the signature is not a sentence of the part
    assert "存在一些不足" in by_title["answer"] and "下一步" in by_title["answer"]


@pytest.mark.parametrize("fixture_set", ["heldout", "validation"])
def test_fixture_sets_are_consistent_with_their_reports(fixture_set):
    """Every expected string of the project's own QA sets occurs in its report; meta.txt lists every file."""
    folder = Path(__file__).parent / "fixtures"
    done = subprocess.run([sys.executable, str(folder / "check_qa.py"), str(folder / fixture_set)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# A crawler-style report written for this test: the whole body on one line, headings run together
# with their text, a table row's last figure run into the next heading.
RUN_TOGETHER_REPORT = (
    "青禾县档案局2021年政府信息公开工作年度报告\n"
    "本报告内容包括政府信息公开工作概述、主动公开情况、依申请公开情况、收费及减免情况、行政复议和行政诉讼情况、"
    "存在的主要问题和改进措施等。一、总体情况 2021年，我局共有信息公开平台两个，包括县政府网站档案局专栏和政务微信"
    "公众号。全年通过县政府门户网站、微信公众号等方式主动公开机构职能、工作动态等政府信息共57条，其中政府网站公开31条。"
    "全年未收取信息处理费。二、主动公开政府信息情况 第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购"
    "3120.50元三、收到和处理政府信息公开申请情况 本年度未收到政府信息公开申请。四、政府信息公开行政复议、行政诉讼情况 "
    "本年度未发生行政复议、行政诉讼。五、存在的主要问题及改进情况存在的问题主要有以下几个方面：一是公开内容不够丰富；"
    "二是更新不够及时。下一步，我局将加强培训。六、其他需要报告的事项 无其他需要报告的事项\n")


def test_run_together_headings_end_at_their_official_title(tmp_path):
    path = tmp_path / "qinghe-xian-danganju-2021.txt"
    path.write_text(RUN_TOGETHER_REPORT, encoding="utf-8")
    parsed = parse_report(extract_lines(path))
    assert parsed.sections == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                               "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    total, fee, part = ask_many(["山西青禾县档案局2021年总共主动公开了多少条信息",  # a province before the place
                                 "青禾县档案局2021年依申请公开收费吗",
                                 "青禾县档案局2021年年报第六部分写了啥"])
    assert "57条" in total["answer"]  # 主动公开 is not any 公开 (信息公开平台两个)
    assert "本报告内容包括" not in (fee["answer"] or "")  # the report listing its own parts answers nothing
    assert "无其他需要报告的事项" in part["answer"]


def test_a_question_how_something_was_done_is_not_answered_by_sub_headings(tmp_path):
    ingest_text(tmp_path / "qinghe-xian-danganju-2021.txt",
                "青禾县档案局2021年政府信息公开工作年度报告\n"
                "一、总体情况 2021年，我局共收到政府信息公开申请12件，办结10件。六、其他需要报告的事项 "
                "（一）信息处理费收取情况 本年度我局依据《政府信息公开信息处理费管理办法》按件计收信息处理费100元。"
                "（二）联系方式 电话：0000-1234567。\n")
    how, which = ask_many(["青禾县档案局2021年的信息处理费是按什么方式计收的", "青禾县档案局2021年其他需要报告的事项有哪几项"])
    assert "按件计收" in how["answer"]
    assert "（一）信息处理费收取情况；（二）联系方式" in which["answer"]  # the items asked: the sub-headings


def test_which_office_to_turn_to_is_a_contact_detail(tmp_path):
    path = tmp_path / "qinghe-xian-danganju-2021.txt"
    path.write_text("青禾县档案局2021年政府信息公开工作年度报告\n"
                    "一、总体情况 2021年，我局共收到政府信息公开申请12件，办结10件。我局主动公开政府信息35条。"
                    "六、其他需要报告的事项 如对本报告有任何疑问，请联系：县档案局综合业务科，联系电话：0000-1234567。\n",
                    encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    office, = ask_many(["对青禾县档案局的信息公开年报有疑问，应该找哪个处室？"])
    assert "综合业务科" in office["answer"]


def test_a_question_naming_two_years_is_answered_for_each(tmp_path):
    for year, received in ((2021, 12), (2022, 15)):
        path = tmp_path / f"qinghe-xian-danganju-{year}.txt"
        path.write_text(f"青禾县档案局{year}年政府信息公开工作年度报告\n"
                        f"一、总体情况 {year}年，我局共收到政府信息公开申请{received}件，均已按期答复。"
                        f"我局全年主动公开政府信息{received + 20}条。\n", encoding="utf-8")
        assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    both, = ask_many(["青禾县档案局2021年和2022年分别收到多少件信息公开申请"])
    assert "12件" in both["answer"] and "15件" in both["answer"]
    assert both["answer"].index("2021年度") < both["answer"].index("2022年度")


def _answerer(sentences: list[str]):
    from knowledge.answer import Answerer, Passage
    from knowledge.question import ReportRef

    passages = [Passage(i, 1, "sentence", "一、总体情况", "", text) for i, text in enumerate(sentences, 1)]
    return Answerer([ReportRef(id=1, agency="青禾县档案局", year=2021, title="")], passages)


def test_a_bigram_between_two_concept_words_weighs_no_more_than_an_unknown_one():
    from knowledge.answer import UNKNOWN_WEIGHT
    from knowledge.frame import parse_frame

    others = [f"第{i}批政府信息按期发布。" for i in range(1, 30)]
    answerer = _answerer(["全年未收取信息处理费。", "依法公开收费项目。", *others])
    frame = parse_frame("信息公开收费吗", answerer._strip_names)
    weights = {gram: weight for gram, weight, _ in answerer._weighted_terms(frame).items}
    assert answerer.index.idf_of("开收") > 4 * UNKNOWN_WEIGHT  # rare in the reports: it would weigh most
    assert weights["开收"] <= UNKNOWN_WEIGHT < weights["收费"]


def test_an_answer_clear_of_every_other_passage_needs_less_score():
    from knowledge.answer import ANSWER_THRESHOLD, _Cand
    from knowledge.frame import parse_frame

    answerer = _answerer(["全年未收取信息处理费。", "主动公开政府信息35条。", "收到申请12件。"])
    frame = parse_frame("收费了吗", answerer._strip_names)
    clear, close = [_Cand(0, 0.48, 0.5), _Cand(1, 0.2, 0.5)], [_Cand(0, 0.48, 0.5), _Cand(1, 0.4, 0.5)]
    assert answerer._threshold(frame, clear)[0] < 0.48 < answerer._threshold(frame, close)[0] == ANSWER_THRESHOLD


def test_the_command_line_says_which_named_year_has_no_report():
    from bot.texts import questions as texts

    path = HELDOUT / "reports" / "liaochuan-xian-shenjiju-2022.txt"
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    result = runner.invoke(app, ["ask", "蓼川审计局2022年和2021年分别收到几件信息公开申请"])
    assert result.exit_code == 0 and "12件" in result.stdout
    assert texts.YEARS_MISSING.format(years="2021") in result.stdout


def test_a_figure_in_another_unit_does_not_answer(tmp_path):
    ingest_text(tmp_path / "qinghe-xian-danganju-2021.txt",
                "青禾县档案局2021年政府信息公开工作年度报告\n"
                "一、总体情况 2021年，我局主动公开政府信息58条，其中财政预决算14条、工作动态44条。"
                "全年收到政府信息公开申请12件。\n")
    budget, = ask_many(["青禾县档案局2021年的财政预算是多少亿元"])
    assert "14条" not in (budget["answer"] or "")


def test_units_agree_only_within_one_class():
    from knowledge.frame import units_agree

    assert units_agree("件", "条") is True and units_agree("次", "场") is True
    assert units_agree("次", "件") is False  # 批次 lies in both classes; that does not join them
    assert units_agree("件", "个") is None and units_agree(None, "件") is None


def test_a_bigram_seen_in_one_passage_is_weak_evidence_of_a_word():
    from knowledge.frame import parse_frame

    others = [f"第{i}批政府信息按期发布。" for i in range(1, 30)]
    answerer = _answerer(["有人向本机关提出异议。", *[f"收到投诉{i}件。" for i in range(1, 6)], *others])
    frame = parse_frame("有人向你们投诉吗", answerer._strip_names)
    weights = {gram: weight for gram, weight, _ in answerer._weighted_terms(frame).items}
    once, five = answerer.index.idf_of("人向"), answerer.index.idf_of("投诉")
    assert weights["人向"] <= once / 2 + 1e-9  # 有人|向: seen once, half its rarity
    assert weights["投诉"] >= five * 5 / 6 - 1e-9


def test_cells_alike_do_not_push_the_narrative_out_of_the_candidates():
    from knowledge.answer import Answerer, Passage
    from knowledge.frame import parse_frame
    from knowledge.question import ReportRef

    cells = [Passage(i, 1, "cell", "四、政府信息公开行政复议、行政诉讼情况", "行政复议、行政诉讼情况", f"行政复议 · 结果{i}：0件",
                     "四、政府信息公开行政复议、行政诉讼情况", "行政复议", f"行政复议 · 处理结果{i}", "0", "件")
             for i in range(1, 21)]
    told = Passage(21, 1, "sentence", "四、政府信息公开行政复议、行政诉讼情况", "",
                   "全年被申请行政复议1件，申请人在审理期间撤回申请，复议机关终止审理。")
    answerer = Answerer([ReportRef(id=1, agency="青禾县档案局", year=2021, title="")], [*cells, told])
    frame = parse_frame("那件行政复议最后怎么处理的", answerer._strip_names)
    ranked = answerer._rank(frame, [1])
    assert any(answerer.passages[c.doc].text == told.text for c in ranked)


def test_how_a_case_ended_is_told_by_the_sentence_not_by_the_table(tmp_path):
    from tests import report_factory as rf

    text = rf.tab_text(rf.table3()).replace(
        "五、存在的主要问题及改进情况",
        "全年被申请行政复议7件，其中1件申请人在审理期间撤回申请，复议机关终止审理。\n五、存在的主要问题及改进情况")
    path = tmp_path / "lanyu-xian-jiaotongju-2023.txt"
    path.write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    how, count = ask_many(["岚屿县交通运输局2023年那几件行政复议最后怎么处理的", "岚屿县交通运输局2023年行政复议有几件"])
    assert "撤回" in how["answer"]
    assert "7件" in count["answer"]


def test_a_question_in_traditional_characters_gets_the_same_answer():
    from knowledge.conversation import Intent, classify
    from knowledge.text import to_simplified

    path = HELDOUT / "reports" / "liaochuan-xian-shenjiju-2022.txt"
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    simplified, traditional = ask_many(["蓼川县审计局2022年收到几件信息公开申请", "蓼川縣審計局2022年收到幾件信息公開申請"])
    assert traditional["answer"] == simplified["answer"] and "12件" in traditional["answer"]
    assert traditional["question"] == "蓼川縣審計局2022年收到幾件信息公開申請"  # logged as asked
    assert to_simplified("审计局著作干部") == "审计局著作干部"  # simplified text is left as it is
    assert classify("謝謝") == Intent.THANKS


def test_a_numbered_list_is_answered_whole(tmp_path):
    ingest_text(tmp_path / "qinghe-xian-danganju-2021.txt",
                "青禾县档案局2021年政府信息公开工作年度报告\n"
                "一、总体情况 全年主动公开政府信息58条。"
                "全年信息公开工作主要围绕以下几点进行：（一）完善公开制度；（二）推进网上问政；（三）加强保密审查。"
                "二、主动公开政府信息情况 我局在网站开设了“政策解读”专栏。\n")
    items, = ask_many(["青禾县档案局2021年信息公开工作主要抓了哪几件事"])
    assert all(item in items["answer"] for item in ("完善公开制度", "推进网上问政", "加强保密审查"))
    assert "政策解读" not in items["answer"]  # the list ends with its items


def test_numbered_items_are_recognised():
    from knowledge.lexicon import ENUMERATION, ITEM_MARK, LIST_HEAD

    assert ENUMERATION.search("主要围绕以下几点进行:(一)完善规程;(二)推进微博问政;(三)做好解读")
    assert ENUMERATION.search("一是加强培训，二是规范答复")
    assert not ENUMERATION.search("我局在网站开设了“政策解读”、“办事指南”两个专栏")
    assert LIST_HEAD.search("主要围绕以下几点进行：（一）完善公开制度；") and ITEM_MARK.match("（二）推进网上问政；")
    assert not ITEM_MARK.match("全年主动公开政府信息58条。")
