"""The outcome taxonomy of a 依申请公开 application, and the applicant-type and channel vocabularies.

One code per distinguishable handling result. Where either statistics layout is finer than the
other, the code is finer, so both the 2021/2019 Table 三 row (domain.md §3.4) and the pre-2019
统计表 row (domain.md §4.1) are functions of the code. The full mapping table, with the reasoning
for the unconfirmed choices, is in docs/statistics.md.

Codes are short ASCII (they travel in Telegram callback data, 64 bytes max); never rename one
once it is stored — add a new code instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str  # Chinese, shown in staff menus
    row_2021: str  # Table 三 leaf row key (domain.md §3.4)
    legacy_row: str | None  # pre-2019 §三(三) dotted key (domain.md §4.1); None = no sub-row

    @property
    def row_2019(self) -> str:
        """The 2019 trial layout folds the three （六） leaves into one row ``r_other``."""
        return "r_other" if self.row_2021.startswith("r_other_") else self.row_2021


_ALL = (
    # （一）予以公开
    Outcome("open", "予以公开", "r_open", "replies.granted"),
    Outcome("already_public", "属于已主动公开范围，告知获取方式", "r_open", "replies.already_public"),
    # （二）部分公开 (art. 37 区分处理 — counted only here)
    Outcome("partial", "部分公开（区分处理）", "r_partial", "replies.partial"),
    # （三）不予公开
    Outcome("deny_state_secret", "不予公开：属于国家秘密", "r_deny_state_secret", "replies.refused.state_secret"),
    Outcome("deny_law_prohibited", "不予公开：其他法律行政法规禁止公开", "r_deny_law_prohibited",
            "replies.refused.other_legal"),
    Outcome("deny_security", "不予公开：危及“三安全一稳定”", "r_deny_security_stability",
            "replies.refused.security_stability"),
    Outcome("deny_trade_secret", "不予公开：涉及商业秘密", "r_deny_third_party", "replies.refused.trade_secret"),
    Outcome("deny_privacy", "不予公开：涉及个人隐私", "r_deny_third_party", "replies.refused.privacy"),
    Outcome("deny_third_party", "不予公开：保护第三方其他合法权益", "r_deny_third_party",
            "replies.refused.other_legal"),
    Outcome("deny_internal", "不予公开：属于三类内部事务信息", "r_deny_internal_affairs",
            "replies.refused.other_legal"),
    Outcome("deny_process", "不予公开：属于四类过程性信息", "r_deny_process_info", "replies.refused.other_legal"),
    Outcome("deny_enforcement", "不予公开：属于行政执法案卷", "r_deny_enforcement_file",
            "replies.refused.other_legal"),
    Outcome("deny_admin_query", "不予公开：属于行政查询事项", "r_deny_admin_query",
            "replies.refused.not_gov_info"),
    # （四）无法提供
    Outcome("unable_not_held", "无法提供：本机关不掌握相关政府信息", "r_unable_not_held", "replies.not_exist"),
    Outcome("unable_not_this_agency", "无法提供：不属于本机关职责（告知主管机关）", "r_unable_not_held",
            "replies.not_this_agency"),
    Outcome("unable_not_exist", "无法提供：经检索申请信息不存在", "r_unable_not_held", "replies.not_exist"),
    Outcome("unable_not_gov_info", "无法提供：不属于《条例》所指政府信息", "r_unable_not_held",
            "replies.refused.not_gov_info"),
    Outcome("unable_needs_creation", "无法提供：没有现成信息需要另行制作", "r_unable_needs_creation",
            "replies.not_exist"),
    Outcome("unable_still_unclear", "无法提供：补正后申请内容仍不明确", "r_unable_still_unclear",
            "replies.asked_to_amend"),
    # （五）不予处理
    Outcome("reject_petition", "不予处理：信访举报投诉类申请", "r_reject_petition", "replies.other_channel"),
    Outcome("reject_repeat", "不予处理：重复申请", "r_reject_repeat", None),
    Outcome("reject_publication", "不予处理：要求提供公开出版物", "r_reject_publication", "replies.other_channel"),
    Outcome("reject_excessive", "不予处理：无正当理由大量反复申请", "r_reject_excessive", None),
    Outcome("reject_reissue", "不予处理：要求确认或重新出具已获取信息", "r_reject_confirm_reissue", None),
    # （六）其他处理
    Outcome("other_no_correction", "其他处理：逾期不补正，不再处理", "r_other_no_correction",
            "replies.asked_to_amend"),
    Outcome("other_fee_unpaid", "其他处理：逾期未缴纳信息处理费，不再处理", "r_other_fee_unpaid", None),
    Outcome("other_special_regime", "其他处理：告知按工商、不动产登记等特别规定办理", "r_other_misc",
            "replies.other_channel"),
    Outcome("other_withdrawn", "其他处理：申请人撤回申请", "r_other_misc", None),
    Outcome("other_misc", "其他处理：其他", "r_other_misc", None),
)

OUTCOMES: dict[str, Outcome] = {o.code: o for o in _ALL}


def outcome(code: str) -> Outcome:
    """The outcome for ``code``; ValueError naming the known codes when it is unknown."""
    try:
        return OUTCOMES[code]
    except (KeyError, TypeError):
        raise ValueError(f"unknown outcome code {code!r}; known: {', '.join(OUTCOMES)}") from None


def codes_for_row_2021(row_key: str) -> tuple[str, ...]:
    return tuple(o.code for o in _ALL if o.row_2021 == row_key)


def codes_for_legacy_row(row_key: str) -> tuple[str, ...]:
    """Codes counted in a legacy §三(三) row; a parent key (``replies.refused``) includes its children."""
    return tuple(
        o.code for o in _ALL
        if o.legacy_row is not None and (o.legacy_row == row_key or o.legacy_row.startswith(row_key + "."))
    )


APPLICANT_TYPES: dict[str, str] = {
    "natural_person": "自然人",
    "org_business": "商业企业",
    "org_research": "科研机构",
    "org_public_welfare": "社会公益组织",
    "org_legal_service": "法律服务机构",
    "org_other": "其他",
}

CHANNELS: dict[str, str] = {
    "in_person": "当面",
    "fax": "传真",
    "online": "网络",
    "letter": "信函",
    "other": "其他",
}
