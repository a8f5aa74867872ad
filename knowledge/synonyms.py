"""The domain synonym table: what citizens type → the words the annual reports use.

Each entry maps everyday phrasings to the report vocabulary appended to the search query.
Keep it general (the vocabulary of every 政府信息公开工作年度报告), never tuned to one report.
"""

from __future__ import annotations

import re

# (everyday forms, report words added to the query)
QUERY_SYNONYMS: list[tuple[tuple[str, ...], str]] = [
    (("网上", "互联网", "线上", "在线申请", "网络"), "网络申请 网上申请平台"),
    (("微信", "公众号"), "政务微信"),
    (("微博",), "政务微博"),
    (("抖音", "短视频", "视频号"), "抖音号 短视频"),
    (("打官司", "官司", "告到法院", "被告", "起诉", "法院", "告了", "告过"), "行政诉讼 提起行政诉讼"),
    (("复议",), "行政复议"),
    (("收费", "收钱", "收了多少钱", "费用", "花钱", "要钱", "处理费"), "收费 信息处理费 收取 费用"),
    (("减免", "免费", "困难"), "减免"),
    (("电话", "号码", "热线", "联系方式", "怎么联系"), "联系电话"),
    (("地址", "在哪", "哪里", "地点", "位置"), "地址 通讯地址"),
    (("邮箱", "email", "e-mail", "邮件"), "电子邮箱"),
    (("网址", "网站", "网页", "官网"), "网站 门户网站 http"),
    (("传真",), "传真"),
    (("几点", "上班", "办公时间", "工作时间", "开门"), "办公时间 工作日 上午 下午"),
    (("公司", "企业", "法人", "厂"), "商业企业"),
    (("律所", "律师", "律师事务所"), "法律服务机构"),
    (("老百姓", "个人", "群众", "公民", "市民", "居民", "自然人"), "自然人"),
    (("公益", "社会组织", "协会", "基金会"), "社会公益组织"),
    (("科研", "研究所", "研究院", "高校", "大学"), "科研机构"),
    (("去年没办完转过来", "上年没办完", "去年没办完", "转过来", "上年结转", "上一年转"), "上年结转政府信息公开申请数量"),
    (("没办完", "结转到下一年", "转到下一年", "转入下一年", "下一年继续", "留到明年"), "结转下年度继续办理"),
    (("多久", "多长时间", "几天", "多少天", "时间答复", "用时"), "平均答复用时 工作日"),
    (("收到", "提了", "提交", "申请了", "新收"), "收到申请 新收政府信息公开申请数量"),
    (("按时", "按期", "准时"), "按时办结"),
    (("办结", "办完了", "处理完", "答复了"), "办结 总计 申请办结数"),
    (("延期", "延长", "推迟"), "延期 延长答复期限"),
    (("不公开", "没公开", "不给公开"), "不予公开"),
    (("没法提供", "提供不了", "无法提供", "没办法提供"), "无法提供"),
    (("不处理", "不受理", "不予处理"), "不予处理"),
    (("信访", "投诉", "举报"), "信访举报投诉类申请"),
    (("改进", "打算", "措施", "怎么改", "下一步", "计划"), "改进措施 改进情况"),
    (("问题", "不足"), "存在的主要问题"),
    (("发布会",), "新闻发布会"),
    (("访谈",), "在线访谈"),
    (("解读",), "政策解读"),
    (("档案馆", "图书馆", "查阅场所"), "向图书馆、档案馆等查阅场所报送"),
    (("兼职",), "兼职人员数"),
    (("专职",), "专职人员数"),
    (("几个人", "多少人", "人员"), "工作人员数"),
    (("经费", "预算"), "专项经费"),
    (("培训",), "培训"),
    (("简报", "刊物", "杂志", "期刊"), "简报"),
    (("哪天发布", "什么时候发布", "发布日期", "发布时间", "哪天出", "什么时候出"), "发布日期"),
    (("规范性文件", "红头文件"), "行政规范性文件"),
    (("有效",), "现行有效件数"),
    (("许可",), "行政许可"),
    (("处罚",), "行政处罚"),
    (("满意",), "满意率"),
    (("政务公开",), "政务公开"),
]

STOP_PHRASES = (
    "请问", "我想问", "想问一下", "想知道", "一下", "是多少", "有多少", "多少", "几件", "几个", "几次",
    "几条", "几篇", "几场", "有没有", "是不是", "什么", "怎么样", "怎么", "吗", "呢", "啊", "呀", "了", "的",
    "那一年", "那年", "这一年", "一共", "总共", "共", "有", "是",
)

NUMBER_INTENT = re.compile(r"多少|几|数量|比例|率|金额|总数|多大|多长")

_COMPILED = [(tuple(forms), words) for forms, words in QUERY_SYNONYMS]


def expansion(question: str) -> str:
    """The report vocabulary the question's everyday words stand for.

    Entries are tried in order and a matched phrase is consumed, so the more specific entry
    (上一年转过来 → 上年结转) wins over a general one (没办完 → 结转下年度)."""
    rest = question
    extra: list[str] = []
    for forms, words in _COMPILED:
        hit = [form for form in forms if form in rest]
        if hit:
            extra.append(words)
            for form in hit:
                rest = rest.replace(form, " ")
    return " ".join(extra)


def expand(question: str) -> str:
    """The question plus the report vocabulary its everyday words stand for."""
    extra = expansion(question)
    return f"{question} {extra}" if extra else question


def strip_stop_phrases(text: str) -> str:
    for phrase in STOP_PHRASES:
        text = text.replace(phrase, " ")
    return text


# Report phrasings that mean an everyday word without containing it (收取…费 → 收费).
DOCUMENT_SYNONYMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"收取[^。；，]{0,12}费|费[^。；，]{0,8}收取|计收"), "收费"),
    (re.compile(r"起诉|诉讼"), "官司"),
    (re.compile(r"网上申请|网络申请|在线申请"), "网上 网络申请"),
]


def document_expansion(text: str) -> str:
    return " ".join(word for pattern, word in DOCUMENT_SYNONYMS if pattern.search(text))
