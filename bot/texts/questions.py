"""Texts for citizens' questions (CLI and chat)."""

EXAMPLES = "例如：「2023年主动公开了多少条政府信息」「2023年收到多少件信息公开申请」「信息公开办公室的电话是多少」。"
NOT_FOUND = {
    "near_miss": "没有找到该机关的年度报告，请核对机关名称。",
    "unknown_place": "没有找到该地区或机关的年度报告，请核对名称。",
    "unknown_agency": "没有找到该机关的年度报告。",
    "year_not_covered": "没有找到该机关该年度的年度报告。",
    "no_reports": "知识库中还没有年度报告。",
    "empty": "请输入您的问题。",
    "not_understood": "抱歉，没有看懂您的问题。请用中文描述您想了解的内容，" + EXAMPLES,
    "department_only": "已收录的只是该地区部门的年度报告，无法代表该地区政府的情况。",
}
NOT_CONFIDENT = "抱歉，没有在年度报告中找到确切答案。"
LOADED_HERE = "该地区已收录：{agencies}的年度报告。"
YEARS_LOADED = "已收录{agency}{years}年度的年度报告。"
RELATIVE_YEAR = "（“{word}”按{year}年理解）"
NO_REPORTS_CLI = "知识库中还没有年度报告，请先用 gongkai ingest 文件 导入年度报告。"
UNNAMED_AGENCY = "您没有指明机关，以下答复摘自{agency}的年度报告："
YEARS_MISSING = "（没有找到{years}年度的年度报告。）"


def not_found(note: str | None, resolution=None) -> str:
    """Why there is no answer, with what is loaded (years, agencies of the place) when known."""
    text = NOT_FOUND.get(note or "", NOT_CONFIDENT)
    if resolution is None:
        return text
    extra = []
    if note == "year_not_covered":
        if resolution.relative_year:
            text = text.rstrip("。") + RELATIVE_YEAR.format(word=resolution.relative_year,
                                                             year=resolution.years[0]) + "。"
        if resolution.available_years and len(resolution.agencies) == 1:
            years = "、".join(str(y) for y in resolution.available_years)
            extra.append(YEARS_LOADED.format(agency=resolution.agencies[0], years=years))
    if note in ("unknown_agency", "department_only") and resolution.suggestions:
        extra.append(LOADED_HERE.format(agencies="、".join(resolution.suggestions[:5])))
    return "".join([text, *extra])


# --- conversation (handlers/questions.py) -------------------------------------------------------

GREETING_REPLY = "您好！请直接发送您想了解的问题，" + EXAMPLES + "如需申请公开政府信息，请发送 /apply。"
THANKS_REPLY = "不客气！还有其他问题可以随时发送。"
HOW_TO_APPLY = (
    "申请政府信息公开，请发送 /apply 在线填写申请表，需要提供：申请人姓名或单位名称、身份证明、联系方式，"
    "以及所需信息的名称、文号或能够确定该信息的描述。提交后会告知收到申请的日期和答复期限。"
)
MY_APPLICATION_HINT = "查看您已提交申请的办理进度，请发送 /my。"


# --- Telegram chat (handlers/common.py, handlers/questions.py) ------------------------------


START = (
    "您好！这里是{office}政府信息公开咨询与申请服务。\n"
    "· 直接发送问题，我会从已公开的政府信息公开工作年度报告中查找答案并注明出处；\n"
    "· 发送 /apply 在线提交政府信息公开申请；\n"
    "· 发送 /my 查看您已提交申请的办理情况。\n"
    "发送 /help 查看全部命令。"
)
OFFICE_DEFAULT = "本机关"

HELP = (
    "可用命令：\n"
    "/start — 开始使用\n"
    "/help — 查看帮助\n"
    "/ask 问题 — 提问（也可直接发送问题）\n"
    "/apply — 提交政府信息公开申请\n"
    "/my — 查看我的申请\n"
    "/mydata — 查看本机关保存的我的个人信息\n"
    "/cancel — 取消当前操作\n"
    "示例问题：「2018年主动公开了多少条信息」"
)

# setMyCommands descriptions (shown in the Telegram menu; ≤ 256 chars each).
COMMANDS = {
    "start": "开始使用",
    "help": "查看帮助",
    "ask": "提问：查询年度报告中的信息",
    "apply": "提交政府信息公开申请",
    "my": "查看我的申请",
    "mydata": "查看我的个人信息",
    "cancel": "取消当前操作",
}

ASK_PROMPT = "请直接发送您的问题，例如：「2018年主动公开了多少条信息」。"
QUESTION_TOO_LONG = "问题过长，请精简到 {limit} 字以内后再发送。"
ANSWER = "{answer}\n\n来源：{source}"
ANSWER_NO_SOURCE = "{answer}"
SUGGESTIONS_INTRO = "您可能想了解以下内容，点击即可查看："
APPLY_HINT = "如需获取相关政府信息，可以点击「申请公开此信息」在线提交申请。"
APPLY_BUTTON = "申请公开此信息"
SERVICE_UNAVAILABLE = "问答服务暂时不可用，请稍后再试，或发送 /apply 直接提交申请。"
NON_TEXT = "目前只能处理文字消息。请直接发送您的问题，或发送 /help 查看帮助。"
UNKNOWN_COMMAND = "未识别的命令。发送 /help 查看可用命令。"
CANCELLED = "已取消。您可以继续提问，或发送 /apply 重新填写申请。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
TRUNCATED = "……（内容较长，已截断）"


# --- one answer, as the chat and the public web page show it ---------------------------------------

def names_its_source(text: str, source) -> bool:
    """The answer engine cites inline ("…（济宁市科学技术局 2018年度报告 · 一、…）"): such an answer
    already names its report, and the message must not name it a second time."""
    return f"{source.agency} {source.year}年度" in text


def missing_years(res) -> list[int]:
    """Years a question named (2021年和2019年…) that no report it may use covers."""
    if res is None or not res.named_year or len(res.years) < 2:
        return []
    covered = {r.year for r in res.reports}
    return [y for y in res.years if y not in covered]


def missing_years_note(res) -> str:
    """（没有找到2019年度的年度报告。） for the years named that no report covers; empty when none."""
    missing = missing_years(res)
    return YEARS_MISSING.format(years="、".join(map(str, missing))) if missing else ""


def render_answer(answer, max_suggestions: int = 3) -> tuple[str, list[str]]:
    """(message text, suggestion texts to offer) of an ``Answer`` (``knowledge.types``): the chat and the
    public web page say the same."""
    if answer.answer is not None:
        text = answer.answer
        res = answer.resolution
        if res is not None and not res.named_agency and len(res.agencies) > 1 and answer.source is not None:
            text = UNNAMED_AGENCY.format(agency=answer.source.agency) + "\n" + text
        if missing_years(res):
            text += "\n" + missing_years_note(res)
        if answer.source is not None and not names_its_source(answer.answer, answer.source):
            return ANSWER.format(answer=text, source=answer.source.cite()), []
        return ANSWER_NO_SOURCE.format(answer=text), []
    lines = [not_found(answer.note, answer.resolution)]
    suggestions = [s.text for s in answer.suggestions[:max_suggestions] if s.text]
    if suggestions:
        lines.append(SUGGESTIONS_INTRO)
        lines.extend(f"{i}. {text}" for i, text in enumerate(suggestions, 1))
    lines.append(APPLY_HINT)
    return "\n".join(lines), suggestions
