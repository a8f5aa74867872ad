"""Texts of the 依申请公开 application form in chat, the receipt and /my."""

# The labels of the form's choice fields are the domain's closed lists (shown and accepted as typed).
from disclosure.choices import CHANNELS_FOR_FORM, DELIVERY_CHANNELS, DELIVERY_FORMS, ID_TYPES  # noqa: F401

INTRO = (
    "您正在在线提交政府信息公开申请（依申请公开）。我会逐项询问所需信息，"
    "任何时候发送 /cancel 即可取消。"
)

ASK_APPLICANT_TYPE = "第 1 步：请选择申请人类型。"
ASK_ORG_KIND = "请选择法人或其他组织的类别。"
APPLICANT_PERSON = "自然人"
APPLICANT_ORG = "法人或其他组织"
ORG_KINDS = {
    "org_business": "商业企业",
    "org_research": "科研机构",
    "org_public_welfare": "社会公益组织",
    "org_legal_service": "法律服务机构",
    "org_other": "其他",
}
APPLICANT_TYPE_LABELS = {"natural_person": "自然人", **{k: f"法人或其他组织（{v}）" for k, v in ORG_KINDS.items()}}
BAD_CHOICE = "请点击下方按钮选择。"

ASK_NAME_PERSON = "请输入申请人姓名。"
ASK_NAME_ORG = "请输入单位名称（与营业执照或登记证书一致）。"
BAD_NAME = "名称应为 1–{limit} 个字，且不含换行，请重新输入。"

ASK_ORG_CODE = "请输入 18 位统一社会信用代码。"
BAD_ORG_CODE = "统一社会信用代码格式或校验位不正确，请核对后重新输入（18 位，不含字母 I、O、S、V、Z）。"

ASK_ID_TYPE = "请选择身份证件类型。"
ASK_ID_NUMBER = "请输入{id_type}号码。"
BAD_RESIDENT_ID = "居民身份证号码格式或校验位不正确，请核对后重新输入（18 位，最后一位可能是 X）。"
BAD_ID_NUMBER = "证件号码应为 5–30 位字母或数字，请重新输入。"
ID_ACCEPTED = "已记录证件号码：{masked}"

ASK_PHONE = "请输入联系电话（手机号码，或带区号的固定电话）。"
BAD_PHONE = "电话号码格式不正确，请输入 11 位手机号码或带区号的固定电话（如 0537-2345678）。"
ASK_EMAIL = "请输入电子邮箱（选填，可点击「跳过」）。"
ASK_EMAIL_REQUIRED = "您选择通过电子邮件获取信息，请输入电子邮箱。"
BAD_EMAIL = "电子邮箱格式不正确，请重新输入，或点击「跳过」。"
BAD_EMAIL_REQUIRED = "电子邮箱格式不正确，请重新输入。"
ASK_ADDRESS = "请输入通信地址（选填，可点击「跳过」）。"
ASK_ADDRESS_REQUIRED = "您选择邮寄方式获取信息，请输入邮寄地址（含邮政编码更佳）。"
BAD_ADDRESS = "地址应为 5–{limit} 个字，请重新输入。"
SKIP = "跳过"

ASK_DESCRIPTION = (
    "请描述您需要获取的政府信息：信息名称、内容或其他有助于查找的特征描述"
    "（例如：某年某文件、某项目的审批结果）。"
)
BAD_DESCRIPTION = "所需信息的描述应为 {low}–{limit} 个字，请补充或精简后重新输入。"
ASK_DOC_NUMBER = "如知道文件的文号（如「济科发〔2018〕12号」），请输入；不知道可点击「跳过」。"
BAD_DOC_NUMBER = "文号不超过 {limit} 个字，请重新输入或点击「跳过」。"

ASK_DELIVERY_FORM = "请选择获取信息的形式。"
ASK_DELIVERY_CHANNEL = "请选择获取信息的方式。"

BAD_APPLICANT_TYPE = "申请人类型不正确，可选：{known}。"
BAD_ID_TYPE = "证件类型不正确，可选：{known}。"
BAD_ID_TYPE_MISSING = "填写了证件号码，请同时写明证件类型。"
BAD_DELIVERY_FORM = "获取信息的形式不正确，可选：{known}。"
BAD_DELIVERY_CHANNEL = "获取信息的方式不正确，可选：{known}。"
BAD_RECEIPT_FUTURE = "收到申请日期 {day} 晚于今天（{today}），请核对。"
BAD_RECEIPT_OLD = "收到申请日期 {day} 早于《政府信息公开条例》施行日期（{first}），请核对。"
BAD_FIELD = "“{field}”填写不正确，请核对。"
REQUIRED = "请填写{label}。"
FIELD_NAMES = {
    "applicant_type": "申请人类型",
    "name": "申请人姓名或单位名称",
    "org_code": "统一社会信用代码",
    "id_type": "身份证件类型",
    "id_number": "身份证件号码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
    "description": "所需信息的描述",
    "doc_number": "文号",
    "delivery_form": "获取信息的形式",
    "delivery_channel": "获取信息的方式",
}

TEXT_EXPECTED = "请输入文字。"

# An answer is filed only under the step the citizen was asked (see handlers/apply.py).
FIELD_LABELS = {
    "name": "姓名（名称）",
    "org_code": "统一社会信用代码",
    "id_number": "证件号码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
    "description": "所需信息描述",
    "doc_number": "文号",
}
ALREADY_RECORDED = "已记录您的{label}。"
NOT_FILED_HERE = "您刚才发送的内容早于下面的问题，未作为此项填写，请按此项重新填写。"
STEP_MOVED_ON = "该按钮属于之前的步骤，已为您显示当前步骤。"
FORM_NOT_ACTIVE = "这份申请表已结束（已提交、已取消或已过期）。如需提交新的申请，请发送 /apply。"
TOO_LONG = "内容过长，请精简到 {limit} 字以内。"

SUMMARY = (
    "请核对您的申请：\n"
    "申请人类型：{applicant_type}\n"
    "{name_label}：{name}\n"
    "{identity}"
    "联系电话：{phone}\n"
    "电子邮箱：{email}\n"
    "通信地址：{address}\n"
    "所需信息：{description}\n"
    "文号：{doc_number}\n"
    "获取形式：{delivery_form}\n"
    "获取方式：{delivery_channel}\n\n"
    "点击「确认提交」即视为双方确认，申请以确认之日为收到申请之日。"
)
NAME_LABEL_PERSON = "姓名"
NAME_LABEL_ORG = "单位名称"
IDENTITY_PERSON = "身份证件：{id_type} {id_number}\n"
IDENTITY_ORG = "统一社会信用代码：{org_code}\n"
NOT_GIVEN = "（未填写）"
CONFIRM = "确认提交"
EDIT = "修改"
CANCEL = "取消"
ASK_EDIT = "请选择要修改的内容。"
EDIT_SECTIONS = {
    "identity": "申请人信息",
    "contact": "联系方式",
    "info": "所需信息",
    "delivery": "获取形式和方式",
}
BACK_TO_SUMMARY = "返回核对"

RECEIPT = (
    "✅ 申请已提交并确认。\n"
    "申请编号：{number}\n"
    "提交渠道：网络\n"
    "收到申请日期：{receipt_date}\n"
    "答复期限：{reply_due}{provisional}\n"
    "我们将在收到申请之日起 20 个工作日内答复；如需延长答复期限，将另行告知。\n"
    "发送 /my 可随时查看办理状态。"
)
RECEIPT_DUPLICATE = "该申请已经提交，无需重复提交。以下是回执：\n\n{receipt}"
DUE_PROVISIONAL = "（暂定：该日期所在年度的节假日安排尚未正式公布，届时可能调整）"
DUE_UNKNOWN = "待定（工作人员确认后通知您）"


def fmt_date(day) -> str:
    """A legal date as the receipt prints it: 2026年9月28日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else DUE_UNKNOWN
SUBMIT_FAILED = "抱歉，申请暂时未能提交，您填写的内容已保存，请稍后再点击「确认提交」。"
FORM_CANCELLED = "已取消本次申请，填写的内容已清除。"
ALREADY_IN_FORM = "您正在填写申请，已从头开始。"

MY_EMPTY = "您还没有通过本机器人提交的申请。发送 /apply 提交申请。"
MY_HEADER = "您的申请（最近 {count} 件）："
MY_ITEM = "{number}｜{status}\n  收到：{receipt_date}｜答复期限：{reply_due}\n  {description}"
MY_ITEM_CLOSED = "{number}｜{status}\n  收到：{receipt_date}｜办结：{closed_date}\n  {description}"
STATUS = {
    "open": "办理中",
    "correction": "待补正",
    "consultation": "征求意见中",
    "closed": "已办结",
}
