"""Texts of the web pages (``web/``): the staff desk (办理台) and the public page.

The templates in ``web/templates/`` hold only markup: every word a visitor reads is here (or in the
area modules the chat shares: ``applications``, ``staff``, ``calendar``, ``questions``, ``reports``).
"""

from __future__ import annotations

LANG = "zh-CN"

# --- common ----------------------------------------------------------------------------------------
SITE_PUBLIC = "{office}政府信息公开"
SITE_DESK = "{office}政府信息公开办理台"
OFFICE_DEFAULT = "本机关"
SKIP_TO_CONTENT = "跳到正文"
FOOTER = "依据《中华人民共和国政府信息公开条例》提供咨询与申请服务。"
FOOTER_DESK = "办理台仅供信息公开工作人员使用，所有操作均记录在案。"
REQUIRED_MARK = "（必填）"
OPTIONAL_MARK = "（选填）"
SUBMIT = "提交"
BACK = "返回"
NONE = "—"
EMPTY_CELL = "（空）"
LIST_SEP = "、"  # joins a list of names, years, roles
FIELD_VALUE = "{label}：{value}"
WITH_DATE = "{what}（{date}）"
PROVISIONAL_SUFFIX = "（暂定）"
WARNINGS_SEP = "；"

ERROR_TITLE = "出错了"
NOT_FOUND_PAGE = "页面不存在。"
BAD_REQUEST = "请求无效，请返回重试。"
FORM_EXPIRED = "表单已过期或来源无法确认（为防止跨站提交），请返回页面刷新后重新提交。"
TOO_LARGE = "上传的文件过大（不超过 {limit} MB）。"
SERVER_ERROR = "系统暂时繁忙，请稍后再试。您的信息未丢失。"
RATE_LIMITED_QUESTIONS = "您提问过于频繁（每分钟不超过 {limit} 个），请稍后再试。"
RATE_LIMITED_APPLICATIONS = "今日从您的网络提交的申请已达 {limit} 件，请明天再提交，或通过信函、当面等方式提交。"
RATE_LIMITED_STATUS = "查询过于频繁（每小时不超过 {limit} 次），请稍后再试。"

# --- public: home, questions ---------------------------------------------------------------------
HOME_TITLE = "政府信息公开咨询与申请"
HOME_INTRO = "您可以在这里查询本机关已公开的政府信息公开工作年度报告中的数据，或在线提交政府信息公开申请。"
HOME_ASK = "咨询：年度报告中的数据"
HOME_APPLY = "在线申请政府信息公开"
HOME_STATUS = "查询申请办理进度"
NAV_ASK = "咨询"
NAV_APPLY = "在线申请"
NAV_STATUS = "查询进度"

ASK_TITLE = "咨询"
ASK_LABEL = "您的问题"
ASK_HINT = "例如：2023年收到多少件信息公开申请？答案摘自已公开的年度报告，并注明出处。"
ASK_BUTTON = "提问"
ANSWER_HEADING = "答复"
ANSWER_SOURCE = "来源"
SUGGESTIONS_HEADING = "您可能想了解："
APPLY_ABOUT = "申请公开此信息"
NOT_ANSWERED_APPLY = "年度报告中没有的信息，您可以依申请获取。"
QUESTION_EMPTY = "请输入您的问题。"
EMBED_MORE = "在新窗口打开完整页面"

# --- public: the application form ------------------------------------------------------------------
APPLY_TITLE = "在线申请政府信息公开"
APPLY_INTRO = (
    "请如实填写以下内容（《政府信息公开条例》第二十九条）。提交并确认后，"
    "以确认之日为收到申请之日，我们将在 20 个工作日内答复。"
)
APPLY_ERRORS = "提交未成功，请修改以下内容："
SECTION_APPLICANT = "申请人信息"
SECTION_CONTACT = "联系方式"
SECTION_INFO = "所需政府信息"
SECTION_DELIVERY = "获取信息的形式和方式"
FIELD_APPLICANT_TYPE = "申请人类型"
FIELD_NAME_PERSON = "姓名（自然人）或单位名称（法人或其他组织）"
FIELD_ORG_CODE = "统一社会信用代码（法人或其他组织填写）"
FIELD_ID_TYPE = "身份证件类型（自然人填写）"
FIELD_ID_NUMBER = "身份证件号码（自然人填写）"
FIELD_PHONE = "联系电话"
FIELD_EMAIL = "电子邮箱（选填；选择电子邮件时必填）"
FIELD_ADDRESS = "通信地址（选填；选择邮寄时必填）"
FIELD_DESCRIPTION = "所需信息的名称、文号或便于查询的其他特征描述"
FIELD_DOC_NUMBER = "文号"
FIELD_DELIVERY_FORM = "获取信息的形式"
FIELD_DELIVERY_CHANNEL = "获取信息的方式"
CHOOSE = "请选择"
PERSON = "自然人"
ORG_GROUP = "法人或其他组织"
APPLY_CONFIRM = "我确认以上内容属实，提交即视为双方确认（第三十一条）"
APPLY_CONFIRM_MISSING = "请勾选确认后再提交。"
APPLY_BUTTON = "提交申请"

RECEIPT_TITLE = "申请已提交"
RECEIPT_INTRO = "您的政府信息公开申请已提交并确认。请保存本回执（可打印）。"
RECEIPT_NUMBER = "申请编号"
RECEIPT_SECRET = "查询码"
RECEIPT_SECRET_HINT = "凭申请编号和查询码可在本网站查询办理进度。查询码只显示这一次，请妥善保存，不要告诉他人。"
RECEIPT_CHANNEL = "提交渠道"
RECEIPT_CHANNEL_ONLINE = "网络申请"
RECEIPT_DATE = "收到申请日期"
RECEIPT_DUE = "答复期限"
RECEIPT_NOTE = "我们将在收到申请之日起 20 个工作日内答复；需要补正、延长答复期限或征求第三方意见的，将另行告知。"
RECEIPT_PRINT = "打印回执"
RECEIPT_AGAIN = "该申请已经提交过，以下是同一份回执。"

# --- public: status ------------------------------------------------------------------------------
STATUS_TITLE = "查询申请办理进度"
STATUS_INTRO = "请输入回执上的申请编号和查询码。"
STATUS_NUMBER = "申请编号"
STATUS_SECRET = "查询码"
STATUS_BUTTON = "查询"
STATUS_STATE = "办理状态"
STATUS_RECEIVED = "收到申请日期"
STATUS_DUE = "答复期限"
STATUS_CLOSED = "办结日期"
STATUS_OUTCOME = "办理结果"
STATUS_HISTORY = "办理过程"
STATUS_PUBLIC_EVENTS = {
    "received": "收到申请",
    "correction_requested": "告知补正",
    "correction_received": "收到补正",
    "correction_lapsed": "逾期未补正",
    "consultation": "征求意见（不计入答复期限）",
    "consultation_ended": "征求意见结束",
    "fee_notice": "收费通知",
    "fee_paid": "已缴费",
    "extension": "延长答复期限",
    "custom_deadline": "另行确定答复期限（第三十五条）",
    "closed": "办结",
}

# --- desk: sign-in ---------------------------------------------------------------------------------
SIGNIN_TITLE = "登录办理台"
SIGNIN_HOW = "办理台不使用密码：请在 Telegram 中向本机关机器人发送 /desk 获取一次性登录链接，或请管理员在服务器上运行 gongkai staff link 您的 ID。"
SIGNIN_READY = "这是您的一次性登录链接，有效期至 {expires}（北京时间）。点击下方按钮登录。"
SIGNIN_BUTTON = "登录"
SIGNED_OUT = "您已退出办理台。"
SESSION_ENDED = "登录已过期，请重新获取登录链接。"
NOT_STAFF = "抱歉，办理台仅限信息公开工作人员使用。"
FORBIDDEN = "抱歉，该操作需要“{role}”权限。"
ROLE_LABELS = {"handler": "办理", "approver": "审批（延期）", "admin": "管理"}
SIGNOUT = "退出"
SIGNED_IN_AS = "{name}（{roles}）"

DESK_LINK = "办理台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{url}"
DESK_NOT_CONFIGURED = "办理台的网址尚未配置（GONGKAI_WEB_URL），请联系管理员。"
CLI_LINK = "{url}\n（{minutes} 分钟内有效，只能使用一次；有效期至 {expires}，北京时间）"
CLI_LINK_LOCAL = "提示：未设置 GONGKAI_WEB_URL，链接使用本机地址，只能在服务器上打开。"

# --- desk: navigation ------------------------------------------------------------------------------
NAV_QUEUE = "待办"
NAV_REPORT = "年度报告"
NAV_KNOWLEDGE = "知识库"
NAV_CALENDAR = "工作日历"
NAV_PUBLIC = "公众页面"

# --- desk: queue -----------------------------------------------------------------------------------
QUEUE_TITLE = "待办申请"
QUEUE_COUNT = "共 {count} 件，按答复期限先后排列。"
QUEUE_EMPTY = "没有符合条件的申请。"
QUEUE_SEARCH = "按编号或所需信息查找"
QUEUE_SEARCH_BUTTON = "查找"
QUEUE_FILTER = "筛选"
QUEUE_FILTERS = {
    "": "全部未办结",
    "overdue": "已逾期",
    "due_soon": "5 个工作日内到期",
    "correction": "待补正",
    "consultation": "征求意见中",
    "extended": "已延期",
    "fee": "待缴费",
    "provisional": "期限暂定",
}
COL_NUMBER = "编号"
COL_STATUS = "状态"
COL_RECEIVED = "收到日期"
COL_DUE = "答复期限"
COL_LEFT = "剩余"
COL_APPLICANT = "申请人"
COL_SUBJECT = "所需信息"
COL_CHANNEL = "渠道"
PROVISIONAL = "暂定"
PROVISIONAL_TITLE = "期限涉及尚未公布节假日安排的年份，按法定节假日暂算（调休未知）"

# --- desk: application page -----------------------------------------------------------------------
APP_TITLE = "申请 {number}"
APP_CARD = "申请信息"
APP_DEADLINE = "答复期限说明"
APP_TIMELINE = "办理记录"
APP_ACTIONS = "办理"
APP_NO_ACTIONS = "该申请已办结，只能添加备注。"
CARD_FIELDS = {
    "status": "状态",
    "applicant_type": "申请人类型",
    "name": "申请人",
    "id": "身份证件",
    "org_code": "统一社会信用代码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
    "channel": "提交渠道",
    "receipt_date": "收到申请日期",
    "description": "所需信息",
    "doc_number": "文号",
    "delivery": "获取形式 / 方式",
    "due": "答复期限",
    "outcome": "办理结果",
}
CARD_PERSONAL_NOTE = "本页显示申请人个人信息，仅供办理使用，请勿截图外传。"
TIMELINE_EMPTY = "（无）"
ON_DATE = "日期"
DONE = "已记录：{what}。"
DONE_DUE = "当前答复期限：{due}。"
DONE_NOTIFIED = "已通过机器人通知申请人。"
DONE_NOT_NOTIFIED = "申请人未通过机器人提交，请以书面方式告知。"
DONE_NOTIFY_FAILED = "未能通过机器人通知申请人，请以书面方式告知。"
DONE_WARNING = "注意：{text}"

ACTION_LABELS = {
    "correction": "告知补正",
    "correction_received": "收到补正",
    "correction_lapsed": "逾期未补正",
    "consult": "征求意见",
    "consult_end": "结束征求意见",
    "extend": "延长答复期限",
    "custom_deadline": "另行确定答复期限（第三十五条）",
    "fee_notice": "收费通知",
    "fee_paid": "已缴费",
    "close": "办结",
    "note": "备注",
}
ACTION_HELP = {
    "correction": "须在收到申请之日起 7 个工作日内一次性告知；答复期限自收到补正之日起重新计算。",
    "correction_lapsed": "补正期限届满仍未补正的，按“逾期不补正”办结。",
    "consult": "征求第三方或其他机关意见所需时间不计入答复期限（第三十二、三十四条）。",
    "consult_end": "超过 15 个工作日（另加在途期限）的须填写理由。",
    "extend": "须经审批，只能延长一次，不超过 {cap} 个工作日（第三十三条）。仅审批人可操作。",
    "custom_deadline": "申请数量、频次明显超过合理范围的，可另行确定答复期限。",
    "fee_notice": "缴费期间不计入答复期限；申请人须在 20 个工作日内缴费。",
    "close": "请选择与表三对应的办理结果。",
}
FIELD_WHAT = "需要补正的内容（将告知申请人）"
FIELD_PERIOD_END = "补正期限（最后一日）"
FIELD_PARTY_KIND = "征求意见对象"
FIELD_PARTY = "对象名称"
FIELD_REASON = "理由"
FIELD_EXT_DAYS = "延长的工作日数"
FIELD_EXT_REASON = "延期理由（将告知申请人）"
FIELD_NEW_DUE = "另行确定的答复期限"
FIELD_AMOUNT = "金额（元）"
FIELD_PAY_BY = "缴费期限（默认送达后第 20 个工作日）"
FIELD_BASIS = "收费依据、标准"
FIELD_OUTCOME = "办理结果"
FIELD_CLOSE_CONFIRM = "确认以所选结果办结（办结后不能再变更）"
FIELD_NOTE = "备注内容（仅工作人员可见）"
BAD_DATE = "日期格式不正确：{value}（应为 YYYY-MM-DD）。"
BAD_DAYS = "请选择延长的工作日数。"
CLOSE_NOT_CONFIRMED = "请勾选确认后再办结。"
OUTCOME_MISSING = "请选择办理结果。"

# --- desk: annual report ------------------------------------------------------------------------------
REPORT_TITLE = "{year}年度报告统计表"
REPORT_YEAR = "年度"
REPORT_FORMAT = "格式"
REPORT_FORMATS = {"2021": "2021 年格式（现行）", "2019": "2019 年格式（试行）", "legacy": "2019 年以前统计表"}
REPORT_SHOW = "显示"
REPORT_DOWNLOADS = "下载"
REPORT_DOWNLOAD_KINDS = {"xlsx": "Excel（.xlsx）", "docx": "Word（.docx）", "md": "Markdown（.md）", "png": "图表（.png）"}
REPORT_CHECKS = "勾稽关系"
REPORT_CHECKS_OK = "校验通过：各列“一+二 = 三（七）+四”，总计列等于各类申请人之和，（七）总计等于各项办理结果之和。"
REPORT_CHECKS_FAILED = "校验未通过，请核对以下数据（报表不能导出）："
REPORT_PREVIOUS = "与{year}年比较（总计列）"
REPORT_PREVIOUS_UNAVAILABLE = "{year}年的统计数据未通过校验，无法比较。"
REPORT_ROW = "项目"
REPORT_THIS_YEAR = "{year}年"
REPORT_CHANGE = "增减"
REPORT_PUBLISHED = "与已发布的年度报告对照"
REPORT_PUBLISHED_NONE = "知识库中没有 {year} 年的年度报告。在“知识库”页上传本机关已发布的年度报告后，可在此逐格对照。"
REPORT_PUBLISHED_PICK = "对照的年度报告"
REPORT_PUBLISHED_LOG = "办理台账统计"
REPORT_PUBLISHED_REPORT = "已发布：{title}"
REPORT_DIFF_COUNT = "共 {count} 处不一致（已标出）。"
REPORT_DIFF_NONE = "与已发布报告完全一致。"
REPORT_DIFF_LIST = "不一致的单元格"
REPORT_DIFF_COLUMNS = ("表", "行", "列", "台账统计", "已发布")
REPORT_DIFF_TITLE = "台账统计 {log}，已发布 {published}"
REPORT_LAYOUT_MISMATCH = "该报告使用 {published} 的表格，与当前显示的 {current} 不同，部分单元格无法对照。"
REPORT_UNMATCHED = "报告中有 {count} 个单元格未能对应到统计表（未参与对照）。"
REPORT_PUBLISHED_CHECKS = "已发布报告自身的勾稽关系："
REPORT_PUBLISHED_CHECKS_OK = "已发布报告的数据自身勾稽关系正确。"
REPORT_BAD_YEAR = "年度不正确，请选择 {first}–{last} 年。"
REPORT_BAD_FORMAT = "格式不正确。"
TABLE_3 = "表三"
TABLE_4 = "表四"

# --- desk: knowledge base ----------------------------------------------------------------------------
KNOWLEDGE_TITLE = "知识库"
KNOWLEDGE_REPORTS = "已导入的年度报告"
KNOWLEDGE_NONE = "还没有导入年度报告。"
KNOWLEDGE_COLUMNS = ("机关", "年度", "标题", "表格格式", "文件", "导入时间", "提示")
KNOWLEDGE_UPLOAD = "上传年度报告"
KNOWLEDGE_UPLOAD_HELP = "支持 .txt、.md、.html、.docx 和文字版 .pdf。同一机关同一年度的新文本将替换旧文本。"
KNOWLEDGE_FILE = "报告文件"
KNOWLEDGE_AGENCY = "机关名称（选填，无法从文件识别时填写）"
KNOWLEDGE_YEAR = "年度（选填）"
KNOWLEDGE_UPLOAD_BUTTON = "上传并导入"
KNOWLEDGE_NO_FILE = "请选择要上传的文件。"
KNOWLEDGE_BAD_YEAR = "年度应为四位数字。"
KNOWLEDGE_RESULT = {
    "added": "已导入：{agency} {year} 年度报告（正文 {sentences} 条，表格单元格 {cells} 个）。",
    "replaced": "已替换：{agency} {year} 年度报告（正文 {sentences} 条，表格单元格 {cells} 个）。",
    "unchanged": "内容未变：{agency} {year} 年度报告已导入过。",
}
KNOWLEDGE_FAILED = "未能导入：{error}"
KNOWLEDGE_REMOVE = "移除"
KNOWLEDGE_REMOVED = "已移除：{agency} {year} 年度报告。"
KNOWLEDGE_REMOVE_CONFIRM = "确认移除"
KNOWLEDGE_UNANSWERED = "未能解答的咨询（近 {days} 天）"
KNOWLEDGE_UNANSWERED_HELP = "公众提出、年度报告中找不到答案的问题，按提问次数排列：可考虑补充到常见问题或下一年度报告。"
KNOWLEDGE_UNANSWERED_NONE = "近期没有未能解答的咨询。"
KNOWLEDGE_UNANSWERED_COLUMNS = ("问题", "次数", "最近提问", "渠道")
CHANNEL_LABELS = {"telegram": "Telegram", "web": "网站", "cli": "命令行", "console": "控制台"}
KNOWLEDGE_DAYS = "时间范围"
KNOWLEDGE_DAY_CHOICES = (7, 30, 90, 365)
KNOWLEDGE_DAY_LABEL = "近 {days} 天"

# --- desk: calendar -------------------------------------------------------------------------------------
CALENDAR_TITLE = "{year}年工作日历"
CALENDAR_SOURCE = "数据来源：{label}"
CALENDAR_SOURCE_FILE = "导入文件：{source}"
CALENDAR_LEGEND = {"workday": "工作日", "rest": "休息日", "holiday": "法定节假日", "adjusted": "调休上班"}
CALENDAR_MONTH = "{month}月"
CALENDAR_WORKDAYS = "全年工作日 {count} 天。"
CALENDAR_SPECIAL = "节假日与调休"
CALENDAR_IMPORT = "导入国务院办公厅节假日安排"
CALENDAR_IMPORT_HELP = "CSV 文件，表头 date,type,name（type 为 holiday 放假或 workday 调休上班）。导入的年份成为正式数据，未办结申请的答复期限随之重新计算。"
CALENDAR_FILE = "CSV 文件"
CALENDAR_IMPORT_BUTTON = "导入"
CALENDAR_IMPORTED = "已录入 {years} 年节假日安排（正式）。"
CALENDAR_RECOMPUTED = "答复期限已重新计算的申请："
CALENDAR_REDERIVED = "办结时效重新认定的申请："
CALENDAR_CHANGE = "{number}：{old} → {new}"
CALENDAR_NO_CHANGE = "未办结申请的答复期限均无变化。"
CALENDAR_IMPORT_FAILED = "节假日文件有误，未导入任何数据："
CALENDAR_NOT_UTF8 = "文件不是 UTF-8 编码的 CSV。"
CALENDAR_EMPTY = "文件中没有任何日期。"
CALENDAR_BAD_YEAR = "年份不正确。"
CALENDAR_NEXT_MISSING = "请录入 {year} 年节假日安排，否则 {year} 年的答复期限只能暂定。"

# --- refusals of storage.web.WebError (worded through bot/texts/errors.py) ------------------------------
ERR_LINK_INVALID = "登录链接无效。请在 Telegram 中向机器人发送 /desk 重新获取。"
ERR_LINK_EXPIRED = "登录链接已过期。请在 Telegram 中向机器人发送 /desk 重新获取。"
ERR_LINK_USED = "该登录链接已经使用过，每个链接只能使用一次。请发送 /desk 重新获取。"
ERR_LINK_NOT_STAFF = "用户 {id} 不是信息公开工作人员，不能登录办理台（请先用 gongkai staff add 添加）。"
ERR_STATUS_MISMATCH = "申请编号或查询码不正确，请核对回执后重新输入。"
