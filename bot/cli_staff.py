"""``gongkai staff …``, ``gongkai reminders run`` and the handling commands of ``gongkai applications``.

The command line acts as a local administrator (whoever can run it can read the database anyway);
the one exception is an extension, which names its approver, who must hold the approver role.
"""

from __future__ import annotations

import getpass
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

import typer

from bot.cli_common import CliError, applications_app, command_group, fail, run
from bot.notices import applicant_notifier
from bot.settings import Settings, get_settings
from bot.texts import applications as TA
from bot.texts import staff as T
from bot.texts.errors import error_text
from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES
from disclosure.validation import parse_date_text
from storage import handling as H
from storage import personal as P
from storage.db import Database
from storage.staff import StaffError, add_staff, list_staff, mask_id, mask_name, remove_staff

staff_app = command_group("工作人员及其角色：handler（办理）、approver（审批延期）、admin（管理）。", no_args_is_help=True)
reminders_app = command_group("答复期限提醒。", no_args_is_help=True)


def choices_help(what: str, choices: dict[str, str]) -> str:
    """An option's help listing its valid values with their meaning: "渠道：in_person（当面）、…"."""
    return f"{what}：" + ", ".join(f"{code}（{label}）" for code, label in choices.items())



def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (containers)
        return "cli"


def _date(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date_text(value)
    except ValueError:
        fail(T.CLI_BAD_DATE.format(value=f"{what} {value}"))


def _instant(value: str, settings: Settings) -> datetime:
    """ISO date or date-time; naive values are local time in the office's time zone."""
    try:
        if "T" not in value and ":" not in value:
            parsed = datetime.combine(parse_date_text(value), time(12, 0))
        else:
            parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(T.CLI_BAD_INSTANT.format(value=value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.timezone))
    return parsed.astimezone(timezone.utc)


def _choice(value: str, choices, what: str) -> str:
    if value not in choices:
        fail(T.CLI_CHOICE.format(what=what, choices=", ".join(choices)))
    return value


# --- sending through the bot (reminders; applicant notices when a token is configured) -----------

def open_sender(settings: Settings) -> tuple[Callable[[int, str], Awaitable[object]], Callable[[], Awaitable[None]]]:
    """(send(chat_id, text), close()) through the Bot API. Tests replace this function."""
    if settings.bot_token is None:
        raise CliError(T.CLI_NO_TOKEN)
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(token=settings.bot_token.get_secret_value(), session=session)

    async def send(chat_id: int, text: str) -> None:
        await bot.send_message(chat_id=chat_id, text=text)

    return send, session.close


async def _with_notifier(settings: Settings, action: Callable[[H.Notifier | None], Awaitable[H.HandlingResult]]
                         ) -> H.HandlingResult:
    if settings.bot_token is None:
        return await action(None)
    send, close = open_sender(settings)
    try:
        return await action(applicant_notifier(send))
    finally:
        await close()


def _report(result: H.HandlingResult, what: str) -> None:
    app = result.application
    typer.echo(T.CLI_RECORDED.format(number=app.number, what=what, due=result.deadline.due or "—",
                                     status=T.STATUS_LABELS.get(app.status, app.status)))
    for warning in result.warnings:
        typer.echo(T.CLI_WARNING.format(text=warning), err=True)
    if result.notified is None and result.event.kind in ("correction_requested", "extension", "closed",
                                                         "correction_lapsed", "custom_deadline", "fee_notice"):
        typer.echo(T.CLI_NOTIFY_WRITTEN)
    elif result.notified is False:
        typer.echo(T.CLI_NOTIFY_FAILED)


def _handle(coro_factory: Callable[[Database, Settings], Awaitable[H.HandlingResult]], what: str) -> None:
    settings = get_settings()

    async def main(db: Database) -> H.HandlingResult:
        try:
            return await coro_factory(db, settings)
        except H.HandlingError as exc:
            raise CliError(error_text(exc)) from None

    _report(run(main), what)


# --- staff ----------------------------------------------------------------------------------------

def staff_add(
    telegram_id: int = typer.Argument(..., help="工作人员的 Telegram 用户 id"),
    role: str = typer.Option(..., "--role", help="角色：handler（办理）、approver（审批延期）、admin（管理）"),
    name: Optional[str] = typer.Option(None, "--name", help="姓名（显示在办理记录中）"),
) -> None:
    """添加工作人员，或为其增加一个角色。"""
    async def main(db: Database):
        try:
            return await add_staff(db, telegram_id, role, name=name, actor=_actor())
        except StaffError as exc:
            raise CliError(error_text(exc)) from None

    member = run(main)
    typer.echo(T.CLI_STAFF_ADDED.format(id=mask_id(telegram_id), roles=member.roles))


def staff_remove(
    telegram_id: int = typer.Argument(..., help="工作人员的 Telegram 用户 id"),
    role: Optional[str] = typer.Option(None, "--role", help="只取消这一个角色"),
) -> None:
    """移除工作人员（或其某个角色）。GONGKAI_STAFF_IDS 中的管理员始终保留管理员角色。"""
    async def main(db: Database):
        try:
            return await remove_staff(db, telegram_id, role=role, actor=_actor())
        except StaffError as exc:
            raise CliError(error_text(exc)) from None

    left = run(main)
    if left is None:
        typer.echo(T.CLI_STAFF_REMOVED.format(id=mask_id(telegram_id)))
    else:
        typer.echo(T.CLI_STAFF_LEFT.format(id=mask_id(telegram_id), roles=left.roles))


def staff_list(as_json: bool = typer.Option(False, "--json", help="以 JSON 输出")) -> None:
    """列出工作人员（id 和姓名部分隐藏）。"""
    settings = get_settings()
    entries = run(lambda db: list_staff(db, settings), read_only=True)
    if as_json:
        typer.echo(json.dumps([{"id": mask_id(e.telegram_id), "name": mask_name(e.name), "roles": list(e.roles),
                                "source": e.source, "blocked_bot": e.blocked_bot} for e in entries],
                              ensure_ascii=False))
        return
    if not entries:
        typer.echo(T.CLI_STAFF_EMPTY)
    for e in entries:
        typer.echo(T.CLI_STAFF_LINE.format(id=mask_id(e.telegram_id), name=mask_name(e.name) or "—",
                                           roles=",".join(e.roles) or "—", source=e.source,
                                           blocked=T.CLI_BLOCKED if e.blocked_bot else ""))


def staff_link(telegram_id: int = typer.Argument(..., help="工作人员的 Telegram 用户 id")) -> None:
    """打印网页办理台的一次性登录链接（供不使用 Telegram 的办公室在服务器上使用；几分钟内有效，只能用一次）。"""
    from bot.desk import signin_link
    from bot.texts import web as TW
    from storage.web import WebError

    settings = get_settings()

    async def main(db: Database):
        try:
            return await signin_link(db, settings, telegram_id, issued_by=_actor())
        except WebError as exc:
            raise CliError(error_text(exc)) from None

    link = run(main)
    expires = link.expires_at.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")
    typer.echo(TW.CLI_LINK.format(url=link.url, minutes=link.minutes, expires=expires))
    if not settings.web_url:
        typer.echo(TW.CLI_LINK_LOCAL, err=True)


# --- reminders ------------------------------------------------------------------------------------

def reminders_run(
    now: Optional[str] = typer.Option(None, "--now", help="按此时刻检查（YYYY-MM-DD 或 YYYY-MM-DDTHH:MM，北京时间；默认现在）"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只列出应发送的提醒，不发送也不记录"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """检查一次到期和逾期的申请并提醒工作人员（供定时任务使用；每条提醒只发一次）。"""
    from bot.reminders import run_reminder_scan
    from storage.reminders import plan_reminders

    settings = get_settings()
    instant = _instant(now, settings) if now else datetime.now(timezone.utc)

    async def main(db: Database):
        if dry_run:
            return await plan_reminders(db, instant, settings)
        send, close = open_sender(settings)
        try:
            return await run_reminder_scan(db, instant, send, settings)
        finally:
            await close()

    result = run(main, read_only=dry_run)
    if dry_run:
        today, plan = result
        if as_json:
            typer.echo(json.dumps({"today": today.isoformat(), "planned": [
                {"key": r.key, "kind": r.kind, "recipient": mask_id(r.recipient)} for r in plan]}, ensure_ascii=False))
        else:
            for r in plan:
                typer.echo(f"{r.kind}\t{mask_id(r.recipient)}\t{r.key}")
        return
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        typer.echo(T.CLI_SCAN.format(**result.to_json()))


# --- applications: reading ------------------------------------------------------------------------

def applications_list(
    open_only: bool = typer.Option(False, "--open", help="只列出未办结的申请"),
    overdue: bool = typer.Option(False, "--overdue", help="只列出已超过答复期限的申请"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """按答复期限先后列出申请（不含个人信息；详情见 gongkai applications show）。"""
    settings = get_settings()
    today = H.local_today(settings)
    items = run(lambda db: H.open_queue(db, today, settings=settings, include_closed=not (open_only or overdue)),
                read_only=True)
    if overdue:
        items = [i for i in items if i.days_left is not None and i.days_left < 0]
    if as_json:
        typer.echo(json.dumps([{
            "id": i.application.id, "number": i.application.number, "status": i.application.status,
            "channel": i.application.channel, "receipt_date": i.application.receipt_date.isoformat(),
            "due": i.deadline.due.isoformat() if i.deadline.due else None, "days_left": i.days_left,
            "outcome": i.application.outcome,
        } for i in items], ensure_ascii=False))
        return
    if not items:
        typer.echo(T.CLI_LIST_EMPTY)
    for i in items:
        app = i.application
        left = T.left_label(i.days_left) if app.status != "closed" else (app.outcome or "")
        typer.echo(f"{app.number}\t{T.STATUS_LABELS.get(app.status, app.status)}\t{app.receipt_date}\t"
                   f"{i.deadline.due or '—'}\t{left}")


def applications_show(ref: str = typer.Argument(..., help="申请编号（如 2026-0001）或 id"),
                      full: bool = typer.Option(False, "--full", help="显示完整个人信息（记入个人信息访问日志）"),
                      as_json: bool = typer.Option(False, "--json", help="以 JSON 输出")) -> None:
    """查看一件申请：答复期限及全部办理记录（个人信息默认部分隐藏）。"""
    settings = get_settings()

    async def main(db: Database):
        try:
            if full:
                revealed = await P.reveal_application(db, ref, actor=_actor(), channel="cli")
                app, applicant = revealed.application, revealed.applicant
            else:
                app = await H.find_application(db, ref)
                applicant = P.masked_applicant(db, app)
            others = [a.number for a in await P.same_applicant(db, app)]
        except (H.HandlingError, P.PersonalDataError) as exc:
            raise CliError(error_text(exc)) from None
        from storage.calendar import load_calendar
        calendar = await load_calendar(db)
        dl = await H.deadline_for(db, app, calendar=calendar, settings=settings)
        events = await H.events_of(db, app.id)
        left = H.working_days_left(calendar, H.local_today(settings), dl.due) if dl.due else None
        return app, applicant, others, dl, events, left

    app, applicant, others, dl, events, left = run(main, read_only=not full)
    if as_json:
        typer.echo(json.dumps({
            "id": app.id, "number": app.number, "status": app.status, "outcome": app.outcome,
            "closed_date": app.closed_date.isoformat() if app.closed_date else None,
            "channel": app.channel, "applicant_type": app.applicant_type, "applicant": applicant.as_dict(),
            "same_applicant": others,
            "description": app.description, "deadline": dl.to_json(), "days_left": left,
            "events": [{"kind": e.kind, "on": e.on_date.isoformat() if e.on_date else None,
                        "end": e.end_date.isoformat() if e.end_date else None, "days": e.days, "actor": e.actor,
                        "reason": e.reason, "data": e.data, "at": e.created_at.isoformat()} for e in events],
        }, ensure_ascii=False))
        return
    typer.echo(T.render_card(app, dl, events, left, applicant=applicant, others=others,
                             outcome_labels={c: o.label for c, o in OUTCOMES.items()},
                             applicant_labels=APPLICANT_TYPES, channel_labels=CHANNELS))


# --- applications: handling -----------------------------------------------------------------------

def applications_correction(
    ref: str = typer.Argument(..., help="申请编号或 id"),
    on: Optional[str] = typer.Option(None, "--on", "--requested", help="补正告知日期"),
    until: Optional[str] = typer.Option(None, "--until", help="补正期限（最后一日）"),
    period_days: Optional[int] = typer.Option(None, "--period-days", help="补正期限（自然日）"),
    what: str = typer.Option("", "--what", help="需要补正的内容（一次性告知）"),
    received: Optional[str] = typer.Option(None, "--received", help="登记收到补正的日期"),
) -> None:
    """登记补正告知（第三十条）；加 --received 则登记收到补正。"""
    if received is not None:
        got = _date(received, "--received")
        _handle(lambda db, s: _with_notifier(s, lambda n: H.receive_correction(
            db, ref, got, actor=_actor(), notifier=n, settings=s)), "收到补正")
        return
    notice = _date(on, "--on")
    end = _date(until, "--until")
    if notice is None or (end is None and period_days is None):
        fail(T.CLI_CORRECTION_ARGS)
    if end is None:
        end = notice + timedelta(days=period_days)
    _handle(lambda db, s: _with_notifier(s, lambda n: H.request_correction(
        db, ref, notice, end, what=what, actor=_actor(), notifier=n, settings=s)), "告知补正")


def applications_correction_received(ref: str = typer.Argument(..., help="申请编号或 id"),
                                     on: str = typer.Option(..., "--on", help="收到补正的日期")) -> None:
    """登记收到补正：答复期限自该日重新起算。"""
    got = _date(on, "--on")
    _handle(lambda db, s: _with_notifier(s, lambda n: H.receive_correction(
        db, ref, got, actor=_actor(), notifier=n, settings=s)), "收到补正")


def applications_correction_lapsed(ref: str = typer.Argument(..., help="申请编号或 id"),
                                   on: str = typer.Option(..., "--on", help="补正期限届满后登记的日期")) -> None:
    """补正期限内未补正：按“逾期不补正”办结。"""
    day = _date(on, "--on")
    _handle(lambda db, s: _with_notifier(s, lambda n: H.correction_lapsed(
        db, ref, day, actor=_actor(), notifier=n, settings=s)), "逾期未补正")


def applications_consult(
    ref: str = typer.Argument(..., help="申请编号或 id"),
    start: Optional[str] = typer.Option(None, "--from", help="开始征求意见的日期"),
    end: Optional[str] = typer.Option(None, "--to", help="结束日期（只给 --to 则结束进行中的征求意见）"),
    kind: str = typer.Option("third_party", "--kind", help=choices_help("对象类别", T.CONSULT_PARTIES)),
    party: str = typer.Option("", "--party", help="征求意见对象的名称"),
    reason: str = typer.Option("", "--reason", help="超过15个工作日（另加在途期限）时必填的理由"),
) -> None:
    """登记征求第三方或其他机关意见（所需时间不计入答复期限，第三十二至三十四条）。"""
    s_day, e_day = _date(start, "--from"), _date(end, "--to")
    if s_day is None and e_day is None:
        fail(T.CLI_CONSULT_ARGS)
    if s_day is None:
        _handle(lambda db, s: H.end_consultation(db, ref, e_day, reason=reason or None, actor=_actor(), settings=s),
                "征求意见结束")
        return
    _choice(kind, T.CONSULT_PARTIES, "--kind")
    _handle(lambda db, s: H.start_consultation(db, ref, kind, s_day, end=e_day, party=party or None,
                                               reason=reason or None, actor=_actor(), settings=s), "征求意见")


def applications_fee_notice(
    ref: str = typer.Argument(..., help="申请编号或 id"),
    amount: str = typer.Option(..., "--amount", help="信息处理费金额（元）"),
    on: Optional[str] = typer.Option(None, "--on", help="收费通知送达日期（默认今天）"),
    pay_by: Optional[str] = typer.Option(None, "--pay-by", help="缴费期限（默认送达后第20个工作日）"),
    basis: str = typer.Option("", "--basis", help="收费依据、标准（按件或按量）"),
) -> None:
    """登记信息处理费收费通知（《政府信息公开信息处理费管理办法》）：缴费前答复期限暂停计算。"""
    settings = get_settings()
    day = _date(on, "--on") or H.local_today(settings)
    until = _date(pay_by, "--pay-by")
    _handle(lambda db, s: _with_notifier(s, lambda n: H.fee_notice(
        db, ref, day, amount, pay_by=until, basis=basis, actor=_actor(), notifier=n, settings=s)), "收费通知")


def applications_fee_paid(ref: str = typer.Argument(..., help="申请编号或 id"),
                          on: Optional[str] = typer.Option(None, "--on", help="缴费日期（默认今天）")) -> None:
    """登记申请人已缴纳信息处理费：答复期限恢复计算。"""
    settings = get_settings()
    day = _date(on, "--on") or H.local_today(settings)
    _handle(lambda db, s: H.fee_paid(db, ref, day, actor=_actor(), settings=s), "已缴费")


def applications_extend(
    ref: str = typer.Argument(..., help="申请编号或 id"),
    days: int = typer.Option(..., "--days", help="延长的工作日数（≤ 20，2019 年 5 月 15 日前收到的 ≤ 15）"),
    approver: str = typer.Option(..., "--approver", help="批准人（Telegram id 或姓名，须有 approver 角色）"),
    reason: str = typer.Option(..., "--reason", help="延期理由（将告知申请人）"),
    on: Optional[str] = typer.Option(None, "--on", help="批准/告知日期（默认今天）"),
) -> None:
    """延长答复期限（第三十三条，只能延长一次）。"""
    settings = get_settings()
    day = _date(on, "--on") or H.local_today(settings)
    _handle(lambda db, s: _with_notifier(s, lambda n: H.extend(
        db, ref, days, approver, reason, day, actor=_actor(), notifier=n, settings=s)), f"延期 {days} 个工作日")


def applications_custom_deadline(
    ref: str = typer.Argument(..., help="申请编号或 id"),
    due: str = typer.Option(..., "--due", help="另行确定的答复期限，YYYY-MM-DD"),
    reason: str = typer.Option(..., "--reason", help="理由（将告知申请人）"),
    on: Optional[str] = typer.Option(None, "--on", help="告知日期（默认今天）"),
) -> None:
    """依第三十五条为申请数量、频次明显超过合理范围的申请另行确定答复期限。"""
    new_due = _date(due, "--due")
    day = _date(on, "--on")
    _handle(lambda db, s: _with_notifier(s, lambda n: H.set_custom_deadline(
        db, ref, new_due, reason, on=day, actor=_actor(), notifier=n, settings=s)), "确定答复期限")


def applications_close(
    ref: str = typer.Argument(..., help="申请编号或 id"),
    outcome: str = typer.Option(..., "--outcome", help="办理结果代码（含义和统计表行见 gongkai outcomes）：" + ", ".join(OUTCOMES)),
    on: Optional[str] = typer.Option(None, "--on", help="答复日期（默认今天）"),
) -> None:
    """以一个办理结果代码办结申请。"""
    settings = get_settings()
    day = _date(on, "--on") or H.local_today(settings)
    _choice(outcome, OUTCOMES, "--outcome")
    _handle(lambda db, s: _with_notifier(s, lambda n: H.close(
        db, ref, outcome, day, _actor(), notifier=n, settings=s)), f"办结（{OUTCOMES[outcome].label}）")


def applications_note(ref: str = typer.Argument(..., help="申请编号或 id"),
                      text: str = typer.Argument(..., help="备注内容（仅工作人员可见）")) -> None:
    """在办理记录中添加备注（不影响答复期限）。"""
    async def main(db: Database):
        try:
            return await H.add_note(db, ref, text, actor=_actor())
        except H.HandlingError as exc:
            raise CliError(error_text(exc)) from None

    run(main)
    typer.echo(T.NOTE_SAVED)


def applications_add(
    channel: str = typer.Option(..., "--channel", help=choices_help("提交渠道", CHANNELS)),
    applicant: str = typer.Option(..., "--applicant", help=choices_help("申请人类型", APPLICANT_TYPES)),
    received: str = typer.Option(..., "--received",
                                 help="收到申请之日 YYYY-MM-DD[THH:MM]（北京时间，第三十一条）；也可写 2026/09/28 或 2026年9月28日"),
    subject: str = typer.Option(..., "--subject", help="所需政府信息的名称、文号或描述"),
    name: str = typer.Option("", "--name", help="申请人姓名或名称"),
    org_code: Optional[str] = typer.Option(None, "--org-code", help="统一社会信用代码（法人或其他组织）"),
    id_type: Optional[str] = typer.Option(None, "--id-type", help=choices_help("证件类型", TA.ID_TYPES)),
    id_number: Optional[str] = typer.Option(None, "--id-number", help="证件号码"),
    phone: Optional[str] = typer.Option(None, "--phone", help="联系电话"),
    email: Optional[str] = typer.Option(None, "--email", help="电子邮箱"),
    address: Optional[str] = typer.Option(None, "--address", help="通信地址"),
    doc_number: Optional[str] = typer.Option(None, "--doc-number", help="文号"),
    delivery_form: Optional[str] = typer.Option(None, "--delivery-form",
                                                help=choices_help("获取信息的形式", TA.DELIVERY_FORMS)),
    delivery_channel: Optional[str] = typer.Option(None, "--delivery-channel",
                                                   help=choices_help("获取信息的方式", TA.DELIVERY_CHANNELS)),
    key: Optional[str] = typer.Option(None, "--key", help="幂等键：用同一个键重复执行不会重复登记"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """登记当面、信函、传真等线下渠道收到的申请，并计算答复期限。"""
    from storage.applications import ApplicationDraft, DraftError, create_application

    settings = get_settings()
    _choice(channel, CHANNELS, "--channel")
    instant = _instant(received, settings)
    try:
        # the same rules and messages as the chat form and the ledger import
        draft = ApplicationDraft.build(
            applicant_type=applicant, name=name or T.CLI_NO_NAME, description=subject, org_code=org_code,
            id_type=id_type, id_number=id_number, phone=phone, email=email, address=address,
            doc_number=doc_number, delivery_form=delivery_form, delivery_channel=delivery_channel,
            submitted_at=instant,
        )
    except DraftError as exc:
        fail(error_text(exc))

    async def main(db: Database):
        try:
            created = await create_application(db, draft, idempotency_key=key or f"cli:{uuid.uuid4()}",
                                               received_at=instant, channel=channel, settings=settings)
        except DraftError as exc:
            raise CliError(error_text(exc)) from None
        dl = await H.deadline_for(db, created.application, settings=settings)
        return created.application, dl

    app, dl = run(main)
    if as_json:
        typer.echo(json.dumps({"id": app.id, "number": app.number, "receipt_date": app.receipt_date.isoformat(),
                               "due": dl.due.isoformat() if dl.due else None}, ensure_ascii=False))
    else:
        typer.echo(T.CLI_ADDED.format(number=app.number, receipt_date=app.receipt_date, due=dl.due or "—"))


def register(app: typer.Typer) -> None:
    staff_app.command("add")(staff_add)
    staff_app.command("remove")(staff_remove)
    staff_app.command("list")(staff_list)
    staff_app.command("link")(staff_link)
    app.add_typer(staff_app, name="staff")
    reminders_app.command("run")(reminders_run)
    app.add_typer(reminders_app, name="reminders")
    applications_app.command("list")(applications_list)
    applications_app.command("show")(applications_show)
    applications_app.command("add")(applications_add)
    applications_app.command("correction")(applications_correction)
    applications_app.command("correction-received")(applications_correction_received)
    applications_app.command("correction-lapsed")(applications_correction_lapsed)
    applications_app.command("consult")(applications_consult)
    applications_app.command("extend")(applications_extend)
    applications_app.command("custom-deadline")(applications_custom_deadline)
    applications_app.command("fee-notice")(applications_fee_notice)
    applications_app.command("fee-paid")(applications_fee_paid)
    applications_app.command("close")(applications_close)
    applications_app.command("note")(applications_note)
