"""Texts about applicants' personal data: keys, the access log, retention and erasure, ``/mydata``
(docs/personal-data.md)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from storage.config import TIMEZONE

# --- keys ---------------------------------------------------------------------------------------------
KEY_GENERATED = ("已生成个人信息加密密钥文件 {path}。请另行安全备份此文件（不要与数据库备份放在一起）："
                 "密钥丢失后，已加密的个人信息将无法恢复。")
ERR_NO_KEYS = "未配置个人信息加密密钥，无法读写申请人个人信息。"
ERR_KEY_MISSING = ("找不到个人信息加密密钥（{where}），{what}无法解密。"
                   "请恢复密钥文件或设置 GONGKAI_DATA_KEY；已存数据未作任何改动。")
KEY_MISSING_ROWS = "数据库中 {rows} 件申请的个人信息"
KEY_MISSING_ANY = "已加密的个人信息"
ERR_UNKNOWN_KEY = ("数据库中 {rows} 件申请的个人信息由密钥 {keys} 加密，当前配置的密钥（{where}）中没有它，无法解密。"
                   "请配置正确的密钥（GONGKAI_DATA_KEY 或密钥文件）；已存数据未作任何改动。")
ERR_TAMPERED = "个人信息（{field}）无法解密：密钥不符或数据已被改动。已存数据未作改动，请联系系统管理员。"
SEALED_FIELDS = {"application.name": "姓名", "application.id_number": "证件号码", "application.phone": "联系电话",
                 "application.email": "电子邮箱", "application.address": "通信地址",
                 "application.telegram_account": "Telegram 账号", "fsm.data": "填写中的申请表"}
ERR_KEY_FORMAT = "{where} 中的密钥格式不正确：应为 32 字节的 base64url 文本（可用 gongkai personal-data new-key 生成）。"
ERR_KEY_FILE_MISSING = "密钥文件 {path} 不存在。请恢复密钥文件，或更正 GONGKAI_DATA_KEY_FILE。"
ERR_KEY_FILE_UNREADABLE = "无法读取密钥文件 {path}（{reason}）。"
ERR_KEY_FILE_EMPTY = "密钥文件 {path} 中没有密钥。"
ERR_KEYS_NOT_EDITABLE = ("密钥由 GONGKAI_DATA_KEY 提供，程序不能改写：请用 gongkai personal-data new-key 生成新密钥，"
                         "放在 GONGKAI_DATA_KEY 的最前面（旧密钥保留在后面），重启机器人后再运行本命令。")
ERR_KEYS_IN_USE = "仍有 {rows} 件申请使用旧密钥 {keys}，不能移除：请先运行 gongkai personal-data rotate-key。"

# --- retention and erasure --------------------------------------------------------------------------------
ERR_RETENTION_YEARS = "保存期限应至少为 1 年（当前：{years}）。"
ERR_PURGE_WITHIN = ("{given} 晚于保存期限的截止日 {cutoff}（办结次年起保存 {years} 年）：尚在保存期限内的个人信息不能批量删除。"
                    "如本机关档案保管期限表规定的期限更短，请调整 GONGKAI_PERSONAL_DATA_RETENTION_YEARS。")
ERR_ERASE_REASON = "请用 --reason 写明删除依据（如申请人的书面请求及身份核验情况）。"
ERR_ERASE_OPEN = "申请 {number} 尚未办结，不能删除个人信息（答复需要联系方式）。请先办结。"
ERR_ERASED_ALREADY = "申请 {number} 的个人信息已于 {at} 删除。"

# --- the application card ----------------------------------------------------------------------------------
ERASED_VALUE = "（已删除）"
CARD_MASKED = "（个人信息已部分隐藏；查看完整信息将记入访问日志）\n"
CARD_ERASED = "（申请人个人信息已于 {day} 删除，统计数据不变）\n"
CARD_SAME_APPLICANT = "同一申请人的其他申请：{numbers}\n"
BTN_REVEAL = "显示完整个人信息"
REVEAL_PRIVATE_ONLY = "完整个人信息只在与机器人的私聊中显示。"

# --- gongkai personal-data ------------------------------------------------------------------------------
GROUP_HELP = "申请人个人信息：加密密钥、访问日志、保存期限届满删除。"
ACCESS_LOG_HELP = "查看个人信息访问日志：谁、何时、通过何种渠道查看或删除了哪件申请的个人信息。"
PURGE_HELP = "删除保存期限届满（办结次年起满设定年数）的申请的个人信息；统计数据不变。"
ERASE_HELP = "应申请人经核验的请求，删除一件已办结申请的个人信息（记入访问日志）。"
ROTATE_HELP = "轮换加密密钥：生成新密钥（密钥文件）并用它重新加密全部个人信息。"
NEW_KEY_HELP = "生成一把新密钥并输出（用于 GONGKAI_DATA_KEY）。"
STATUS_HELP = "个人信息的加密与保存情况：密钥来源、各密钥加密的申请数、已删除数、到期待删除数。"
OPT_APPLICATION = "只看这件申请（编号或 id）"
OPT_LIMIT = "最多显示最近的条数"
OPT_JSON = "以 JSON 输出"
OPT_CLOSED_BEFORE = "删除此日期之前办结的申请的个人信息（不得晚于保存期限截止日）"
OPT_DRY_RUN = "只列出将被删除的申请，不作改动"
OPT_REASON = "删除依据（如申请人书面请求及身份核验情况）"
OPT_RETIRE = "重新加密后从密钥文件中移除旧密钥（用旧密钥加密的备份将无法读取）"

ACTIONS = {"view": "查看完整信息", "self_view": "本人查看", "self_export": "本人导出", "erase": "依申请删除",
           "purge": "期满删除"}
CHANNELS = {"chat": "聊天", "cli": "命令行", "web": "网页", "scheduler": "定时任务"}
ACCESS_EMPTY = "访问日志中没有记录。"
ACCESS_LINE = "{at}\t{actor}\t{action}\t{channel}\t{number}\t{detail}"
PURGE_NONE = "没有保存期限届满（{cutoff} 之前办结）且尚未删除个人信息的申请。"
PURGE_DRY = "保存期限届满（{cutoff} 之前办结）、将删除个人信息的申请共 {count} 件：{numbers}"
PURGE_DONE = "已删除 {count} 件申请（{cutoff} 之前办结）的个人信息：{numbers}。统计数据不变。"
ERASED = "已删除申请 {number} 的个人信息，已记入访问日志。"
ROTATE_NEW_KEY = "已生成新密钥 {key}，写在密钥文件 {path} 的第一行（旧密钥保留在其后，用于读取旧备份）。"
ROTATE_ENV_HINT = ("密钥由 GONGKAI_DATA_KEY 提供：如需换用新密钥，请用 gongkai personal-data new-key 生成，"
                   "放在 GONGKAI_DATA_KEY 的最前面（旧密钥保留在后面），重启机器人后再运行本命令。")
ROTATE_DONE = "已用当前密钥 {key} 重新加密 {count} 件申请的个人信息。"
ROTATE_RETIRED = "已从密钥文件中移除旧密钥：{keys}。用这些密钥加密的旧备份将无法读取。"
STATUS_SOURCE = "密钥来源：{where}（当前密钥 {key}；共 {count} 把）"
STATUS_NO_KEY = "密钥来源：{where}（尚未生成：首次写入个人信息时生成）"
STATUS_SEALED = "已加密：{count} 件申请（密钥 {key}）"
STATUS_CLEAR = "未加密：{count} 件申请（打开数据库时会自动加密）"
STATUS_ERASED = "已删除个人信息：{count} 件申请"
STATUS_RETENTION = "保存期限：办结次年起 {years} 年；今天届满待删除：{due} 件（{cutoff} 之前办结）"

# --- /mydata ---------------------------------------------------------------------------------------------
MYDATA_EMPTY = "本机关没有保存与您的账号关联的申请和个人信息。"
MYDATA_HEADER = "本机关为办理您的政府信息公开申请保存了以下个人信息（{how}）："
MYDATA_MASKED = "部分隐藏，以防他人看到屏幕"
MYDATA_FULL = "完整信息"
MYDATA_ITEM = ("申请 {number}（{status}，收到：{receipt_date}）\n"
               "  姓名/名称：{name}\n  证件：{id_type} {id_number}\n  统一社会信用代码：{org_code}\n"
               "  电话：{phone}\n  邮箱：{email}\n  地址：{address}")
MYDATA_ITEM_ERASED = "申请 {number}（{status}，收到：{receipt_date}）\n  个人信息已于 {day} 删除。"
MYDATA_FOOTER = ("用途：办理并答复您的申请。保存期限：申请办结次年起 {years} 年，届满后删除（申请内容和统计数据保留）。"
                 "如需更正或删除，请向本机关提出书面请求。")
BTN_MYDATA_FULL = "显示完整信息"
BTN_MYDATA_EXPORT = "导出为文件"
MYDATA_EXPORT_NAME = "我的个人信息.json"
MYDATA_EXPORT_CAPTION = "您在本机关保存的个人信息（副本）。"
MYDATA_PRIVATE_ONLY = "为保护您的个人信息，请在与机器人的私聊中发送 /mydata。"
MY_HINT = "查看本机关保存的您的个人信息：/mydata"
# keys of the exported file (the applicant's copy, art. 45)
EXPORT_FIELDS = {
    "number": "申请编号", "status": "状态", "receipt_date": "收到申请日期", "closed_date": "办结日期",
    "applicant_type": "申请人类型", "name": "姓名/名称", "id_type": "证件类型", "id_number": "证件号码",
    "org_code": "统一社会信用代码", "phone": "联系电话", "email": "电子邮箱", "address": "通信地址",
    "description": "所需信息", "delivery_form": "获取方式", "delivery_channel": "获取途径",
    "erased_at": "个人信息删除时间",
}


def local_day(instant):
    """The date in Beijing of an aware instant (when personal data was erased)."""
    return instant.astimezone(ZoneInfo(TIMEZONE)).date()


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


def own_data_text(items, *, full: bool, years: int, status_labels: dict[str, str],
                  id_type_labels: dict[str, str]) -> str:
    """``/mydata``: ``items`` = [(application, ApplicantData)] as ``storage.personal.own_personal_data``
    returns them (masked or in full)."""
    lines = [MYDATA_HEADER.format(how=MYDATA_FULL if full else MYDATA_MASKED)]
    for app, who in items:
        status = status_labels.get(app.status, app.status)
        if who.erased:
            lines.append(MYDATA_ITEM_ERASED.format(number=app.number, status=status, receipt_date=app.receipt_date,
                                                   day=local_day(who.erased_at)))
            continue
        lines.append(MYDATA_ITEM.format(
            number=app.number, status=status, receipt_date=app.receipt_date, name=_shown(who.name),
            id_type=id_type_labels.get(who.id_type or "", _shown(who.id_type)), id_number=_shown(who.id_number),
            org_code=_shown(who.org_code), phone=_shown(who.phone), email=_shown(who.email),
            address=_shown(who.address)))
    lines.append(MYDATA_FOOTER.format(years=years))
    return "\n\n".join(lines)
