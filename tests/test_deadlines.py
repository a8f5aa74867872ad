"""Deadline engine: domain.md §2.3 vectors, regimes, events in every sensible order, caps, properties, CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from disclosure.calendar import WorkCalendar, default_calendar
from disclosure.deadlines import (
    REGIME_2019_START,
    ClockEvent,
    DeadlineError,
    apply_event,
    compute_deadline,
    validate_event,
)

D = date.fromisoformat
CAL = default_calendar()
PACKAGE_ONLY = WorkCalendar()
# Test data only (a hypothetical official 2027 file), NOT the real 2027 schedule.
CAL_2027 = WorkCalendar({D("2027-01-01"): ("holiday", "元旦")}, [2027])


def ev(kind, on, end=None, days=None):
    return ClockEvent(kind, D(on), D(end) if end else None, days)


# --- domain.md §2.3 ----------------------------------------------------------------------------

VECTORS = [
    ("2026-09-18", 7, "2026-09-29"),
    ("2026-09-18", 20, "2026-10-22"),
    ("2026-09-18", 40, "2026-11-19"),
    ("2026-02-13", 20, "2026-03-19"),
    ("2026-04-30", 20, "2026-06-01"),
    ("2026-10-03", 20, "2026-11-03"),
    ("2026-11-23", 20, "2026-12-21"),
    ("2026-12-03", 20, "2026-12-31"),
    ("2018-09-28", 15, "2018-10-24"),
    ("2018-09-28", 30, "2018-11-14"),
    ("2019-05-15", 20, "2019-06-13"),
]


@pytest.mark.parametrize("calendar", [CAL, PACKAGE_ONLY], ids=["shipped", "package"])
@pytest.mark.parametrize("received,n,due", VECTORS)
def test_domain_vectors(received, n, due, calendar):
    r = D(received)
    assert calendar.add_workdays(r, n) == D(due)
    dl = compute_deadline(r, calendar=calendar)
    if n == dl.base_days:
        assert dl.due == D(due)
    elif n == 7:
        assert dl.correction_notice_due == D(due)
    else:  # base + maximum extension
        extended = compute_deadline(r, [ClockEvent("extension", r, days=dl.extension_cap)], calendar)
        assert extended.base_days + extended.extended_days == n
        assert extended.due == D(due)
        assert extended.original_due == dl.due
    assert dl.provisional is False


def test_receipt_on_holiday_default_and_roll_forward():
    default = compute_deadline(D("2026-10-03"), calendar=CAL)
    assert default.due == D("2026-11-03") and default.clock_start == D("2026-10-03")
    rolled = compute_deadline(D("2026-10-03"), calendar=CAL, roll_forward=True)
    assert rolled.clock_start == D("2026-10-08")
    assert rolled.due == D("2026-11-04")
    # roll-forward changes nothing for a receipt on a working day
    assert compute_deadline(D("2026-09-18"), calendar=CAL, roll_forward=True).due == D("2026-10-22")


def test_2026_12_04_without_2027_data_is_provisional_not_an_error():
    dl = compute_deadline(D("2026-12-04"), calendar=CAL)
    assert dl.provisional is True and dl.provisional_years == [2027]
    # the provisional fallback knows the statutory 元旦 (2027-01-01, a Friday) — never quoted as a due date
    assert dl.due == D("2027-01-04")
    assert (D("2027-01-01"), "元旦") in dl.skipped
    assert dl.to_json()["provisional"] is True


def test_2026_12_04_with_imported_2027_is_official():
    dl = compute_deadline(D("2026-12-04"), calendar=CAL_2027)
    assert dl.provisional is False
    assert dl.due == D("2027-01-04")
    assert (D("2027-01-01"), "元旦") in dl.skipped


def test_2026_12_03_is_provisional_only_when_extended_into_2027():
    assert compute_deadline(D("2026-12-03"), calendar=CAL).provisional is False
    ext = compute_deadline(D("2026-12-03"), [ev("extension", "2026-12-10", days=5)], CAL)
    assert ext.provisional is True


def test_correction_notice_due_provisional_from_late_december():
    dl = compute_deadline(D("2026-12-23"), calendar=CAL)
    assert dl.correction_notice_due == D("2027-01-04")
    assert dl.provisional


# --- regimes -----------------------------------------------------------------------------------

def test_regime_boundary():
    before = compute_deadline(REGIME_2019_START - timedelta(days=1), calendar=CAL)
    after = compute_deadline(REGIME_2019_START, calendar=CAL)
    assert (before.regime, before.base_days, before.extension_cap, before.correction_notice_due) == ("2007", 15, 15, None)
    assert (after.regime, after.base_days, after.extension_cap) == ("2019", 20, 20)
    assert after.correction_notice_due == CAL.add_workdays(REGIME_2019_START, 7)


# --- extension ---------------------------------------------------------------------------------

def test_extension_cap_2019():
    r = D("2026-09-18")
    assert compute_deadline(r, [ev("extension", "2026-10-20", days=20)], CAL).due == D("2026-11-19")
    with pytest.raises(DeadlineError, match="20"):
        compute_deadline(r, [ev("extension", "2026-10-20", days=21)], CAL)


def test_extension_cap_2007():
    r = D("2018-09-28")
    assert compute_deadline(r, [ev("extension", "2018-10-10", days=15)], CAL).due == D("2018-11-14")
    with pytest.raises(DeadlineError):
        compute_deadline(r, [ev("extension", "2018-10-10", days=16)], CAL)


@pytest.mark.parametrize("days", [0, -3, None, True])
def test_extension_days_must_be_positive(days):
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ClockEvent("extension", D("2026-09-21"), days=days)], CAL)


def test_second_extension_refused():
    current = compute_deadline(D("2026-09-18"), [ev("extension", "2026-10-20", days=5)], CAL)
    with pytest.raises(DeadlineError, match="once"):
        validate_event(current, ev("extension", "2026-10-21", days=5))


def test_extension_on_due_day_allowed_after_refused():
    r = D("2026-09-18")
    assert compute_deadline(r, [ev("extension", "2026-10-22", days=1)], CAL).due == D("2026-10-23")
    with pytest.raises(DeadlineError, match="2026-10-22"):
        compute_deadline(r, [ev("extension", "2026-10-23", days=1)], CAL)


def test_extension_deadline_counts_a_consultation():
    # The due date moved to 10-26 by a 2-WD consultation, so an extension on 10-23 is in time.
    events = [ev("consultation", "2026-09-21", "2026-09-23"), ev("extension", "2026-10-23", days=3)]
    dl = compute_deadline(D("2026-09-18"), events, CAL)
    assert dl.original_due == D("2026-10-26")
    assert dl.due == D("2026-10-29")


# --- consultation ------------------------------------------------------------------------------

def test_consultation_shifts_due_by_working_days_inside():
    r = D("2026-09-18")
    dl = compute_deadline(r, [ev("consultation", "2026-09-21", "2026-09-24")], CAL)
    # (09-21, 09-24] = 22, 23, 24: three working days
    assert dl.paused_days == 3
    assert dl.due == CAL.add_workdays(D("2026-10-22"), 3)
    names = dict(dl.skipped)
    assert names[D("2026-09-22")] == "征求意见（不计时）"


def test_consultation_over_holidays_only_pauses_working_days():
    dl = compute_deadline(D("2026-09-18"), [ev("consultation", "2026-09-30", "2026-10-08")], CAL)
    assert dl.paused_days == 1  # only 10-08
    assert dl.due == D("2026-10-23")


def test_overlapping_consultations_count_once():
    one = compute_deadline(D("2026-09-18"), [ev("consultation", "2026-09-21", "2026-09-29")], CAL)
    both = compute_deadline(
        D("2026-09-18"),
        [ev("consultation", "2026-09-21", "2026-09-29"), ev("consultation", "2026-09-23", "2026-09-25")],
        CAL,
    )
    assert both.due == one.due and both.paused_days == one.paused_days


def test_open_consultation_assumes_fifteen_working_days():
    dl = compute_deadline(D("2026-09-18"), [ClockEvent("consultation", D("2026-09-21"))], CAL)
    assert dl.consultation_open
    assert dl.paused_days == 15
    closed = compute_deadline(D("2026-09-18"), [ev("consultation", "2026-09-21", "2026-09-22")], CAL)
    assert closed.due < dl.due and not closed.consultation_open


def test_consultation_errors():
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("consultation", "2026-09-25", "2026-09-21")], CAL)
    with pytest.raises(DeadlineError, match="due date"):
        compute_deadline(D("2026-09-18"), [ev("consultation", "2026-10-23", "2026-10-30")], CAL)
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("consultation", "2026-09-17", "2026-09-22")], CAL)


# --- correction ----------------------------------------------------------------------------------

def test_correction_stops_the_clock_and_restarts_from_receipt_of_correction():
    r = D("2026-09-18")
    waiting = compute_deadline(r, [ev("correction_requested", "2026-09-22", "2026-10-12")], CAL)
    assert waiting.state == "awaiting_correction"
    assert waiting.due is None and waiting.original_due is None
    assert waiting.correction_due == D("2026-10-12")
    assert waiting.correction_notice_due == D("2026-09-29")
    restarted = apply_event(waiting, ev("correction_received", "2026-10-09"))
    assert restarted.state == "running"
    assert restarted.clock_start == D("2026-10-09")
    assert restarted.due == CAL.add_workdays(D("2026-10-09"), 20) == D("2026-11-05")  # make-up Saturday 10-10 is day 1


def test_correction_notice_after_seven_working_days_is_recorded_and_flagged():
    r = D("2026-09-18")
    assert compute_deadline(r, [ev("correction_requested", "2026-09-29")], CAL).warnings == []  # 7th WD
    late = compute_deadline(r, [ev("correction_requested", "2026-09-30")], CAL)
    assert late.state == "awaiting_correction"
    assert len(late.warnings) == 1 and "2026-09-29" in late.warnings[0] and "第三十条" in late.warnings[0]


def test_correction_only_once_in_2019_regime():
    events = [ev("correction_requested", "2026-09-21"), ev("correction_received", "2026-09-24")]
    current = compute_deadline(D("2026-09-18"), events, CAL)
    with pytest.raises(DeadlineError, match="once"):
        validate_event(current, ev("correction_requested", "2026-09-25"))


def test_2007_regime_has_no_seven_day_limit():
    r = D("2018-09-28")
    dl = compute_deadline(r, [ev("correction_requested", "2018-10-19"), ev("correction_received", "2018-10-22")], CAL)
    assert dl.correction_notice_due is None
    assert dl.due == CAL.add_workdays(D("2018-10-22"), 15)


def test_correction_received_without_request_refused():
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("correction_received", "2026-09-22")], CAL)


def test_correction_lapsed():
    events = [ev("correction_requested", "2026-09-21", "2026-10-12")]
    current = compute_deadline(D("2026-09-18"), events, CAL)
    with pytest.raises(DeadlineError, match="2026-10-12"):
        validate_event(current, ev("correction_lapsed", "2026-10-09"))
    with pytest.raises(DeadlineError, match="2026-10-12"):  # the period's last day still belongs to the applicant
        validate_event(current, ev("correction_lapsed", "2026-10-12"))
    lapsed = apply_event(current, ev("correction_lapsed", "2026-10-13"))
    assert lapsed.state == "lapsed" and lapsed.due is None and lapsed.closed_on == D("2026-10-13")
    with pytest.raises(DeadlineError):
        validate_event(lapsed, ev("correction_received", "2026-10-14"))
    # recording the outcome of the lapsed application is allowed
    assert apply_event(lapsed, ev("closed", "2026-10-13")).state == "lapsed"


def test_no_extension_or_consultation_while_waiting_for_correction():
    current = compute_deadline(D("2026-09-18"), [ev("correction_requested", "2026-09-21")], CAL)
    with pytest.raises(DeadlineError):
        validate_event(current, ev("extension", "2026-09-22", days=5))
    with pytest.raises(DeadlineError):
        validate_event(current, ev("consultation", "2026-09-22", "2026-09-25"))


def test_correction_after_extension_refused():
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("extension", "2026-09-21", days=5), ev("correction_requested", "2026-09-22")], CAL)


def test_full_life_correction_then_consultation_then_extension_then_close():
    events = [
        ev("correction_requested", "2026-09-21", "2026-10-12"),
        ev("correction_received", "2026-09-24"),
        ev("consultation", "2026-09-28", "2026-10-09"),
        ev("extension", "2026-10-30", days=10),
        ev("closed", "2026-11-05"),
    ]
    dl = compute_deadline(D("2026-09-18"), events, CAL)
    # restart 09-24 (09-25 is 中秋节, 10-10 a make-up Saturday) → 20 WD = 10-29;
    # consultation (09-28, 10-09] has 09-29, 09-30, 10-08, 10-09 → 4 WD
    assert CAL.add_workdays(D("2026-09-24"), 20) == D("2026-10-29")
    assert dl.paused_days == 4
    assert dl.original_due == D("2026-11-04")
    assert dl.due == CAL.add_workdays(D("2026-11-04"), 10) == D("2026-11-18")
    assert dl.state == "closed" and dl.closed_on == D("2026-11-05")
    assert dl.on_time is True and dl.closed_within_original is False


def test_consultation_before_correction_request_is_voided_by_restart():
    events = [
        ev("consultation", "2026-09-21", "2026-09-22"),
        ev("correction_requested", "2026-09-23"),
        ev("correction_received", "2026-09-28"),
    ]
    dl = compute_deadline(D("2026-09-18"), events, CAL)
    assert dl.paused_days == 0
    assert dl.due == CAL.add_workdays(D("2026-09-28"), 20)


def test_events_are_applied_in_date_order():
    events = [ev("correction_received", "2026-09-24"), ev("correction_requested", "2026-09-21")]
    ordered = list(reversed(events))
    assert compute_deadline(D("2026-09-18"), events, CAL).due == compute_deadline(D("2026-09-18"), ordered, CAL).due


# --- art. 35, closed, errors -------------------------------------------------------------------

def test_custom_deadline_replaces_due_and_blocks_extension():
    dl = compute_deadline(D("2026-09-18"), [ev("custom_deadline", "2026-10-15", "2026-12-15")], CAL)
    assert dl.due == D("2026-12-15") and dl.custom_due == D("2026-12-15")
    assert dl.original_due == D("2026-10-22")
    with pytest.raises(DeadlineError):
        validate_event(dl, ev("extension", "2026-10-16", days=5))
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("custom_deadline", "2026-10-23", "2026-12-15")], CAL)


def test_closed_refuses_later_events():
    dl = compute_deadline(D("2026-09-18"), [ev("closed", "2026-10-30")], CAL)
    assert dl.state == "closed" and dl.on_time is False
    with pytest.raises(DeadlineError):
        validate_event(dl, ev("extension", "2026-10-20", days=5))


def test_event_before_receipt_and_unknown_kind_refused():
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("closed", "2026-09-17")], CAL)
    with pytest.raises(DeadlineError):
        compute_deadline(D("2026-09-18"), [ev("paused", "2026-09-20")], CAL)


def test_validate_event_does_not_change_current():
    current = compute_deadline(D("2026-09-18"), calendar=CAL)
    validate_event(current, ev("extension", "2026-09-21", days=5))
    assert current.due == D("2026-10-22") and current.events == ()


def test_to_json_shape():
    data = compute_deadline(D("2026-09-18"), [ev("extension", "2026-09-21", days=20)], CAL).to_json()
    for key in ("received", "regime", "due", "original_due", "correction_notice_due", "provisional", "skipped",
                "extended_days", "paused_days", "state", "clock_start"):
        assert key in data
    assert data["received"] == "2026-09-18" and data["due"] == "2026-11-19" and data["regime"] == "2019"
    assert {"date": "2026-10-01", "name": "国庆节"} in data["skipped"]
    json.dumps(data)


def test_skipped_lists_every_non_working_day_between_start_and_due():
    dl = compute_deadline(D("2026-09-18"), calendar=CAL)
    assert [d for d, _ in dl.skipped] == [d for d, _ in CAL.non_working_days(D("2026-09-18"), D("2026-10-22"))]
    assert len(dl.skipped) == 14


# --- properties --------------------------------------------------------------------------------

receipts = st.dates(min_value=date(2017, 1, 1), max_value=date(2027, 6, 30))


@settings(max_examples=120, deadline=None)
@given(receipts, st.booleans())
def test_due_is_at_least_n_calendar_days_after_receipt(received, roll):
    dl = compute_deadline(received, calendar=CAL, roll_forward=roll)
    assert dl.due >= received + timedelta(days=dl.base_days)
    assert CAL.is_workday(dl.due)
    assert CAL.workdays_in(dl.clock_start, dl.due) == dl.base_days
    assert dl.provisional == any(CAL.is_provisional_year(y) for y in range(received.year, dl.due.year + 1))


@settings(max_examples=120, deadline=None)
@given(receipts, st.integers(min_value=1, max_value=14), st.integers(min_value=0, max_value=10))
def test_monotone_in_extension(received, n, offset):
    base = compute_deadline(received, calendar=CAL)
    on = CAL.add_workdays(received, min(offset, 5))
    smaller = compute_deadline(received, [ClockEvent("extension", on, days=n)], CAL)
    larger = compute_deadline(received, [ClockEvent("extension", on, days=n + 1)], CAL)
    assert base.due < smaller.due < larger.due
    assert CAL.workdays_in(base.due, smaller.due) == n


@settings(max_examples=120, deadline=None)
@given(receipts, st.integers(min_value=0, max_value=25), st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=10))
def test_monotone_in_pauses(received, start_offset, length, extra):
    base = compute_deadline(received, calendar=CAL)
    start = received + timedelta(days=start_offset)
    if start > base.due:
        return
    end = start + timedelta(days=length)
    paused = compute_deadline(received, [ClockEvent("consultation", start, end)], CAL)
    longer = compute_deadline(received, [ClockEvent("consultation", start, end + timedelta(days=extra))], CAL)
    assert base.due <= paused.due <= longer.due
    assert CAL.workdays_in(base.due, paused.due) == paused.paused_days
    assert paused.paused_days == CAL.workdays_in(max(start, received), min(end, paused.due))


# --- CLI ---------------------------------------------------------------------------------------

def _run(*args):
    from bot.cli import app

    return CliRunner().invoke(app, ["deadline", *args])


@pytest.mark.parametrize("received,n,due", [v for v in VECTORS if v[1] in (15, 20)])
def test_cli_vectors(received, n, due):
    out = _run("--received", received, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["due"] == due and data["base_days"] == n and data["provisional"] is False


def test_cli_extension_and_2007_extension():
    assert json.loads(_run("--received", "2026-09-18", "--extend", "20", "--json").stdout)["due"] == "2026-11-19"
    assert json.loads(_run("--received", "2018-09-28", "--extend", "15", "--json").stdout)["due"] == "2018-11-14"


def test_cli_roll_forward_flag_and_setting(monkeypatch):
    assert json.loads(_run("--received", "2026-10-03", "--roll-forward", "--json").stdout)["due"] == "2026-11-04"
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_RECEIPT_ROLL_FORWARD", "true")
    get_settings.cache_clear()
    assert json.loads(_run("--received", "2026-10-03", "--json").stdout)["due"] == "2026-11-04"
    assert json.loads(_run("--received", "2026-10-03", "--no-roll-forward", "--json").stdout)["due"] == "2026-11-03"


def test_cli_pause_and_correction():
    data = json.loads(_run("--received", "2026-09-18", "--pause", "2026-09-21:2026-09-24", "--json").stdout)
    assert data["paused_days"] == 3 and data["due"] == "2026-10-27"
    data = json.loads(_run("--received", "2026-09-18", "--correction-received", "2026-10-09", "--json").stdout)
    assert data["due"] == "2026-11-05" and data["clock_start"] == "2026-10-09"


def test_cli_provisional_text_summary():
    out = _run("--received", "2026-12-04")
    assert out.exit_code == 0
    assert "暂定" in out.stdout and "2027" in out.stdout
    assert "2027-01-04" in out.stdout and "元旦" in out.stdout


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--received", "2026-02-30"], "2026-02-30"),
        (["--received", "2026-09-18", "--extend", "25"], "20"),
        (["--received", "2026-09-18", "--extend", "21"], "20"),
        (["--received", "2026-09-18", "--pause", "2026-09-30:2026-09-21"], "2026-09-21"),
        (["--received", "2026-09-18", "--pause", "2026-09-30"], "2026-09-30"),
        (["--received", "2026-09-18", "--extend", "5", "--extend-on", "2026-10-23"], "2026-10-22"),
    ],
)
def test_cli_errors_exit_non_zero_with_message(args, needle):
    out = _run(*args)
    assert out.exit_code != 0
    assert needle in out.stderr
    assert out.stdout == ""


def test_cli_late_correction_notice_is_computed_with_a_warning():
    out = _run("--received", "2026-09-18", "--correction-requested", "2026-10-09", "--correction-received",
               "2026-10-12", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["due"] == D("2026-11-09").isoformat() and data["clock_start"] == "2026-10-12"
    assert any("7个工作日" in w for w in data["warnings"])


def test_roll_forward_also_applies_to_a_correction_received_on_a_holiday():
    events = [ev("correction_requested", "2026-09-21"), ev("correction_received", "2026-10-03")]
    default = compute_deadline(D("2026-09-18"), events, CAL)
    rolled = compute_deadline(D("2026-09-18"), events, CAL, roll_forward=True)
    assert default.clock_start == D("2026-10-03") and default.due == D("2026-11-03")
    assert rolled.clock_start == D("2026-10-08") and rolled.due == D("2026-11-04")


def test_datetime_receipt_rejected():
    from datetime import datetime

    with pytest.raises(TypeError):
        compute_deadline(datetime(2026, 9, 18, 10, 0), calendar=CAL)
