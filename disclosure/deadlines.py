"""The statutory reply deadline of a 依申请公开 application, derived from its inputs.

Inputs are the legal receipt date and the clock events; every date is derived here, never stored
as the only truth (domain.md §2). Conventions are documented in docs/deadlines.md.

Pure: no database, no aiogram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from disclosure.calendar import WorkCalendar, default_calendar

REGIME_2019_START = date(2019, 5, 15)
REGIME_2019 = "2019"
REGIME_2007 = "2007"

BASE_DAYS = {REGIME_2019: 20, REGIME_2007: 15}       # art. 33 (2019) / art. 24 (2007)
EXTENSION_CAP = {REGIME_2019: 20, REGIME_2007: 15}
CORRECTION_NOTICE_DAYS = 7                          # art. 30 (2019 only)
CONSULTATION_WINDOW_DAYS = 15                       # arts. 32, 34: the third party's / agency's reply period
FEE_PAYMENT_DAYS = 20                               # 信息处理费管理办法 art. 6: pay within 20 WD of the notice

CORRECTION_REQUESTED = "correction_requested"
CORRECTION_RECEIVED = "correction_received"
CORRECTION_LAPSED = "correction_lapsed"
CONSULTATION = "consultation"
EXTENSION = "extension"
CUSTOM_DEADLINE = "custom_deadline"
FEE_NOTICE = "fee_notice"
FEE_PAID = "fee_paid"
CLOSED = "closed"
EVENT_KINDS = (
    CORRECTION_REQUESTED,
    CORRECTION_RECEIVED,
    CORRECTION_LAPSED,
    CONSULTATION,
    EXTENSION,
    CUSTOM_DEADLINE,
    FEE_NOTICE,
    FEE_PAID,
    CLOSED,
)

RUNNING = "running"
AWAITING_CORRECTION = "awaiting_correction"
AWAITING_FEE = "awaiting_fee"
STATE_CLOSED = "closed"
LAPSED = "lapsed"

ON_TIME = "on_time"       # 按时办结
EXTENDED = "extended"     # 延期办结 (within an approved extension or an art. 35 deadline)
LATE = "late"             # 逾期办结
TIMELINESS = (ON_TIME, EXTENDED, LATE)

PAUSED_DAY_NAME = "征求意见（不计时）"
FEE_PAUSED_DAY_NAME = "缴纳信息处理费（不计时）"


# Bump when the engine's rules change in a way that can change a derived due date or timeliness.
ENGINE_RULES = "2026-11-issue11"


def derivation_fingerprint(calendar: WorkCalendar, *, roll_forward: bool = False,
                           consultation_transit_days: int = 0) -> str:
    """What a stored derived figure (timeliness, cached due dates) depends on besides the events."""
    return f"{calendar.fingerprint()}:{ENGINE_RULES}:{int(bool(roll_forward))}:{int(consultation_transit_days)}"


def regime_for(received: date) -> str:
    return REGIME_2019 if received >= REGIME_2019_START else REGIME_2007


@dataclass(frozen=True)
class ClockEvent:
    """One input of the deadline.

    - ``correction_requested``: ``on`` = notice date, ``end`` = end of the correction period (optional)
    - ``correction_received``: ``on`` = date the corrected application was received
    - ``correction_lapsed``: ``on`` = date the lapse is recorded (after the period's last day)
    - ``consultation``: ``on`` = start S, ``end`` = end E (None while it is still open)
    - ``extension``: ``on`` = approval/notice date, ``days`` = extra working days
    - ``custom_deadline`` (art. 35): ``on`` = notice date, ``end`` = the new deadline (``on`` itself if omitted)
    - ``fee_notice``: ``on`` = date the fee notice reached the applicant, ``end`` = last day to pay
      (default: the 20th working day after ``on``)
    - ``fee_paid``: ``on`` = date the fee was paid
    - ``closed``: ``on`` = date of the reply / closure
    """

    kind: str
    on: date
    end: date | None = None
    days: int | None = None


class DeadlineError(ValueError):
    """An event that the law or the event order does not allow. The message is bilingual."""


@dataclass(frozen=True)
class Pause:
    """A span of the reply period that does not count: a consultation (arts. 32–34) or a fee notice
    awaiting payment (信息处理费管理办法 art. 7). Working days in (after, until] are skipped."""

    kind: str  # "consultation" or "fee"
    start: date
    end: date | None  # None: still open
    working_days: int  # counted so far (open: up to the assumed end)
    limit: date | None = None  # consultation: last day of the 15-WD reply window plus transit
    over_limit: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start.isoformat(),
                "end": self.end.isoformat() if self.end else None, "working_days": self.working_days,
                "limit": self.limit.isoformat() if self.limit else None, "over_limit": self.over_limit}


@dataclass
class Deadline:
    received: date
    regime: str
    base_days: int
    clock_start: date
    due: date | None
    original_due: date | None
    correction_notice_due: date | None
    extended_days: int
    paused_days: int
    provisional: bool
    state: str
    skipped: list[tuple[date, str]]
    extension_cap: int = 20
    custom_due: date | None = None
    correction_due: date | None = None
    consultation_open: bool = False
    closed_on: date | None = None
    provisional_years: list[int] = field(default_factory=list)
    statutory_due: date | None = None  # base + extension (+ pauses), ignoring an art. 35 date
    pauses: list[Pause] = field(default_factory=list)
    fee_notice_on: date | None = None
    fee_due: date | None = None  # last day to pay the fee
    fee_paid_on: date | None = None
    closed_while_stopped: bool = False  # closed while the clock stood (awaiting a correction or a fee)
    warnings: list[str] = field(default_factory=list)
    events: tuple[ClockEvent, ...] = field(default=(), repr=False, compare=False)
    roll_forward: bool = field(default=False, repr=False, compare=False)
    consultation_transit_days: int = field(default=0, repr=False, compare=False)
    calendar: WorkCalendar | None = field(default=None, repr=False, compare=False)

    @property
    def extended(self) -> bool:
        return self.extended_days > 0

    @property
    def on_time(self) -> bool | None:
        """For a closed application: replied within the lawful time limit (extension/art. 35 included)."""
        tm = self.timeliness
        return None if tm is None else tm != LATE

    @property
    def closed_within_original(self) -> bool | None:
        """按时办结 (True) vs later (False), None if not closed."""
        tm = self.timeliness
        return None if tm is None else tm == ON_TIME

    @property
    def timeliness(self) -> str | None:
        """按时 / 延期 / 逾期 of a closed application, derived from its events (docs/deadlines.md §2).

        - closed by the correction-lapsed path, or while the clock stood (awaiting a correction or a
          fee payment, e.g. a withdrawal): 按时 — no reply period was running;
        - on or before the due date without extension: 按时;
        - later, but within an approved extension or an art. 35 deadline: 延期;
        - anything else: 逾期."""
        if self.closed_on is None or self.state not in (STATE_CLOSED, LAPSED):
            return None
        if self.state == LAPSED or self.closed_while_stopped:
            return ON_TIME
        if self.original_due is not None and self.closed_on <= self.original_due:
            return ON_TIME
        if self.due is not None and self.closed_on <= max(self.due, self.statutory_due or self.due):
            return EXTENDED
        return LATE

    def days_left(self, today: date) -> int | None:
        """Working days from ``today`` to the due date (negative when overdue)."""
        if self.due is None:
            return None
        cal = self.calendar or default_calendar()
        if self.due >= today:
            return cal.workdays_in(today, self.due)
        return -cal.workdays_in(self.due, today)

    def to_json(self) -> dict[str, Any]:
        iso = lambda d: d.isoformat() if d is not None else None  # noqa: E731
        return {
            "received": iso(self.received),
            "regime": self.regime,
            "base_days": self.base_days,
            "clock_start": iso(self.clock_start),
            "due": iso(self.due),
            "original_due": iso(self.original_due),
            "correction_notice_due": iso(self.correction_notice_due),
            "correction_due": iso(self.correction_due),
            "custom_due": iso(self.custom_due),
            "extended_days": self.extended_days,
            "extension_cap": self.extension_cap,
            "paused_days": self.paused_days,
            "pauses": [p.to_json() for p in self.pauses],
            "consultation_open": self.consultation_open,
            "fee_notice_on": iso(self.fee_notice_on),
            "fee_due": iso(self.fee_due),
            "fee_paid_on": iso(self.fee_paid_on),
            "state": self.state,
            "closed_on": iso(self.closed_on),
            "timeliness": self.timeliness,
            "provisional": self.provisional,
            "provisional_years": list(self.provisional_years),
            "warnings": list(self.warnings),
            "skipped": [{"date": d.isoformat(), "name": name} for d, name in self.skipped],
        }


def _err(zh: str, en: str) -> DeadlineError:
    return DeadlineError(f"{zh} / {en}")


def _d(day: date) -> str:
    return day.isoformat()


@dataclass
class _Clock:
    cal: WorkCalendar
    anchor: date
    base_days: int
    pauses: list[tuple[date, date]] = field(default_factory=list)
    extended_days: int = 0
    custom_due: date | None = None

    def _paused(self, day: date) -> bool:
        return any(start < day <= end for start, end in self.pauses)

    def walk(self, days: int) -> tuple[date, list[date]]:
        """The day on which ``days`` counting working days after the anchor are used up, and the
        working days skipped because a pause stopped the clock."""
        current = self.anchor
        counted = 0
        paused: list[date] = []
        while counted < days:
            current += timedelta(days=1)
            if not self.cal.is_workday(current):
                continue
            if self._paused(current):
                paused.append(current)
            else:
                counted += 1
        return current, paused

    def statutory_due(self) -> date:
        return self.walk(self.base_days + self.extended_days)[0]

    def due(self) -> date:
        return self.custom_due if self.custom_due is not None else self.statutory_due()


def compute_deadline(
    received: date,
    events: Sequence[ClockEvent] = (),
    calendar: WorkCalendar | None = None,
    *,
    roll_forward: bool = False,
    consultation_transit_days: int = 0,
) -> Deadline:
    """Derive the deadline of an application received on ``received`` (legal receipt date) with ``events``.

    Events are applied in date order (ties keep the given order). Raises DeadlineError when an event
    is not allowed at that point (see validate_event). A limit that is only provisional (it touches a
    year without official holiday data) or the 7-working-day correction notice limit is not enforced:
    the event is accepted and ``warnings`` says what to check. ``consultation_transit_days`` is the
    local allowance for the consultation letters' transit on top of the 15-WD reply window."""
    if isinstance(received, datetime):
        raise TypeError("received must be a legal date (Asia/Shanghai), not a datetime")
    cal = calendar if calendar is not None else default_calendar()
    regime = regime_for(received)
    base_days = BASE_DAYS[regime]
    cap = EXTENSION_CAP[regime]
    warnings: list[str] = []

    def start_from(day: date) -> date:
        # Local rule (GONGKAI_RECEIPT_ROLL_FORWARD): a receipt on a non-working day is deemed
        # received on the next working day, which is then day 0.
        return cal.next_workday(day) if roll_forward else day

    def provisional(*days: date) -> bool:
        return bool(cal.provisional_years_between(min(days), max(days)))

    def limit(ok: bool, zh: str, en: str, *span: date) -> None:
        """Enforce a limit computed on the calendar — or, if it is only provisional, warn."""
        if ok:
            return
        if provisional(*span):
            warnings.append(f"{zh}（暂定期限，请在导入官方节假日安排后核对） / {en} (provisional limit)")
            return
        raise _err(zh, en)

    clock_start = start_from(received)
    clock = _Clock(cal, clock_start, base_days)
    correction_notice_due = cal.add_workdays(clock_start, CORRECTION_NOTICE_DAYS) if regime == REGIME_2019 else None

    state = RUNNING
    stopped = False  # the reply clock stands from a correction request / fee notice until it is answered
    correction_request: ClockEvent | None = None
    corrections_requested = 0
    closed_on: date | None = None
    closed_while_stopped = False
    consultation_open = False
    consultations: list[tuple[date, date | None, date]] = []  # (start, recorded end, effective end)
    fee_notice: ClockEvent | None = None
    fee_due: date | None = None
    fee_paid_on: date | None = None
    horizon: list[date] = [received]
    if correction_notice_due is not None:
        horizon.append(correction_notice_due)

    ordered = sorted(events, key=lambda e: e.on)
    for ev in ordered:
        if ev.kind not in EVENT_KINDS:
            raise _err(f"未知事件类型 {ev.kind}", f"unknown event kind {ev.kind!r}")
        if ev.on < received:
            raise _err(
                f"事件日期 {_d(ev.on)} 早于收到申请之日 {_d(received)}",
                f"event date {_d(ev.on)} is before the receipt date {_d(received)}",
            )
        if state in (STATE_CLOSED, LAPSED):
            if ev.kind == CLOSED and state == LAPSED and closed_on is not None and ev.on >= closed_on:
                continue  # recording the outcome of a lapsed application
            raise _err("申请已办结，不能再登记时限事件", f"the application is already closed; {ev.kind} not allowed")

        if ev.kind == CORRECTION_REQUESTED:
            if state != RUNNING:
                raise _err("已在等待补正或缴费", "a correction or a fee payment is already awaited")
            if regime == REGIME_2019 and corrections_requested:
                raise _err("补正只能一次性告知（第三十条）", "the correction notice may be given only once (art. 30)")
            if clock.extended_days:
                raise _err("已延期的申请不能再要求补正", "a correction cannot be requested after an extension")
            if clock.custom_due is not None:
                raise _err("已另行确定答复期限，不能再要求补正", "a correction cannot be requested after an art. 35 deadline")
            if correction_notice_due is not None and ev.on > correction_notice_due:
                # Art. 30: a notice after 7 WD is a procedural fault of the agency, not a reason to lose
                # the applicant's correction: recorded and flagged.
                warnings.append(
                    f"补正告知晚于收到申请之日起7个工作日（应于 {_d(correction_notice_due)} 前作出，第三十条）"
                    f" / the correction notice was due by {_d(correction_notice_due)} (7 working days, art. 30)")
            current_due = clock.due()
            limit(ev.on <= current_due,
                  f"补正告知日期晚于答复期限 {_d(current_due)}",
                  f"correction requested after the due date {_d(current_due)}", clock.anchor, ev.on, current_due)
            if ev.end is not None and ev.end < ev.on:
                raise _err("补正期限早于告知日期", "the correction period ends before the notice date")
            state = AWAITING_CORRECTION
            stopped = True
            correction_request = ev
            corrections_requested += 1
            if ev.end is not None:
                horizon.append(ev.end)

        elif ev.kind == CORRECTION_RECEIVED:
            if state != AWAITING_CORRECTION or correction_request is None:
                raise _err("未要求补正，不能登记收到补正", "correction received without a correction request")
            # Art. 30: the reply period runs from receipt of the corrected application.
            clock.anchor = start_from(ev.on)
            state = RUNNING
            stopped = False

        elif ev.kind == CORRECTION_LAPSED:
            if state != AWAITING_CORRECTION or correction_request is None:
                raise _err("未要求补正，不能登记逾期未补正", "correction lapsed without a correction request")
            if correction_request.end is not None and ev.on <= correction_request.end:
                raise _err(
                    f"补正期限至 {_d(correction_request.end)}，尚未届满",
                    f"the correction period runs until {_d(correction_request.end)}",
                )
            state = LAPSED
            closed_on = ev.on

        elif ev.kind == CONSULTATION:
            if state != RUNNING:
                raise _err("等待补正或缴费期间不能登记征求意见",
                           "a consultation cannot start while waiting for a correction or a fee")
            current_due = clock.due()
            limit(ev.on <= current_due,
                  f"征求意见开始日 {_d(ev.on)} 晚于答复期限 {_d(current_due)}",
                  f"consultation starts after the due date {_d(current_due)}", clock.anchor, ev.on, current_due)
            end = ev.end
            if end is None:
                # Still open: assume the statutory 15-working-day reply window (arts. 32, 34).
                end = cal.add_workdays(ev.on, CONSULTATION_WINDOW_DAYS)
                consultation_open = True
            elif end < ev.on:
                raise _err("征求意见结束日早于开始日", f"consultation end {_d(end)} is before its start {_d(ev.on)}")
            clock.pauses.append((ev.on, end))
            consultations.append((ev.on, ev.end, end))
            horizon.append(end)

        elif ev.kind == EXTENSION:
            if state != RUNNING:
                raise _err("等待补正或缴费期间不能延期", "no extension while waiting for a correction or a fee")
            if clock.extended_days:
                raise _err("答复期限只能延长一次", "the reply period may be extended only once")
            if clock.custom_due is not None:
                raise _err("已另行确定答复期限，不能再延期", "no extension after an art. 35 deadline")
            days = ev.days
            if days is None or isinstance(days, bool) or not isinstance(days, int) or days < 1:
                raise _err("延期天数须为正整数", "extension days must be a positive whole number")
            if days > cap:
                raise _err(
                    f"延长答复期限最长不得超过{cap}个工作日",
                    f"an extension may not exceed {cap} working days (got {days})",
                )
            current_due = clock.due()
            limit(ev.on <= current_due,
                  f"延期须在答复期限 {_d(current_due)} 届满前作出",
                  f"the extension must be decided on or before the due date {_d(current_due)}",
                  clock.anchor, ev.on, current_due)
            clock.extended_days = days

        elif ev.kind == CUSTOM_DEADLINE:
            if state != RUNNING:
                raise _err("等待补正或缴费期间不能另行确定期限",
                           "no art. 35 deadline while waiting for a correction or a fee")
            new_due = ev.end or ev.on
            if new_due < ev.on:
                raise _err("另行确定的期限早于告知日期", "the art. 35 deadline is before its notice date")
            current_due = clock.due()
            limit(ev.on <= current_due,
                  f"另行确定期限须在答复期限 {_d(current_due)} 届满前告知",
                  f"the art. 35 deadline must be notified on or before the due date {_d(current_due)}",
                  clock.anchor, ev.on, current_due)
            statutory = clock.statutory_due()
            limit(new_due > statutory,
                  f"另行确定的答复期限 {_d(new_due)} 须晚于法定答复期限 {_d(statutory)}（第三十五条）",
                  f"the art. 35 deadline {_d(new_due)} must be later than the statutory due date {_d(statutory)}",
                  clock.anchor, new_due)
            limit(cal.is_workday(new_due),
                  f"另行确定的答复期限 {_d(new_due)} 不是工作日（{cal.rest_reason(new_due)}）",
                  f"the art. 35 deadline {_d(new_due)} is not a working day", new_due)
            clock.custom_due = new_due
            horizon.append(new_due)

        elif ev.kind == FEE_NOTICE:
            if state != RUNNING:
                raise _err("等待补正或缴费期间不能再发出收费通知",
                           "no fee notice while waiting for a correction or a fee")
            if fee_notice is not None:
                raise _err("该申请已发出过收费通知", "a fee notice was already given for this application")
            current_due = clock.due()
            # 办法 art. 6: the notice is given within the time limit for handling the application.
            limit(ev.on <= current_due,
                  f"收费通知须在答复期限 {_d(current_due)} 内发出",
                  f"the fee notice must be given on or before the due date {_d(current_due)}",
                  clock.anchor, ev.on, current_due)
            fee_due = ev.end or cal.add_workdays(ev.on, FEE_PAYMENT_DAYS)
            if fee_due <= ev.on:
                raise _err("缴费期限须晚于收费通知日期", "the payment deadline must be after the notice date")
            fee_notice = ev
            state = AWAITING_FEE
            stopped = True
            horizon.append(fee_due)

        elif ev.kind == FEE_PAID:
            if state != AWAITING_FEE or fee_notice is None:
                raise _err("未发出收费通知，不能登记缴费", "fee paid without a fee notice")
            if fee_due is not None and ev.on > fee_due:
                warnings.append(f"缴费日期 {_d(ev.on)} 晚于缴费期限 {_d(fee_due)}"
                                f" / paid after the payment deadline {_d(fee_due)}")
            # 办法 art. 7: from the day the notice is given to the day of payment does not count.
            clock.pauses.append((fee_notice.on - timedelta(days=1), ev.on))
            fee_paid_on = ev.on
            state = RUNNING
            stopped = False

        elif ev.kind == CLOSED:
            closed_while_stopped = stopped
            state = STATE_CLOSED
            closed_on = ev.on

    due: date | None
    original_due: date | None
    statutory_due: date | None = None
    skipped: list[tuple[date, str]] = []
    paused_days = 0
    if stopped:
        due = original_due = None
    else:
        statutory_due, paused = clock.walk(clock.base_days + clock.extended_days)
        original_due = clock.walk(clock.base_days)[0]
        due = clock.custom_due if clock.custom_due is not None else statutory_due
        paused_days = len(paused)
        fee_span = ((fee_notice.on - timedelta(days=1), fee_paid_on)
                    if fee_notice is not None and fee_paid_on is not None else None)
        span_end = max(due, statutory_due)
        for day, name in cal.non_working_days(clock.anchor, due):
            skipped.append((day, name))
        for d in set(paused):
            if d <= due:
                in_fee = fee_span is not None and fee_span[0] < d <= fee_span[1]
                skipped.append((d, FEE_PAUSED_DAY_NAME if in_fee else PAUSED_DAY_NAME))
        skipped.sort()
        horizon.extend([span_end, original_due])

    allowance = CONSULTATION_WINDOW_DAYS + max(0, int(consultation_transit_days))
    pauses: list[Pause] = []
    for start, recorded_end, end in consultations:
        if start < clock.anchor and end <= clock.anchor:
            continue  # voided by a correction restart
        limit_day = cal.add_workdays(start, allowance)
        over = recorded_end is not None and recorded_end > limit_day
        pauses.append(Pause(CONSULTATION, start, recorded_end, cal.workdays_in(max(start, clock.anchor), end),
                            limit_day, over))
        if over:
            warnings.append(
                f"征求意见 {_d(start)} 至 {_d(recorded_end)} 超过第三十二、三十四条规定的15个工作日"
                f"（另加在途 {allowance - CONSULTATION_WINDOW_DAYS} 个工作日，至 {_d(limit_day)}）"
                f" / the consultation exceeded 15 working days plus transit (limit {_d(limit_day)})")
    if fee_notice is not None:
        pauses.append(Pause("fee", fee_notice.on, fee_paid_on,
                            cal.workdays_in(fee_notice.on - timedelta(days=1), fee_paid_on) if fee_paid_on else 0,
                            fee_due, False))

    prov_years = cal.provisional_years_between(min(horizon), max(horizon))
    return Deadline(
        received=received,
        regime=regime,
        base_days=base_days,
        clock_start=clock.anchor,
        due=due,
        original_due=original_due,
        correction_notice_due=correction_notice_due,
        extended_days=clock.extended_days,
        paused_days=paused_days,
        provisional=bool(prov_years),
        state=state,
        skipped=skipped,
        extension_cap=cap,
        custom_due=clock.custom_due,
        correction_due=correction_request.end if correction_request is not None else None,
        consultation_open=consultation_open,
        closed_on=closed_on,
        provisional_years=prov_years,
        statutory_due=statutory_due,
        pauses=pauses,
        fee_notice_on=fee_notice.on if fee_notice is not None else None,
        fee_due=fee_due,
        fee_paid_on=fee_paid_on,
        closed_while_stopped=closed_while_stopped,
        warnings=warnings,
        events=tuple(events),
        roll_forward=roll_forward,
        consultation_transit_days=consultation_transit_days,
        calendar=cal,
    )


def validate_event(current: Deadline, event: ClockEvent) -> None:
    """Raise DeadlineError if ``event`` may not be added to the application behind ``current``."""
    if current.state in (STATE_CLOSED, LAPSED) and not (event.kind == CLOSED and current.state == LAPSED):
        raise _err("申请已办结，不能再登记时限事件", f"the application is already closed; {event.kind} not allowed")
    compute_deadline(
        current.received,
        (*current.events, event),
        current.calendar,
        roll_forward=current.roll_forward,
        consultation_transit_days=current.consultation_transit_days,
    )


def apply_event(current: Deadline, event: ClockEvent) -> Deadline:
    """The deadline after adding ``event`` (validated)."""
    validate_event(current, event)
    return compute_deadline(
        current.received,
        (*current.events, event),
        current.calendar,
        roll_forward=current.roll_forward,
        consultation_transit_days=current.consultation_transit_days,
    )
