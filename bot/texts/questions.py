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
