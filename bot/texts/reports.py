"""Texts of the statistics area: /report, /stats, report and case commands, ledger import."""

from __future__ import annotations

from typing import Any

# --- report -----------------------------------------------------------------------------------
REPORT_USAGE = "用法：/report 年份，例如 /report 2026"
REPORT_BAD_YEAR = "年份格式不正确，请输入四位年份，例如 /report 2026。"
REPORT_BAD_FORMAT = "报表格式不正确：{fmt}。可选：2021（现行格式）、2019（试行格式）、legacy（2019年以前统计表）。"
REPORT_BAD_SUFFIX = "不支持的导出文件类型：{suffix}。可选：.xlsx、.docx、.md、.png。"
REPORT_BAD_CASES_BY = "案件统计口径不正确：{value}。可选：filing（按立案年度）、decision（按审结年度）。"
REPORT_INVARIANT = "统计数据校验未通过，报表未生成，请核对以下数据：\n{details}"
REPORT_WRITTEN = "已生成：{path}"
REPORT_NO_FOLDER = "文件夹 {folder} 不存在，请先创建或换一个位置。"
REPORT_HEADER = "{year}年度 表三 收到和处理政府信息公开申请情况（单位：件）"
REPORT_ROW = "{label}：{total}"
REPORT_ROW_SPLIT = "{label}：{total}（{parts}）"
REPORT_TIMELINESS = "办结时效：按时办结 {on_time} 件，延期办结 {extended} 件，逾期办结 {late} 件。"
REPORT_TABLE4 = "表四 行政复议 {review} 件，行政诉讼 {lit} 件（尚未审结 {pending} 件）。"
REPORT_FILES_CAPTION = "{year}年度统计表（{kind}）"
REPORT_CHART_CAPTION = "{year}年 每月申请数与办理结果构成"
REPORT_FILE_STEM = "政府信息公开统计表_{year}_{fmt}"
CHART_FILE_STEM = "申请情况图_{year}"

# the chart (bot/exports.py render_chart)
CHART_MONTH = "{month}月"
CHART_RECEIVED_AXIS = "申请数（件）"
CHART_RECEIVED_TITLE = "{year}年 每月收到申请数（按渠道）"
CHART_CHANNEL_LEGEND = "申请渠道"
CHART_NO_CLOSED = "本年度暂无办结申请"
CHART_CLOSED_AXIS = "办结数（件）"
CHART_OUTCOMES_TITLE = "{year}年 办理结果构成"

SHORT_COLUMN = {
    "natural_person": "自然人",
    "org_business": "商业企业",
    "org_research": "科研机构",
    "org_public_welfare": "公益组织",
    "org_legal_service": "法律服务",
    "org_other": "其他",
}

# --- /stats --------------------------------------------------------------------------------------
STATS = (
    "📊 实时统计（{today}）\n"
    "在办申请：{open} 件\n"
    "本周到期：{due_this_week} 件\n"
    "已逾期未办结：{overdue} 件\n"
    "今年按期办结率：{rate}（已办结 {closed_this_year} 件，其中延期 {extended} 件、逾期 {late} 件）\n"
    "本月未能解答的咨询：{unanswered_questions_this_month} 条"
)
STATS_NO_RATE = "暂无办结"

# --- cases ---------------------------------------------------------------------------------------
CASE_ERR_KIND = "案件类型不正确：{kind}。可选：{known}。"
CASE_ERR_RESULT = "审结结果不正确：{result}。可选：{known}。"
CASE_ERR_NOT_FOUND = "未找到编号为 {id} 的案件。"
CASE_ERR_CLOSED = "案件 {id} 已审结（结果：{result}），不能重复登记。"
CASE_ERR_DATE = "审结日期 {decided} 早于立案日期 {filed}，请核对。"
CASE_ERR_APP = "未找到关联的申请：{ref}。"
CASE_ADDED = "已登记案件 {id}：{kind}，立案日期 {filed}。"
CASE_CLOSED = "案件 {id} 已审结：{result}，审结日期 {decided}。"
CASE_NONE = "没有符合条件的案件。"
CASE_LINE = "{id}\t{kind}\t立案 {filed}\t{status}\t{app}"
CASE_PENDING = "尚未审结"

# --- ledger import ---------------------------------------------------------------------------------
LEDGER_READ_ERROR = "无法读取台账文件 {path}：{error}"
LEDGER_BAD_SUFFIX = "台账文件须为 .xlsx 或 .csv：{path}"
LEDGER_EMPTY = "台账文件没有数据行：{path}"
LEDGER_MISSING_COLUMNS = "台账缺少必填列：{columns}。可用 gongkai applications template 获取模板。"
LEDGER_UNKNOWN_COLUMNS = "台账含有无法识别的列：{columns}（已忽略）。"
LEDGER_ROW_ERRORS = "台账有 {count} 处错误，未导入任何数据：\n{details}"
LEDGER_ROW_ERROR = "第 {row} 行：{message}"
LEDGER_IMPORTED = "已导入 {count} 件申请（{first} 至 {last}）。"
LEDGER_TEMPLATE_WRITTEN = "已生成台账模板：{path}"

ERR_REQUIRED = "“{column}”不能为空"
ERR_DATE = "“{column}”不是有效日期：{value}（应为 YYYY-MM-DD）"
ERR_CHOICE = "“{column}”的值“{value}”无法识别，可填：{known}"
ERR_CLOSED_NO_OUTCOME = "已填写办结日期，但未填写“办理结果”"
ERR_OUTCOME_NO_CLOSED = "已填写“办理结果”，但未填写办结日期"
ERR_CLOSED_BEFORE_RECEIPT = "办结日期 {closed} 早于收到申请日期 {receipt}"
ERR_DUE_BEFORE_RECEIPT = "答复期限 {due} 早于收到申请日期 {receipt}"
ERR_EXTENDED_DUE = "延期后答复期限 {due} 早于原答复期限 {original}"
ERR_DUPLICATE_NUMBER = "编号 {number} 重复（已存在或与第 {other} 行重复）"
ERR_DEADLINE = "期限规则不允许：{error}"
ERR_BAD_INT = "“{column}”应为整数：{value}"
ERR_EXTENSION_DAYS_MISSING = "“是否延期”为“是”，但未填写“延期工作日数”"
ERR_DUE_MISMATCH = "“{column}”{typed} 与按工作日历计算的 {computed} 不一致（如有补正、征求意见或缴费，请填写相应列）"
ERR_NEEDS = "填写了{column}，但未填写“{needs}”"
ERR_OUTCOME_NEEDS = "填写了办理结果“{outcome}”，但未填写“{needs}”"
# 办理结果 named in ERR_OUTCOME_NEEDS (by outcome code)
LEDGER_OUTCOME_NAMES = {"other_no_correction": "逾期不补正", "other_fee_unpaid": "逾期未缴纳信息处理费"}
LEDGER_OUTCOME_KNOWN = "见模板“办理结果”清单"
ERR_CLOSED_FUTURE = "办结日期 {closed} 晚于今天（{today}）"


def format_table3_message(tables: Any) -> str:
    """Table 三 as a short chat message: each non-empty row with its total and applicant split."""
    from disclosure.tables import APPLICANT_COLUMNS, table3_rows

    entries: list[tuple[int, bool, str]] = []  # (level, is group label, text)
    for r in table3_rows(tables.format):
        indent = "\u3000" * r.level
        if not r.data:
            entries.append((r.level, True, indent + r.label))
            continue
        cells = tables.table3[r.key]
        always = r.key in ("new_received", "carried_in", "r_total", "carried_out")
        if not cells["total"] and not always:
            continue
        label = indent + r.label.split("（区分处理")[0]
        parts = [f"{SHORT_COLUMN[c]} {cells[c]}" for c in APPLICANT_COLUMNS if cells[c]]
        text = (REPORT_ROW_SPLIT.format(label=label, total=cells["total"], parts="，".join(parts)) if parts
                else REPORT_ROW.format(label=label, total=cells["total"]))
        entries.append((r.level, False, text))
    lines = [REPORT_HEADER.format(year=tables.year)]
    for i, (level, group, text) in enumerate(entries):
        if group:
            # keep a group label only if a data row below it follows before the group ends
            following = next((e for e in entries[i + 1:] if not e[1] or e[0] <= level), None)
            if following is None or following[1] or following[0] <= level:
                continue
        lines.append(text)
    tm = tables.extras.get("timeliness")
    if tm:
        lines.append(REPORT_TIMELINESS.format(**tm))
    t4 = tables.table4
    if t4:
        lines.append(REPORT_TABLE4.format(
            review=t4["review_total"], lit=t4["lit_direct_total"] + t4["lit_after_review_total"],
            pending=t4["review_pending"] + t4["lit_direct_pending"] + t4["lit_after_review_pending"]))
    lines.extend(tables.footnotes())
    return "\n".join(lines)


def format_stats(stats: dict[str, Any]) -> str:
    rate = stats.get("on_time_rate")
    return STATS.format(**{**stats, "rate": f"{rate:.1%}" if rate is not None else STATS_NO_RATE})


# --- chat /report (handlers/reports.py) ------------------------------------------------------------
REPORT_YEAR_RANGE = "年份超出范围：请输入 {first} 至 {last} 年之间的年份，例如 /report {last}。"
REPORT_CHAT_INVARIANT = "统计数据校验未通过，报表未生成。请核对以下数据后再试：\n{details}"
