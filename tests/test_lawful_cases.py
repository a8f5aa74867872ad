"""Issue 11: the on-time figures and deadlines are right in every lawful case.

Everything goes through the real handling services or the ``gongkai`` command line (no hand-made
rows). Due dates quoted in comments were counted by hand on the 2026 State Council schedule
(中秋 09-25, 国庆 10-01–07 with make-up days 09-20 and 10-10, 春节 02-15–23 with 02-14 and 02-28,
清明 04-04–06, 劳动节 05-01–05 with 05-09, 端午 06-19–21).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from bot.texts import applications as TA
from bot.texts.errors import error_text
from disclosure.deadlines import ClockEvent, DeadlineError, compute_deadline
from storage import applications as A
from storage import handling as H
from storage.staff import add_staff
from tests.refusals import refused

D = date.fromisoformat
APPROVER = 555


def cli(*args: str):
    from bot.cli import app

    return CliRunner().invoke(app, list(args))


def ok(*args: str):
    res = cli(*args)
    assert res.exit_code == 0, res.output
    return res


def today_is(monkeypatch, day: str) -> None:
    """Move the office's clock (the services refuse dates in the future)."""
    now = datetime.fromisoformat(f"{day}T04:00:00+00:00")
    monkeypatch.setattr(H, "utcnow", lambda: now)
    monkeypatch.setattr(A, "_now", lambda: now)


def add(received: str, subject: str = "某项目的审批文件", applicant: str = "natural_person") -> str:
    res = ok("applications", "add", "--channel", "letter", "--applicant", applicant, "--received", received,
             "--subject", subject, "--name", "申请人", "--json")
    return json.loads(res.stdout)["number"]


# --- the engine: each lawful case ------------------------------------------------------------------

def ev(kind, on, end=None, days=None):
    return ClockEvent(kind, D(on), D(end) if end else None, days)


def test_lapsed_correction_and_withdrawal_while_awaiting_correction_are_on_time():
    lapsed = compute_deadline(D("2026-03-02"), [ev("correction_requested", "2026-03-04", "2026-03-16"),
                                                ev("correction_lapsed", "2026-03-17")])
    assert lapsed.due is None and lapsed.timeliness == "on_time"
    withdrawn = compute_deadline(D("2026-04-01"), [ev("correction_requested", "2026-04-03", "2026-04-20"),
                                                   ev("closed", "2026-04-10")])
    assert withdrawn.closed_while_stopped and withdrawn.timeliness == "on_time"


def test_art35_deadline_is_compared_with_the_closing_date():
    events = [ev("custom_deadline", "2026-05-20", "2026-07-15")]
    inside = compute_deadline(D("2026-05-06"), [*events, ev("closed", "2026-07-10")])
    assert inside.original_due == D("2026-06-02") and inside.timeliness == "extended"  # 第三十五条 延迟答复
    assert compute_deadline(D("2026-05-06"), [ev("closed", "2026-06-02")]).timeliness == "on_time"
    assert compute_deadline(D("2026-05-06"), [*events, ev("closed", "2026-07-16")]).timeliness == "late"
    with pytest.raises(DeadlineError, match="须晚于法定答复期限 2026-06-02"):
        compute_deadline(D("2026-05-06"), [ev("custom_deadline", "2026-05-20", "2026-06-01")])
    with pytest.raises(DeadlineError, match="不是工作日"):
        compute_deadline(D("2026-05-06"), [ev("custom_deadline", "2026-05-20", "2026-07-18")])  # a Saturday


def test_provisional_limits_warn_instead_of_refusing():
    # 2026-12-28 + 7 WD: 12-29, 12-30, 12-31, (元旦 2027-01-01 known in advance), 01-04 … 01-07
    dl = compute_deadline(D("2026-12-28"), [ev("correction_requested", "2027-01-07")])
    assert dl.correction_notice_due == D("2027-01-07") and dl.warnings == [] and dl.provisional
    # 2026-12-04 + 20 WD = 2027-01-04 (not 2027-01-01, a statutory holiday): an extension decided that day is fine
    assert compute_deadline(D("2026-12-04"), [ev("extension", "2027-01-04", days=10)]).warnings == []
    # a day after a provisional due date: recorded with a warning, not refused
    late = compute_deadline(D("2026-12-04"), [ev("extension", "2027-01-05", days=10)])
    assert late.extended_days == 10 and "暂定" in late.warnings[0]
    # the same lateness against an official limit is refused
    with pytest.raises(DeadlineError, match="2026-10-22"):
        compute_deadline(D("2026-09-18"), [ev("extension", "2026-10-23", days=10)])


def test_consultation_longer_than_15_working_days_is_flagged_and_explained():
    events = [ev("consultation", "2026-06-03", "2026-07-20")]
    dl = compute_deadline(D("2026-06-01"), events, consultation_transit_days=5)
    [pause] = dl.pauses
    # (06-03, 07-20]: 32 working days (端午 06-19 skipped); the window with 5 transit days ends 07-02
    assert (pause.working_days, pause.limit, pause.over_limit) == (32, D("2026-07-02"), True)
    assert dl.due == D("2026-08-13") and "15个工作日" in dl.warnings[0]
    assert dl.to_json()["pauses"][0]["over_limit"] is True
    short = compute_deadline(D("2026-06-01"), [ev("consultation", "2026-06-03", "2026-07-02")],
                             consultation_transit_days=5)
    assert not short.pauses[0].over_limit and short.warnings == []


def test_fee_notice_to_payment_does_not_count():
    # due 2026-09-29; notice 09-08 … paid 09-14 = 5 working days not counted → 10-12
    dl = compute_deadline(D("2026-09-01"), [ev("fee_notice", "2026-09-08"), ev("fee_paid", "2026-09-14")])
    assert compute_deadline(D("2026-09-01")).due == D("2026-09-29")
    # pay within 20 WD of the notice: 09-09 … 09-24, 09-28 … 09-30, 10-08, 10-09, 10-10 (make-up), 10-12
    assert dl.due == D("2026-10-12") and dl.fee_due == D("2026-10-12")
    assert ("2026-09-10", "缴纳信息处理费（不计时）") in [(d.isoformat(), n) for d, n in dl.skipped]
    waiting = compute_deadline(D("2026-03-10"), [ev("fee_notice", "2026-03-12")])
    assert waiting.state == "awaiting_fee" and waiting.due is None and waiting.fee_due == D("2026-04-10")


# --- the services: closing preconditions, reasons, fees ---------------------------------------------

@pytest.fixture
def settings() -> Settings:
    return Settings(staff_ids=[9000001])


async def new_app(db, received: str, key: str):
    draft = A.ApplicationDraft.build(applicant_type="natural_person", name="王五", description="某年度的预算文件")
    return (await A.create_application(db, draft, idempotency_key=key,
                                       received_at=datetime.fromisoformat(f"{received}T04:00:00+00:00"))).application


async def test_closing_preconditions_name_what_is_missing(db, settings):
    app = await new_app(db, "2026-03-10", "a")
    with refused(H.HandlingError, "须先告知补正"):
        await H.close(db, app, "other_no_correction", D("2026-03-20"), settings=settings)
    with refused(H.HandlingError, "没有待补正的补正告知"):
        await H.correction_lapsed(db, app, D("2026-03-20"), settings=settings)
    with refused(H.HandlingError, "没有登记收费通知"):
        await H.close(db, app, "other_fee_unpaid", D("2026-03-20"), settings=settings)
    with refused(H.HandlingError, "晚于今天"):
        await H.close(db, app, "open", date(2099, 1, 5), settings=settings)
    res = await H.fee_notice(db, app, D("2026-03-12"), "300", settings=settings)
    assert res.application.status == "fee" and res.deadline.fee_due == D("2026-04-10")
    with refused(H.HandlingError, "缴费期限至 2026-04-10，尚未届满"):
        await H.close(db, app, "other_fee_unpaid", D("2026-04-10"), settings=settings)
    res = await H.close(db, app, "other_fee_unpaid", D("2026-04-13"), settings=settings)
    assert (res.application.outcome, res.application.timeliness) == ("other_fee_unpaid", "on_time")

    paid = await new_app(db, "2026-09-01", "b")
    await H.fee_notice(db, paid, D("2026-09-08"), "1,700.00", settings=settings)
    res = await H.fee_paid(db, paid, D("2026-09-14"), settings=settings)
    assert res.deadline.due == D("2026-10-12") and res.event.data["amount"] == "1700.00"
    with refused(H.HandlingError, "已于 2026-09-14 缴费"):
        await H.close(db, paid, "other_fee_unpaid", D("2026-11-20"), settings=settings)
    with refused(H.HandlingError, "收费金额不正确"):
        await H.fee_notice(db, await new_app(db, "2026-09-01", "c"), D("2026-09-08"), "-5", settings=settings)


async def test_lapse_only_after_the_correction_period(db, settings):
    app = await new_app(db, "2026-03-02", "l")
    await H.request_correction(db, app, D("2026-03-04"), D("2026-03-16"), settings=settings)
    with refused(H.HandlingError, "补正期限至 2026-03-16，尚未届满"):
        await H.correction_lapsed(db, app, D("2026-03-16"), settings=settings)
    res = await H.correction_lapsed(db, app, D("2026-03-17"), settings=settings)
    assert res.application.timeliness == "on_time"


async def test_long_consultation_needs_a_reason(db, settings):
    app = await new_app(db, "2026-06-01", "k")
    await H.start_consultation(db, app, "third_party", D("2026-06-03"), party="某公司", settings=settings)
    with refused(H.ReasonRequired, "32 个工作日"):
        await H.end_consultation(db, app, D("2026-07-20"), settings=settings)
    assert (await H.find_application(db, app.id)).status == "consultation"  # nothing stored
    res = await H.end_consultation(db, app, D("2026-07-20"), reason="第三方逾期答复，经催告", settings=settings)
    assert res.deadline.due == D("2026-08-13") and res.event.reason == "第三方逾期答复，经催告"
    assert res.warnings and "15个工作日" in res.warnings[0]
    longer = Settings(staff_ids=[9000001], consultation_transit_days=20)  # a larger local allowance
    app2 = await new_app(db, "2026-06-01", "k2")
    res = await H.start_consultation(db, app2, "agency", D("2026-06-03"), end=D("2026-07-20"), settings=longer)
    assert res.warnings == []


async def test_art35_through_the_service(db, settings):
    app = await new_app(db, "2026-05-06", "c35")
    with refused(H.HandlingError, "不是工作日"):
        await H.set_custom_deadline(db, app, D("2026-07-18"), "申请数量明显超过合理范围", on=D("2026-05-20"),
                                    settings=settings)
    await H.set_custom_deadline(db, app, D("2026-07-15"), "申请数量明显超过合理范围", on=D("2026-05-20"),
                                settings=settings)
    res = await H.close(db, app, "open", D("2026-07-10"), settings=settings)
    assert res.application.timeliness == "extended"


# --- scripted year 2026 through the command line (hand-computed 按时/延期/逾期) -----------------------

HYPOTHETICAL_2027 = """date,type,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-04,holiday,元旦
"""  # test data only — NOT the real 2027 schedule (01-04 off makes the provisional date visibly wrong)


def test_scripted_2026_and_2027_through_the_cli(monkeypatch, tmp_path):
    today_is(monkeypatch, "2026-11-27")
    ok("staff", "add", str(APPROVER), "--role", "approver", "--name", "李处长")
    # A: lapsed correction → 按时
    a = add("2026-03-02")
    ok("applications", "correction", a, "--on", "2026-03-04", "--until", "2026-03-16", "--what", "写明年份")
    ok("applications", "correction-lapsed", a, "--on", "2026-03-17")
    # B: withdrawn while awaiting a correction → 按时
    b = add("2026-04-01")
    ok("applications", "correction", b, "--on", "2026-04-03", "--until", "2026-04-20")
    ok("applications", "close", b, "--outcome", "other_withdrawn", "--on", "2026-04-10")
    # C: art. 35 later deadline, replied inside it → 延期
    c = add("2026-05-06")
    ok("applications", "custom-deadline", c, "--due", "2026-07-15", "--reason", "数量明显超过合理范围",
       "--on", "2026-05-20")
    ok("applications", "close", c, "--outcome", "open", "--on", "2026年7月10日")
    # D: a consultation of 32 working days (reason required), replied within the paused period → 按时
    d = add("2026-06-01")
    ok("applications", "consult", d, "--from", "2026-06-03", "--party", "某公司")
    res = cli("applications", "consult", d, "--to", "2026-07-20")
    assert res.exit_code == 1 and "请填写理由" in res.stderr
    res = ok("applications", "consult", d, "--to", "2026-07-20", "--reason", "第三方逾期答复")
    assert "2026-08-13" in res.stdout and "15个工作日" in res.stderr
    ok("applications", "close", d, "--outcome", "partial", "--on", "2026/08/10")
    # E: fee notice, paid; the days in between do not count → due 10-12, replied 10-12 → 按时
    e = add("2026-09-01")
    ok("applications", "fee-notice", e, "--amount", "300", "--on", "2026-09-08")
    assert "2026-10-12" in ok("applications", "fee-paid", e, "--on", "2026-09-14").stdout
    ok("applications", "close", e, "--outcome", "open", "--on", "2026-10-12")
    # F: fee notice never paid, closed after the window → 按时
    f = add("2026-03-10")
    ok("applications", "fee-notice", f, "--amount", "100", "--on", "2026-03-12")
    ok("applications", "close", f, "--outcome", "other_fee_unpaid", "--on", "2026-04-13")
    # G: replied after the due date 03-06 → 逾期
    g = add("2026-02-02")
    ok("applications", "close", g, "--outcome", "open", "--on", "2026-04-01")
    # H: extended on 10-20 by 20 WD → 11-19, replied 11-18 → 延期
    h = add("2026-09-18")
    ok("applications", "extend", h, "--days", "20", "--approver", "李处长", "--reason", "需调档", "--on", "2026-10-20")
    ok("applications", "close", h, "--outcome", "open", "--on", "2026-11-18")
    # I1, I2: received 2026-12-04; provisional due 2027-01-04 (元旦 known in advance)
    today_is(monkeypatch, "2026-12-04")
    i1, i2 = add("2026-12-04", "跨年申请一的文件"), add("2026-12-04", "跨年申请二的文件")
    shown = json.loads(ok("applications", "show", i1, "--json").stdout)["deadline"]
    assert (shown["due"], shown["provisional"]) == ("2027-01-04", True)

    legacy = json.loads(ok("report", "--year", "2026", "--format", "legacy", "--json").stdout)
    assert (legacy["rows"]["apps_closed.on_time"], legacy["rows"]["apps_closed.extended"],
            legacy["notes"]["apps_closed.late"]) == (5, 2, 1)
    assert legacy["rows"]["apps_closed"] == 8 and legacy["rows"]["apps_received"] == 10

    today_is(monkeypatch, "2027-01-06")
    ok("applications", "close", i1, "--outcome", "open", "--on", "2027-01-04")
    ok("applications", "close", i2, "--outcome", "open", "--on", "2027-01-05")
    before = json.loads(ok("report", "--year", "2027", "--format", "legacy", "--json").stdout)
    assert (before["rows"]["apps_closed.on_time"], before["notes"]["apps_closed.late"]) == (1, 1)

    path = tmp_path / "h2027.csv"
    path.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    res = ok("holidays", "import", str(path))
    assert f"{i2}：逾期办结 → 按时办结" in res.stdout
    after = json.loads(ok("report", "--year", "2027", "--format", "legacy", "--json").stdout)
    assert (after["rows"]["apps_closed.on_time"], after["notes"]["apps_closed.late"]) == (2, 0)
    text = ok("applications", "show", i2).stdout
    assert "办结时效：按时办结" in text and "暂定" not in text


def test_report_does_not_depend_on_when_the_calendar_was_imported(monkeypatch, tmp_path):
    """The same history gives the same report whether the 2027 schedule came before or after the closing."""
    path = tmp_path / "h2027.csv"
    path.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    today_is(monkeypatch, "2026-12-04")
    ok("holidays", "import", str(path))
    n = add("2026-12-04")
    today_is(monkeypatch, "2027-01-06")
    ok("applications", "close", n, "--outcome", "open", "--on", "2027-01-05")
    first = json.loads(ok("report", "--year", "2027", "--format", "legacy", "--json").stdout)
    assert first["rows"]["apps_closed.on_time"] == 1


# --- one validation for every entry point -----------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["--id-type", "resident_id", "--id-number", "123"], TA.BAD_RESIDENT_ID),
    (["--id-type", "passport", "--id-number", "123"], TA.BAD_ID_NUMBER),
    (["--id-type", "驾照", "--id-number", "G1234567"], "证件类型不正确"),
    (["--phone", "123"], TA.BAD_PHONE),
    (["--received", "2030-01-05"], "晚于今天"),
])
def test_cli_add_applies_the_chat_forms_rules(args, message):
    base = {"--channel": "letter", "--applicant": "natural_person", "--received": "2026-09-28",
            "--subject": "某项目的审批文件", "--name": "张三"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    res = cli("applications", "add", *[x for kv in base.items() for x in kv])
    assert res.exit_code == 1 and message in res.stderr and res.stdout == ""
    assert json.loads(ok("applications", "list", "--json").stdout) == []


def test_chat_form_and_cli_share_messages():
    from handlers.apply import validate

    assert validate("phone", "123", {}, False) == (None, TA.BAD_PHONE)
    assert validate("id_number", "123", {"id_type": "resident_id"}, False) == (None, TA.BAD_RESIDENT_ID)
    assert validate("description", "短", {}, False)[1] == TA.BAD_DESCRIPTION.format(low=5, limit=2000)


@pytest.mark.parametrize("typed", ["2026-09-28", "2026/09/28", "2026年9月28日", "２０２６年９月２８日"])
def test_cli_dates_in_three_spellings(typed):
    res = ok("applications", "add", "--channel", "in_person", "--applicant", "natural_person", "--received", typed,
             "--subject", "某项目的审批文件", "--name", "张三", "--json")
    assert json.loads(res.stdout)["receipt_date"] == "2026-09-28"


def test_cli_add_accepts_a_valid_identity():
    res = ok("applications", "add", "--channel", "in_person", "--applicant", "natural_person", "--received",
             "2026-09-28", "--subject", "某项目的审批文件", "--name", "张三", "--id-type", "居民身份证",
             "--id-number", "11010519491231002X", "--phone", "13812345678", "--json")
    number = json.loads(res.stdout)["number"]
    shown = json.loads(ok("applications", "show", number, "--json").stdout)
    assert shown["number"] == number


# --- ledger import -----------------------------------------------------------------------------------

LEDGER_HEAD = "收到申请日期,申请人类型,申请人姓名或名称,申请渠道,联系电话,答复期限,是否延期,延期工作日数,办结日期,办理结果,补正告知日期\n"


async def test_ledger_uses_the_same_rules(db, tmp_path, monkeypatch):
    from storage.ledger import LedgerError, import_ledger

    p = tmp_path / "l.csv"
    p.write_text(LEDGER_HEAD
                 + "2026-09-18,自然人,甲,网络,123,,,,,,\n"            # row 2: phone
                 + "2026-09-18,自然人,乙,网络,,2026-10-21,,,,,\n"      # row 3: typed due ≠ 2026-10-22
                 + "2026-09-18,自然人,丙,网络,,,是,,2026-11-10,予以公开,\n"  # row 4: blank extension length
                 + "2026-09-18,自然人,丁,网络,,,,,2026-10-20,other_no_correction,\n"  # row 5: no notice
                 + "2030-01-05,自然人,戊,网络,,,,,,,\n",                 # row 6: future receipt
                 encoding="utf-8")
    with pytest.raises(LedgerError) as err:
        await import_ledger(db, p)
    msg = error_text(err.value)
    assert f"第 2 行：{TA.BAD_PHONE}" in msg
    assert "第 3 行：“答复期限”2026-10-21 与按工作日历计算的 2026-10-22 不一致" in msg
    assert "第 4 行：“是否延期”为“是”，但未填写“延期工作日数”" in msg
    assert "第 5 行：填写了办理结果“逾期不补正”，但未填写“补正告知日期”" in msg
    assert "第 6 行：收到申请日期 2030-01-05 晚于今天" in msg

    rolled = Settings(receipt_roll_forward=True)  # local rule: a holiday receipt counts from the next working day
    q = tmp_path / "ok.csv"
    q.write_text(LEDGER_HEAD
                 + "2026-10-03,自然人,己,网络,,2026-11-04,,,2026-11-04,予以公开,\n"  # 国庆: day 0 is 10-08
                 + "2026-06-01,自然人,庚,网络,,,,,2026-06-20,other_no_correction,2026-06-03\n",
                 encoding="utf-8")
    result = await import_ledger(db, q, settings=rolled)
    assert result.count == 2
    t = await __import__("storage.statistics", fromlist=["build_report"]).build_report(db, 2026, "legacy",
                                                                                        settings=rolled)
    assert t.rows["apps_closed.on_time"] == 2


# --- reminders, /report, Table 四 ------------------------------------------------------------------

async def test_reminders_say_provisional(db, monkeypatch):
    from bot.reminders import reminder_text
    from storage.reminders import plan_reminders

    today_is(monkeypatch, "2026-12-04")
    settings = Settings(staff_ids=[7001], reminder_days=[5, 1])
    await new_app(db, "2026-12-04", "r")
    _today, plan = await plan_reminders(db, datetime(2026, 12, 28, 3, 0, tzinfo=timezone.utc), settings)
    lines = [reminder_text(r) for r in plan if r.kind.startswith("due_in")]
    assert lines and "2027-01-04（暂定）" in lines[0]
    digest = next(reminder_text(r) for r in plan if r.kind == "digest")
    assert "（暂定）" in digest


def test_table4_lists_and_optionally_counts_earlier_year_cases():
    ok("cases", "add", "review", "--filed", "2025-11-20")
    ok("cases", "close", "1", "--result", "corrected", "--decided", "2026-03-02")
    ok("cases", "add", "lit_direct", "--filed", "2026-02-01")
    r2025 = json.loads(ok("report", "--year", "2025", "--json").stdout)["table4"]
    assert r2025["review_pending"] == 1  # pending on 31 December 2025
    by_filing = json.loads(ok("report", "--year", "2026", "--json").stdout)["table4"]
    assert by_filing["review_total"] == 0 and by_filing["lit_direct_pending"] == 1
    text = ok("report", "--year", "2026").stdout
    assert "以前年度立案、本年审结的案件（按立案年度统计，未计入上表）" in text
    assert "行政复议（2025-11-20 立案，2026-03-02 审结）：纠正" in text
    by_decision = json.loads(ok("report", "--year", "2026", "--cases-by", "decision", "--json").stdout)["table4"]
    assert by_decision["review_corrected"] == 1 and by_decision["review_total"] == 1
    assert cli("report", "--year", "2026", "--cases-by", "whenever").exit_code == 1


@pytest.mark.parametrize("year,layout", [(2018, "legacy"), (2019, "2019"), (2020, "2019"), (2021, "2021")])
def test_layout_by_year(year, layout):
    from disclosure.tables import layout_for_year

    assert layout_for_year(year) == layout
    data = json.loads(ok("report", "--year", str(year), "--json").stdout)
    assert data["format"] == layout
