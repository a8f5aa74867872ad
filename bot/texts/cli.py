"""Texts of the ``gongkai`` command line itself: error lines, ``gongkai status``, ``gongkai outcomes``,
``gongkai ask`` prompts. (Each area's command texts stay in its own module.)"""

from __future__ import annotations

APP_HELP = "gongkai：政府信息公开咨询与申请办理（年度报告问答、依申请公开办理、期限提醒、年度统计表）。每个命令都可加 --help 查看说明。"
# Headings of the help pages (typer's own words, replaced by name).
HELP_HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
}
HELP_OPTION = "显示本说明并退出。"

# --- errors (one line on stderr; exit status 1, usage errors 2) -------------------------------------
ERROR = "错误：{message}"
USAGE_HINT = "（用 {command} --help 查看用法）"
USAGE_MISSING_OPTION = "缺少选项 {name}"
USAGE_MISSING_ARGUMENT = "缺少参数 {name}"
USAGE_NO_SUCH_OPTION = "没有选项 {name}"
USAGE_NO_SUCH_OPTION_DID_YOU_MEAN = "没有选项 {name}，是否想用 {possibilities}？"
USAGE_OPTION_NEEDS_VALUE = "选项 {name} 需要一个值"
USAGE_BAD_VALUE = "{name} 的值无效：{reason}"
USAGE_NO_SUCH_COMMAND = "没有命令 {name}"
USAGE_EXTRA_ARGUMENTS = "多余的参数：{args}"
USAGE_OTHER = "用法有误：{detail}"
TYPE_REASON = {
    "integer": "应为整数",
    "float": "应为数字",
    "boolean": "应为 true 或 false",
    "choice": "可选值：{choices}",
    "path": "路径不存在或不可用",
}

INVALID_INPUT = "输入不符合要求：{details}"
INVALID_SETTING = "配置有误（环境变量或 .env 文件）：{details}"
FIELD_REASON = {
    "missing": "必须填写",
    "string_too_short": "不能为空",
    "string_too_short_n": "至少 {min_length} 个字",
    "string_too_long": "不能超过 {max_length} 个字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 YYYY-MM-DDTHH:MM",
    "literal_error": "可选值：{expected}",
    "enum": "可选值：{expected}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
}
FIELD_REASON_OTHER = "格式不正确"
VALUE_ERRORS = {"must not be blank": "不能为空"}
FIELD_LABELS = {
    "applicant_type": "申请人类型（--applicant）",
    "name": "申请人姓名或名称（--name）",
    "description": "所需信息（--subject）",
    "org_code": "统一社会信用代码（--org-code）",
    "id_type": "证件类型（--id-type）",
    "id_number": "证件号码（--id-number）",
    "phone": "联系电话（--phone）",
    "email": "电子邮箱（--email）",
    "address": "通信地址（--address）",
    "doc_number": "文号（--doc-number）",
    "delivery_form": "获取信息的形式（--delivery-form）",
    "delivery_channel": "获取信息的方式（--delivery-channel）",
    "submitted_at": "收到申请时间（--received）",
}

FILE_ERROR = "无法读写 {path}：{reason}"
OS_REASON = {
    "ENOENT": "文件夹或文件不存在",
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "EISDIR": "这是一个文件夹",
    "ENOTDIR": "路径中有一项不是文件夹",
    "ENOSPC": "磁盘空间不足",
    "EROFS": "文件系统为只读",
    "EEXIST": "文件已存在",
    "ECONNREFUSED": "连接被拒绝（数据库服务是否已启动？）",
    "ETIMEDOUT": "连接超时",
    "EHOSTUNREACH": "无法连接到主机",
}
DATABASE_ERROR = "无法访问数据库 {url}：{reason}"
INTERRUPTED = "已中断。"
INTERNAL_ERROR = "程序内部错误（{kind}：{detail}）。请把这行信息告知技术支持；设置 GONGKAI_DEBUG=1 可显示详细信息。"

# --- gongkai status -------------------------------------------------------------------------------------
STATUS_DATA_FILE = "数据文件：{path}"
STATUS_DATA_FILE_MISSING = "数据文件：{path}（尚未创建：第一次导入或登记数据时创建）"
STATUS_DATABASE = "数据库：{url}"
STATUS_SCHEMA = "数据库结构版本：{revision}"
STATUS_SCHEMA_OLD = "数据库结构版本：{revision}（将在下次写入时升级到 {head}）"
STATUS_SCHEMA_NONE = "数据库结构版本：尚未建立（最新为 {head}）"
STATUS_REPORTS = "年度报告：{count} 份，{agencies} 个机关"
STATUS_REPORTS_NONE = "年度报告：尚未导入（用 gongkai ingest 文件… 导入）"
STATUS_REPORT_LINE = "  {agency}：{years}"
STATUS_APPLICATIONS = "依申请公开申请：共 {total} 件（{parts}）"
STATUS_APPLICATIONS_NONE = "依申请公开申请：尚无"
STATUS_APPLICATION_PART = "{label} {count} 件"
STATUS_CALENDAR = "节假日安排：正式 {official}；内置数据 {packaged}；其他年份暂定（按周一至周五为工作日计算）"
STATUS_CALENDAR_IMPORTED = "  已导入：{years}"
STATUS_NONE = "无"
STATUS_HOME_AGENCY = "本机关（GONGKAI_HOME_AGENCY）：{agency}"

# --- gongkai outcomes -----------------------------------------------------------------------------------
OUTCOMES_HEADER = "代码\t办理结果\t2021/2019 年表三行\t2019 年以前统计表行"
OUTCOMES_NO_LEGACY_ROW = "（只计入申请答复总数）"

# --- gongkai ingest, gongkai reports ----------------------------------------------------------------------
INGEST_STATUS = {"added": "已导入", "replaced": "已更新", "unchanged": "未变化"}
INGEST_LINE = "{status}\t{agency}\t{year}\t正文 {passages} 条\t表格单元格 {cells} 个\t{name}"
INGEST_WARNINGS = "\t注意：{warnings}"
INGEST_ERROR = "错误：{path}：{reason}"
INGEST_NOTHING = "未导入任何文件，知识库保持不变。"
INGEST_BAD_YEAR = "年度 {year} 不合理"
REPORTS_NONE = "知识库中还没有年度报告。用 gongkai ingest FILE 导入。"
REPORTS_REMOVE_USAGE = "请指定报告编号，或同时指定 --agency 和 --year"
REPORTS_REMOVE_NONE = "没有找到要删除的报告"
REPORTS_REMOVED = "已删除\t{id}\t{agency}\t{year}"

# --- gongkai ask ----------------------------------------------------------------------------------------
ASK_NO_REPORTS = "知识库中还没有年度报告：请先用 gongkai ingest 文件… 导入年度报告，再提问。"
ASK_INTERACTIVE = "请输入问题，回车后作答；空行或 Ctrl-D 结束。"
ASK_PROMPT = "问题> "
ASK_EMPTY = "问题为空"

# --- gongkai questions --------------------------------------------------------------------------------
QUESTIONS_HEADER = "提问时间（北京时间）\t渠道\t状态\t得分\t问题"
QUESTIONS_NONE = "没有记录。"
QUESTION_ANSWERED = "已答"
QUESTION_UNANSWERED = "未答"
QUESTION_CHANNELS = {"cli": "命令行", "telegram": "Telegram", "console": "控制台"}
