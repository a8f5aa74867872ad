"""Texts of the working-day calendar and the deadline explanation (staff-facing, CLI and bot)."""

from datetime import timedelta

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

REGIME_LABEL = {
    "2019": "2019年修订条例（{days}个工作日，可延长不超过20个工作日）",
    "2007": "2007年条例（{days}个工作日，可延长不超过15个工作日）",
}

STATE_LABEL = {
    "running": "计时中",
    "awaiting_correction": "等待补正（暂停计时）",
    "awaiting_fee": "等待缴纳信息处理费（暂停计时）",
    "closed": "已办结",
    "lapsed": "逾期未补正，视为撤回",
}

SOURCE_LABEL = {
    "official": "正式（已录入国务院办公厅通知）",
    "packaged": "内置数据（chinese_calendar）",
    "provisional": "暂定（无官方通知：已按《全国年节及纪念日放假办法》预先计算法定节假日，调休安排未知）",
}

RECEIVED = "收到申请日：{date}（{weekday}）"
CLOCK_START = "起算日：{date}（{weekday}）"
REGIME = "适用：{label}"
STATE = "状态：{label}"
DUE = "答复期限：{date}（{weekday}）"
DUE_NONE = "答复期限：暂停计时，待收到补正或缴费后重新计算"
ORIGINAL_DUE = "原答复期限：{date}（{weekday}）"
EXTENDED = "延长：{days}个工作日"
CUSTOM_DUE = "另行确定的期限（第三十五条）：{date}"
PAUSED = "不计时：{days}个工作日"
PAUSE_CONSULTATION = "征求意见：{start} 至 {end}，{days}个工作日不计时（15个工作日答复期含在途至 {limit}）{flag}"
PAUSE_FEE = "信息处理费：{start} 发出收费通知，缴费期限 {limit}，{paid}"
PAUSE_FEE_PAID = "{end} 缴费，{days}个工作日不计时"
PAUSE_FEE_UNPAID = "尚未缴费"
PAUSE_OPEN = "尚未结束"
PAUSE_OVER = "⚠ 超过法定期限"
TIMELINESS_LABEL = {"on_time": "按时办结", "extended": "延期办结", "late": "逾期办结"}
TIMELINESS = "办结时效：{label}"
WARNING = "⚠ {text}"
CONSULTATION_OPEN = "征求意见尚未结束，暂按15个工作日答复期估算。"
CORRECTION_NOTICE_DUE = "补正告知期限：{date}（{weekday}）"
CORRECTION_DUE = "补正期限截止：{date}"
SKIPPED = "跳过的非工作日："
SKIPPED_NONE = "跳过的非工作日：无"
PROVISIONAL = (
    "⚠ 暂定：{years}年节假日安排尚未录入，期限按预先计算的法定节假日暂算（调休未知），"
    "请勿作为最终期限告知申请人。请用 gongkai holidays import 录入官方安排。"
)

HOLIDAYS_YEAR = "{year}年：{label}"
HOLIDAYS_SOURCE_FILE = "来源：{source}"
HOLIDAYS_NONE = "（本年没有节假日或调休数据）"
HOLIDAYS_HOLIDAY = "{date}（{weekday}）放假 {name}"
HOLIDAYS_WORKDAY = "{date}（{weekday}）调休上班"
HOLIDAYS_IMPORTED = "已录入 {years} 年节假日安排（正式）。"
HOLIDAYS_RECOMPUTE_NONE = "未处理完毕的申请答复期限均无变化。"
HOLIDAYS_RECOMPUTE_CHANGED = "以下申请的答复期限已重新计算："
HOLIDAYS_REDERIVED = "以下已办结申请的办结时效按正式安排重新认定："
HOLIDAYS_RECOMPUTE_ROW = "  {number}：{old} → {new}"
HOLIDAYS_RECOMPUTE_UNAVAILABLE = "（申请办理模块不可用，未重新计算答复期限。）"
HOLIDAYS_EMPTY_FILE = "文件中没有任何日期。"

NEXT_YEAR_MISSING = "请录入{year}年节假日安排（国务院办公厅通知），否则{year}年的答复期限只能暂定。"

ERR_DATE = "无效日期 {value!r}（{what}），格式应为 YYYY-MM-DD（也可写 2026/09/28 或 2026年9月28日）"
ERR_PAUSE = "无效的征求意见期间 {value!r}，格式应为 开始:结束，例如 2026-09-21:2026-09-30"
ERR_PAUSE_ORDER = "征求意见结束日 {end} 早于开始日 {start}"
ERR_FILE = "无法读取文件 {path}：{error}"
ERR_IMPORT = "节假日文件有误，未导入任何数据："
ERR_YEAR = "无效年份 {value}"


def pause_lines(dl) -> list[str]:
    """Each consultation and fee pause, as shown in the deadline explanation."""
    out = []
    for p in dl.pauses:
        if p.kind == "fee":
            paid = PAUSE_FEE_PAID.format(end=p.end, days=p.working_days) if p.end else PAUSE_FEE_UNPAID
            out.append(PAUSE_FEE.format(start=p.start, limit=p.limit, paid=paid))
        else:
            out.append(PAUSE_CONSULTATION.format(start=p.start, end=p.end or PAUSE_OPEN, days=p.working_days,
                                                   limit=p.limit, flag=PAUSE_OVER if p.over_limit else ""))
    return out


def _wd(d) -> str:
    return WEEKDAYS[d.weekday()]


def skipped_runs(days) -> list[str]:
    """Consecutive days with the same name collapsed: "2026-10-01～10-07 国庆节"."""
    out: list[str] = []
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1][1] == days[i][1] and days[j + 1][0] - days[j][0] == timedelta(days=1):
            j += 1
        first, last, name = days[i][0], days[j][0], days[i][1]
        span = first.isoformat() if first == last else f"{first.isoformat()}～{last.strftime('%m-%d')}"
        out.append(f"{span} {name}")
        i = j + 1
    return out


def deadline_lines(dl) -> list[str]:
    """The deadline explained line by line (``gongkai deadline``, the desk's application page)."""
    lines = [RECEIVED.format(date=dl.received, weekday=_wd(dl.received))]
    if dl.clock_start != dl.received:
        lines.append(CLOCK_START.format(date=dl.clock_start, weekday=_wd(dl.clock_start)))
    lines.append(REGIME.format(label=REGIME_LABEL[dl.regime].format(days=dl.base_days)))
    lines.append(STATE.format(label=STATE_LABEL.get(dl.state, dl.state)))
    if dl.due is None:
        lines.append(DUE_NONE)
    else:
        lines.append(DUE.format(date=dl.due, weekday=_wd(dl.due)))
        if dl.original_due is not None and dl.original_due != dl.due:
            lines.append(ORIGINAL_DUE.format(date=dl.original_due, weekday=_wd(dl.original_due)))
    if dl.extended_days:
        lines.append(EXTENDED.format(days=dl.extended_days))
    if dl.custom_due is not None:
        lines.append(CUSTOM_DUE.format(date=dl.custom_due))
    if dl.paused_days:
        lines.append(PAUSED.format(days=dl.paused_days))
    lines.extend(pause_lines(dl))
    if dl.consultation_open:
        lines.append(CONSULTATION_OPEN)
    if dl.correction_notice_due is not None:
        lines.append(CORRECTION_NOTICE_DUE.format(date=dl.correction_notice_due, weekday=_wd(dl.correction_notice_due)))
    if dl.correction_due is not None:
        lines.append(CORRECTION_DUE.format(date=dl.correction_due))
    if dl.skipped:
        lines.append(SKIPPED)
        lines.extend(f"  {item}" for item in skipped_runs(dl.skipped))
    elif dl.due is not None:
        lines.append(SKIPPED_NONE)
    if dl.timeliness is not None:
        lines.append(TIMELINESS.format(label=TIMELINESS_LABEL[dl.timeliness]))
    lines.extend(WARNING.format(text=w) for w in dl.warnings)
    if dl.provisional:
        lines.append(PROVISIONAL.format(years="、".join(str(y) for y in dl.provisional_years)))
    return lines
