"""Texts for citizens' questions (CLI and chat)."""

NOT_FOUND = {
    "near_miss": "没有找到该机关的年度报告，请核对机关名称。",
    "unknown_place": "没有找到该地区或机关的年度报告，请核对名称。",
    "unknown_agency": "没有找到该机关的年度报告。",
    "year_not_covered": "没有找到该机关该年度的年度报告。",
    "no_reports": "知识库中还没有年度报告。",
    "empty": "请输入您的问题。",
}
NOT_CONFIDENT = "抱歉，没有在年度报告中找到确切答案。"


def not_found(note: str | None) -> str:
    return NOT_FOUND.get(note or "", NOT_CONFIDENT)


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
