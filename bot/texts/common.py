"""Shared texts (errors, generic replies)."""

DB_UNAVAILABLE = "系统暂时繁忙，请稍后再试。您的信息未丢失。"
NOT_STAFF = "抱歉，该操作仅限信息公开工作人员使用。"
RATE_LIMITED = "您的操作过于频繁，请稍后再试。"
MESSAGE_TOO_LONG = "消息过长，请精简到 {limit} 字以内后再发送。"
EMPTY_MESSAGE = "请输入文字内容。"
STALE_BUTTON = "该按钮已失效，请重新操作。"
