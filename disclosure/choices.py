"""The closed lists of an application's choice fields and of the consultation parties: codes and labels.

Art. 29 para. 2 asks the applicant for an identity document, the information sought and the form
and way in which they want it; arts. 32 and 34 name who may be consulted. The codes are what is
stored; the labels are what people read and may also type (the command line and the ledger import
accept either). Applicant types and channels of the statistics tables are in ``disclosure.outcomes``.
"""

from __future__ import annotations

ID_TYPES = {
    "resident_id": "居民身份证",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "passport": "护照",
    "other": "其他证件",
}
ORG_ID_TYPE = "uscc"  # an organisation proves its identity with its unified social credit code
ORG_ID_LABEL = "统一社会信用代码"

DELIVERY_FORMS = {
    "paper": "纸质",
    "electronic": "电子",
    "inspection": "当场查阅、抄录",
}
DELIVERY_CHANNELS = {
    "post": "邮寄",
    "email": "电子邮件",
    "collect": "当面领取",
    "telegram": "通过本机器人",
}
CHANNELS_FOR_FORM = {
    "paper": ("post", "collect"),
    "electronic": ("email", "telegram", "collect"),
    "inspection": ("collect",),
}

CONSULTATION_PARTIES = {"third_party": "第三方", "agency": "其他机关"}  # art. 32 / art. 34
