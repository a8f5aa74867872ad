"""Texts for staff (queue, card, actions, reminders) and the notices applicants get about handling."""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts import personal as TP
from disclosure.choices import CONSULTATION_PARTIES

# --- applicant notices (sent by the bot to the applicant's chat) ---------------------------------

NOTIFY_CORRECTION = (
    "您的政府信息公开申请（编号 {number}）内容需要补正：\n{what}\n"
    "请于 {period_end} 前补正。逾期无正当理由不补正的，视为放弃申请。"
)
NOTIFY_CORRECTION_RECEIVED = "已收到您对申请（编号 {number}）的补正，答复期限为 {due}。"
NOTIFY_EXTENSION = (
    "您的政府信息公开申请（编号 {number}）需要延长答复期限，经批准延长 {days} 个工作日，"
    "新的答复期限为 {due}。延期理由：{reason}"
)
NOTIFY_CUSTOM_DEADLINE = "您的申请（编号 {number}）答复期限确定为 {due}（《条例》第三十五条）。理由：{reason}"
NOTIFY_CLOSED = "您的政府信息公开申请（编号 {number}）已办结：{outcome}。书面答复将按您选择的方式送达。"
NOTIFY_LAPSED = "您的申请（编号 {number}）逾期未补正，本机关不再处理该申请。"
NOTIFY_FEE = (
    "您的政府信息公开申请（编号 {number}）需缴纳信息处理费 {amount} 元（{basis}）。"
    "请于 {pay_by} 前缴纳；逾期未缴纳的，视为放弃申请。缴费期间不计入答复期限。"
)
FEE_BASIS_DEFAULT = "依据《政府信息公开信息处理费管理办法》，详见书面收费通知"
CORRECTION_WHAT_DEFAULT = "（详见书面补正告知书）"

# --- handling errors ------------------------------------------------------------------------------

ERR_NOT_FOUND = "未找到申请 {ref}。"
ERR_CLOSED = "申请 {number} 已办结，不能再变更。"
ERR_CONFLICT = "申请 {number} 刚被他人修改，请刷新后重试。"
ERR_EXT_TWICE = "申请 {number} 已延期过一次，依法只能延期一次。"
ERR_EXT_CAP = "延期不得超过 {cap} 个工作日（申请了 {days} 个）。"
ERR_EXT_DAYS = "延期天数须为正整数。"
ERR_EXT_LATE = "延期须在当前答复期限 {due} 之前作出（延期日期 {on}）。"
ERR_EXT_NO_DUE = "当前没有进行中的答复期限，不能延期。"
ERR_EXT_REASON = "延期须填写理由。"
ERR_NOT_APPROVER = "延期须由具有审批权限（approver）的工作人员批准：{approver} 无此权限。"
ERR_UNKNOWN_APPROVER = "未找到审批人 {approver}。"
ERR_OUTCOME = "未知的办理结果代码 {code}。"
ERR_BEFORE_RECEIPT = "日期 {on} 早于收到申请日期 {received}。"
ERR_DEADLINE = "期限规则不允许该操作：{error}"
ERR_PERIOD = "补正期限 {period_end} 须晚于告知日期 {on}。"
ERR_NO_CONSULTATION = "申请 {number} 没有进行中的征求意见。"
ERR_CONSULT_PARTY = "征求意见对象须为 {known}。"
ERR_ROLE = "未知角色 {role}，可用：{known}"
ERR_STAFF_NOT_FOUND = "工作人员 {id} 不存在"
ERR_FUTURE = "日期 {on} 晚于今天（{today}），不能登记尚未发生的事项。"
ERR_CLOSE_NO_CORRECTION = (
    "“逾期不补正”不能直接办结：须先告知补正，补正期限届满后用“逾期未补正”登记"
    "（gongkai applications correction-lapsed）。"
)
ERR_LAPSE_NO_REQUEST = "申请 {number} 没有待补正的补正告知，不能登记逾期未补正。"
ERR_LAPSE_PERIOD = "补正期限至 {end}，尚未届满（登记日期 {on}），期限届满后方可登记逾期未补正。"
ERR_FEE_NO_NOTICE = "申请 {number} 没有登记收费通知，不能以“逾期未缴纳信息处理费”办结。"
ERR_FEE_PAID = "申请 {number} 已于 {paid} 缴费，不能以“逾期未缴纳信息处理费”办结。"
ERR_FEE_WINDOW = "缴费期限至 {pay_by}，尚未届满（办结日期 {on}），期限届满后方可以“逾期未缴费”办结。"
ERR_FEE_AMOUNT = "收费金额不正确：{amount}（应为大于 0 的金额，单位元，最多两位小数）。"
ERR_CONSULT_REASON = (
    "征求意见 {start} 至 {end} 共 {days} 个工作日不计时，超过第三十二、三十四条规定的15个工作日"
    "（另加在途 {transit} 个工作日，至 {limit}）。请填写理由后再登记。"
)

# --- chat: queue and card ------------------------------------------------------------------------

QUEUE_EMPTY = "目前没有未办结的申请。"
QUEUE_HEADER = "未办结申请（按答复期限排序，共 {count} 件）："
QUEUE_LINE = "{number} · {status} · 期限 {due}（{left}）· {subject}"
LEFT_DAYS = "剩余 {n} 个工作日"
LEFT_TODAY = "今日到期"
LEFT_OVERDUE = "已逾期 {n} 个工作日"
LEFT_NONE = "期限暂停"
USAGE_APP = "用法：/app 申请编号，例如 /app 2026-0001"
USAGE_NOTE = "用法：/note 申请编号 备注内容"
NOTE_SAVED = "备注已记录。"

STATUS_LABELS = {
    "open": "办理中",
    "correction": "待补正",
    "consultation": "征求意见中",
    "fee": "待缴费",
    "closed": "已办结",
}

CARD = (
    "申请 {number}（{status}）\n"
    "申请人：{name}（{applicant_type}）\n"
    "证件：{id_type} {id_number}\n"
    "统一社会信用代码：{org_code}\n"
    "电话：{phone}　邮箱：{email}\n"
    "地址：{address}\n"
    "{personal}"
    "渠道：{channel}　收到日期：{receipt_date}\n"
    "所需信息：{description}\n"
    "文号：{doc_number}\n"
    "获取方式：{delivery_form} / {delivery_channel}\n"
    "适用规则：{regime}　答复期限：{due}{left}\n"
    "原答复期限：{original_due}　补正告知期限：{correction_notice_due}\n"
    "{provisional}"
    "办理记录：\n{history}"
)
CARD_PROVISIONAL = "⚠️ 暂定：期限涉及尚未导入官方安排的年份，已按法定节假日暂算（调休未知）。\n"
CARD_PAUSES = "不计时：\n{lines}\n"
CARD_TIMELINESS = "办结时效：{label}\n"
TIMELINESS_LABELS = {"on_time": "按时办结", "extended": "延期办结", "late": "逾期办结"}
HISTORY_WARNING = "  ⚠ {text}"
CARD_OUTCOME = "办理结果：{outcome}（{closed_date}）\n"
HISTORY_EMPTY = "（无）"
HISTORY_LINE = "· {on} {what}{by}"

EVENT_LABELS = {
    "correction_requested": "告知补正，期限至 {end}：{reason}",
    "correction_received": "收到补正",
    "correction_lapsed": "逾期未补正",
    "consultation": "开始征求意见（{party}）",
    "consultation_ended": "征求意见结束{why}",
    "fee_notice": "收费通知 {amount} 元，缴费期限 {end}",
    "fee_paid": "已缴费 {amount} 元",
    "extension": "延期 {days} 个工作日：{reason}",
    "custom_deadline": "确定答复期限 {end}（第三十五条）：{reason}",
    "closed": "办结：{outcome}",
    "note": "备注：{reason}",
}

BTN_CORRECTION = "补正"
BTN_CORRECTION_RECEIVED = "已收到补正"
BTN_CORRECTION_LAPSED = "逾期未补正"
BTN_CONSULT = "征求意见"
BTN_CONSULT_END = "结束征求意见"
BTN_EXTEND = "延期"
BTN_CLOSE = "办结"
BTN_NOTE = "备注"
BTN_FEE_PAID = "已缴费"
BTN_CONFIRM = "确认"
BTN_CANCEL = "取消"
BTN_THIRD_PARTY = "第三方"
BTN_AGENCY = "其他机关"
BTN_PERIOD = "{days} 日内"
BTN_EXT_DAYS = "{days} 个工作日"

CONSULT_PARTIES = CONSULTATION_PARTIES

ASK_CORRECTION_PERIOD = "请选择补正期限（自今日起的自然日）："
ASK_CORRECTION_WHAT = "请一次性写明需要补正的内容（将发送给申请人）："
ASK_CONSULT_PARTY = "请选择征求意见的对象："
ASK_EXT_DAYS = "请选择延期的工作日数（最多 {cap} 个，只能延期一次）："
ASK_EXT_REASON = "请输入延期理由（将告知申请人）："
ASK_OUTCOME = "请选择办理结果："
ASK_NOTE = "请输入备注内容（仅工作人员可见）："
ASK_CONSULT_REASON = "请输入征求意见超期的理由（将记入办理记录）："
DONE_WARNING = "⚠️ {text}"
CONFIRM_CLOSE = "确认以“{outcome}”办结申请 {number}？"
CANCELLED = "已取消。"
DONE = "已记录。{summary}"
DONE_DUE = "当前答复期限：{due}。"
DONE_NOTIFIED = "已通知申请人。"
DONE_NOT_NOTIFIED = "申请人未通过本机器人提交，请以书面方式告知。"
REFUSED = "抱歉，该操作仅限具有相应权限的工作人员使用。"

# --- reminders -----------------------------------------------------------------------------------

REMIND_HEADER = "⏰ 办理期限提醒"
PROVISIONAL_MARK = "（暂定）"
REMIND_DUE_IN = "· {number} 答复期限 {due}，剩余 {n} 个工作日。{subject}"
REMIND_DUE_TODAY = "· {number} 今日（{due}）到期，请及时答复。{subject}"
REMIND_OVERDUE = "· {number} 已超过答复期限 {due}（逾期 {n} 个工作日）。{subject}"
REMIND_CORRECTION_NOTICE = "· {number} 如需补正，须于 {due} 前一次性告知申请人（7 个工作日）。{subject}"
DIGEST = (
    "早安。今日待办（{today}）：未办结 {open} 件，其中今日到期 {today_count} 件，"
    "已逾期 {overdue} 件，{soon_days} 个工作日内到期 {soon} 件。"
)
DIGEST_LINE = "· {number} 期限 {due}（{left}）"
HOLIDAY_IMPORT = (
    "提醒：{year} 年的节假日安排尚未导入，跨年期限目前按周一至周五暂算。"
    "国务院办公厅通知发布后，请运行 gongkai holidays import 文件 导入。"
)

# --- command line ----------------------------------------------------------------------------------

CLI_STAFF_ADDED = "已设置工作人员 {id}：{roles}"
CLI_STAFF_REMOVED = "已移除工作人员 {id}"
CLI_STAFF_LEFT = "工作人员 {id} 现有角色：{roles}"
CLI_STAFF_EMPTY = "尚无工作人员。请设置 GONGKAI_STAFF_IDS 或运行 gongkai staff add。"
CLI_STAFF_LINE = "{id}\t{name}\t{roles}\t{source}{blocked}"
CLI_BLOCKED = "\t已屏蔽机器人"
CLI_NO_TOKEN = "未设置 GONGKAI_BOT_TOKEN，无法发送提醒（可用 --dry-run 预览）。"
CLI_SCAN = "提醒扫描 {today}：应发 {planned} 条，已发过 {already} 条，本次发送 {sent} 条，屏蔽 {blocked} 条，失败 {failed} 条。"
CLI_BAD_DATE = "日期格式应为 YYYY-MM-DD（也可写 2026/09/28 或 2026年9月28日）：{value}"
CLI_BAD_INSTANT = "时间格式应为 ISO 8601（如 2026-10-16T10:00+08:00）：{value}"
CLI_CHOICE = "{what} 须为以下之一：{choices}"
CLI_RECORDED = "已记录：{number} {what}。当前答复期限：{due}（状态：{status}）"
CLI_WARNING = "注意：{text}"
CLI_NOTIFY_WRITTEN = "请以书面方式告知申请人。"
CLI_NOTIFY_FAILED = "未能通过机器人通知申请人，请以书面方式告知。"
CLI_CORRECTION_ARGS = "请提供 --on 与 --until（或 --period-days）登记补正告知，或 --received 登记收到补正。"
CLI_CONSULT_ARGS = "请提供 --from（开始征求意见）或 --to（结束进行中的征求意见）。"
CLI_ADDED = "已登记申请 {number}（收到日期 {receipt_date}，答复期限 {due}）。"
CLI_LIST_EMPTY = "没有符合条件的申请。"
CLI_NO_NAME = "（未填写）"


# --- rendering (pure formatting, shared by the chat card and ``gongkai applications show``) -------

def _v(value) -> str:
    return "—" if value in (None, "") else str(value)


def left_label(days_left: int | None) -> str:
    if days_left is None:
        return LEFT_NONE
    if days_left > 0:
        return LEFT_DAYS.format(n=days_left)
    if days_left == 0:
        return LEFT_TODAY
    return LEFT_OVERDUE.format(n=-days_left)


def event_line(kind: str, on, end, days, reason, data: dict, actor, outcome_labels: dict[str, str]) -> str:
    template = EVENT_LABELS.get(kind)
    if kind == "received":
        what = "收到申请"
    elif template is None:
        what = kind
    else:
        what = template.format(
            end=_v(end), days=_v(days), reason=_v(reason),
            party=CONSULT_PARTIES.get((data or {}).get("party_kind"), "") + (
                f"：{data['party']}" if (data or {}).get("party") else ""),
            outcome=outcome_labels.get((data or {}).get("outcome"), _v((data or {}).get("outcome"))),
            amount=_v((data or {}).get("amount")), why=f"：{reason}" if reason else "",
        )
        if kind == "extension" and (data or {}).get("approver"):
            what += f"（批准：{data['approver']}）"
    by = f"（{actor}）" if actor else ""
    line = HISTORY_LINE.format(on=_v(on), what=what, by=by)
    for warning in (data or {}).get("warnings", []):
        line += "\n" + HISTORY_WARNING.format(text=str(warning).split(" / ")[0])
    return line


def _pauses(deadline) -> str:
    from bot.texts.calendar import pause_lines

    lines = pause_lines(deadline)
    return CARD_PAUSES.format(lines="\n".join(f"· {line}" for line in lines)) if lines else ""


def _personal_note(applicant, others: Sequence[str]) -> str:
    if applicant.erased:
        note = TP.CARD_ERASED.format(day=TP.local_day(applicant.erased_at))
    else:
        note = TP.CARD_MASKED if applicant.masked else ""
    if others:
        note += TP.CARD_SAME_APPLICANT.format(numbers="、".join(others))
    return note


def render_card(app, deadline, events, days_left: int | None, *, applicant, others: Sequence[str] = (),
                outcome_labels: dict[str, str], applicant_labels: dict[str, str],
                channel_labels: dict[str, str]) -> str:
    """The application card. ``applicant`` (``storage.personal.ApplicantData``): its personal data,
    masked or in full as the caller obtained it; ``others``: the numbers of the same applicant's
    other applications."""
    history = "\n".join(
        event_line(e.kind, e.on_date, e.end_date, e.days, e.reason, e.data, e.actor, outcome_labels) for e in events
    ) or HISTORY_EMPTY
    gone = TP.ERASED_VALUE if applicant.erased else "—"

    def personal(value) -> str:
        return gone if value in (None, "") else str(value)

    text = CARD.format(
        number=app.number, status=STATUS_LABELS.get(app.status, app.status), name=personal(applicant.name),
        applicant_type=applicant_labels.get(app.applicant_type, app.applicant_type),
        id_type=_v(applicant.id_type), id_number=personal(applicant.id_number), org_code=_v(applicant.org_code),
        phone=personal(applicant.phone), email=personal(applicant.email), address=personal(applicant.address),
        personal=_personal_note(applicant, others),
        channel=channel_labels.get(app.channel, app.channel), receipt_date=app.receipt_date,
        description=app.description, doc_number=_v(app.doc_number),
        delivery_form=_v(app.delivery_form), delivery_channel=_v(app.delivery_channel),
        regime=f"{deadline.regime}（{deadline.base_days} 个工作日）", due=_v(deadline.due),
        left=f"（{left_label(days_left)}）" if app.status != "closed" else "",
        original_due=_v(deadline.original_due), correction_notice_due=_v(deadline.correction_notice_due),
        provisional=(CARD_PROVISIONAL if deadline.provisional else "") + _pauses(deadline) + (
            CARD_TIMELINESS.format(label=TIMELINESS_LABELS[deadline.timeliness]) if deadline.timeliness else ""),
        history=history,
    )
    if app.outcome:
        text = text.replace("办理记录：", CARD_OUTCOME.format(
            outcome=outcome_labels.get(app.outcome, app.outcome), closed_date=_v(app.closed_date)) + "办理记录：", 1)
    return text

# The application card shows personal data: only in a private chat with the bot.
CARD_PRIVATE_ONLY = "为保护申请人个人信息，申请 {number} 的详情只在与机器人的私聊中显示，请私聊机器人发送 /app {number}。"

CARD_PRIVATE_ONLY_DESK = "办理台登录链接只在与机器人的私聊中发送，请私聊机器人发送 /desk。"

# Command menu shown to staff (in their private chats with the bot).
COMMANDS = {
    "queue": "待办申请（按答复期限排序）",
    "due": "即将到期和已逾期的申请",
    "app": "查看申请详情：/app 编号",
    "note": "添加办理备注：/note 编号 内容",
    "report": "年度统计报表：/report 年份",
    "stats": "实时办理统计",
    "desk": "网页办理台：获取一次性登录链接",
}
