"""Texts of the per-user rate limits (questions per minute, applications per day)."""

from bot.texts.common import RATE_LIMITED

QUESTIONS_LIMITED = RATE_LIMITED + "（每分钟最多提问 {limit} 次）"
APPLICATIONS_LIMITED = "您今天已提交 {limit} 件申请，已达到每日上限，请明天再提交。如有紧急情况，请联系信息公开工作机构。"
