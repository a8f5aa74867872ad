"""Hostile input, property-based (hypothesis): report ingestion raises only its own errors, question
answering never raises, and no handler crashes on arbitrary text, emoji, control characters, 100 KB
messages, malformed callback data, stale buttons or absurd dates — and nothing corrupt is stored."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlmodel import select

from bot.texts import common as C
from disclosure.validation import normalize_phone, normalize_resident_id
from knowledge.extract import SUPPORTED, ExtractError
from knowledge.ingest import IngestError, read_report
from knowledge.parse import ParseError, parse_report
from storage.models import Application
from storage.personal import account_condition
from tests.bot_harness import Chat, fill_person_form, opened
from tests.conftest import REPORTS_DIR, keys_for_tests

# CI runs 60 examples per property; GONGKAI_FUZZ_EXAMPLES=2000 for a longer hunt.
FAST = settings(max_examples=int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
SAMPLE = (REPORTS_DIR / "jining-kejiju-2018.txt").read_text(encoding="utf-8").splitlines()

# Text that a hostile or careless client can send: any unicode incl. control characters and emoji.
nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "\x00", "\u202e反转", "👍" * 50, "\n\n\n", "/", "//", "/start@other_bot",
                     "/apply extra args", "/cancel", "跳过", "确认提交", "0000-00-00", "2026-02-30",
                     "9999-12-31", "-1", "1e309", "NaN", "'; DROP TABLE application; --", "%s%s%n",
                     "{{}}", "\ud7ff", "x" * 4097, "年" * 2001]),
)


# --- report ingestion ----------------------------------------------------------------------------

@FAST
@given(data=st.binary(max_size=4000), suffix=st.sampled_from(SUPPORTED))
def test_any_file_content_gives_a_report_or_an_ingest_error(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"report{suffix}"
        path.write_bytes(data)
        try:
            read_report(path)
        except IngestError as exc:
            assert isinstance(exc.__cause__, (ExtractError, ParseError)) or exc.__cause__ is None
            assert exc.reason  # a message for the operator


mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, len(SAMPLE) - 1)),
    st.tuples(st.just("dup"), st.integers(0, len(SAMPLE) - 1)),
    st.tuples(st.just("insert"), st.integers(0, len(SAMPLE)), nasty_text),
    st.tuples(st.just("replace"), st.integers(0, len(SAMPLE) - 1), nasty_text),
    st.tuples(st.just("truncate"), st.integers(0, len(SAMPLE))),
)


@FAST
@given(mutations=st.lists(mutation, max_size=8), agency=st.none() | st.text(max_size=20),
       year=st.none() | st.integers(-10**6, 10**6))
def test_mangled_reports_parse_or_raise_parse_error(mutations, agency, year):
    lines = list(SAMPLE)
    for m in mutations:
        kind, i = m[0], min(m[1], max(len(lines) - 1, 0))
        if not lines and kind != "insert":
            continue
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "insert":
            lines.insert(m[1], m[2])
        elif kind == "replace":
            lines[i] = m[2]
        else:
            lines = lines[: m[1]]
    try:
        report = parse_report(lines, agency=agency, year=year)
    except ParseError as exc:
        assert str(exc)
        return
    assert report.title is not None
    for cell in report.cells:
        assert cell.row_label is not None


# --- question answering ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def qa_service():
    from bot.qa import ingest_paths
    from bot.qa import QAService
    from storage.db import open_database

    async def load(tmp: str):
        db = await open_database(f"sqlite:///{tmp}/qa.db", keys=keys_for_tests())
        try:
            await ingest_paths(db, sorted(p for p in REPORTS_DIR.glob("*") if p.is_file()))
            return await QAService.load(db)
        finally:
            await db.dispose()

    with tempfile.TemporaryDirectory() as tmp:
        yield asyncio.run(load(tmp))


@FAST
@given(question=nasty_text, today=st.none() | st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
@example(question="济宁市科技局2018年主动公开多少条信息" * 5000, today=None)  # ≈ 100 KB
@example(question="\x00\x01\x02\x1b[31m" * 20000, today=None)
@example(question="9999年的报告里0000年复议了几次", today=date(9999, 12, 31))
def test_question_answering_never_raises(qa_service, question, today):
    answer = qa_service.answer(question, today=today)
    assert answer.answer is None or isinstance(answer.answer, str)
    assert answer.answer is not None or answer.source is None or answer.suggestions is not None


# --- handlers ------------------------------------------------------------------------------------

class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """One event loop, one SQLite database and one dispatcher for all examples of a property."""

    def __init__(self, tmp: Path) -> None:
        from storage.db import open_database
        from storage.staff import add_staff

        self.loop = asyncio.new_event_loop()
        self.db = self.run(open_database(f"sqlite:///{tmp}/fuzz.db", keys=keys_for_tests()))
        self.run(add_staff(self.db, 900, "admin", actor="test"))
        self.run(add_staff(self.db, 900, "approver", actor="test"))
        self.chat = Chat(self.db)
        self.errors = ErrorLog()
        logging.getLogger().addHandler(self.errors)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        self.run(self.db.dispose())
        self.loop.close()

    def feed(self, update):
        before_req = len(self.chat.session.requests)
        self.run(self.chat.feed(update))
        return self.chat.session.requests[before_req:]

    def assert_healthy(self, requests) -> None:
        errors = [r.getMessage() + "\n" + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                  for r in self.errors.records]
        self.errors.records.clear()
        assert errors == []
        texts = [p.get("text", "") for name, p in requests if name == "sendMessage"]
        assert C.DB_UNAVAILABLE not in texts  # the catch-all error reply means something crashed
        for name, params in requests:
            if name == "sendMessage":
                assert 0 < len(params["text"]) <= 4096
            if name == "answerCallbackQuery" and params.get("text"):
                assert len(params["text"]) <= 200

    def stored_applications_are_valid(self) -> None:
        async def check():
            async with self.db.session() as s:
                apps = [opened(self.db, a) for a in (await s.execute(select(Application))).scalars()]
            numbers = [a.number for a in apps]
            assert len(numbers) == len(set(numbers))
            for a in apps:
                assert a.name.strip() and "\n" not in a.name and len(a.name) <= 100
                assert 5 <= len(a.description) <= 2000
                assert not any(ch in a.description for ch in "\x00\x01\x1b")
                if a.id_type == "resident_id":
                    assert normalize_resident_id(a.id_number or "", today=a.receipt_date) == a.id_number
                assert a.phone is None or normalize_phone(a.phone) == a.phone
        self.run(check())


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = Harness(tmp_path_factory.mktemp("fuzz"))
    yield h
    h.close()


FORM_STOPS = [None, "name", "id_number", "phone", "email", "address", "description", "doc_number",
              "delivery_form", "delivery_channel"]


@FAST
@given(stop=st.sampled_from(FORM_STOPS + ["summary"]), text=nasty_text, user=st.integers(1, 50))
@example(stop="description", text="需要" + "很长的描述" * 20000, user=1)  # 100 KB in a form field
@example(stop=None, text="问" * 100_000, user=2)  # 100 KB question
def test_any_text_in_any_state_gets_a_reply_and_no_crash(harness, stop, text, user):
    chat = harness.chat
    if stop is not None:
        harness.run(chat.say("/cancel", user))
        harness.run(fill_person_form(chat, user, stop_before=None if stop == "summary" else stop))
    requests = harness.feed(chat.updates.text(user, text))
    harness.assert_healthy(requests)
    assert any(name == "sendMessage" for name, _ in requests) or text.startswith("/")
    harness.stored_applications_are_valid()


callback_data = st.one_of(
    st.text(max_size=64),
    st.builds(lambda step, value: f"f:{step}:{value}",
              st.sampled_from(["applicant_type", "id_type", "delivery_form", "delivery_channel", "email",
                               "address", "doc_number", "confirm", "edit", "ok", "name", "nope", ""]),
              st.text(max_size=30)),
    st.builds(lambda token, action, idx: f"q:{token}:{action}:{idx}",
              st.text(alphabet="0123456789abcdef", max_size=10), st.sampled_from(["s", "a", "x", ""]),
              st.one_of(st.integers(-10**20, 10**20).map(str), st.text(max_size=5))),
    st.builds(lambda a, app, v: f"st-{a}:{app}:{v}" if v != "-" else f"st-{a}:{app}",
              st.sampled_from(["card", "cancel", "note", "corr", "corp", "crcv", "clap", "cons", "consp",
                               "cend", "fee", "ext", "extd", "close", "out", "outok", "zzz"]),
              st.one_of(st.integers(-5, 5).map(str), st.integers(-10**30, 10**30).map(str), st.text(max_size=4)),
              st.one_of(st.integers(-10**9, 10**9).map(str), st.sampled_from(["", "-", "granted", "third_party",
                                                                              "partial", "9999-99-99", "0"]),
                        st.text(max_size=8))),
)


@FAST
@given(data=callback_data, user=st.sampled_from([1, 2, 900]), stop=st.sampled_from([None, "phone", "summary"]))
@example(data="f:ok:" + "0" * 16, user=1, stop="summary")  # someone else's / stale draft id
@example(data="st-extd:1:99999999", user=900, stop=None)  # absurd extension length from a real approver
@example(data="st-corp:1:36600", user=900, stop=None)  # absurd correction period
@example(data="st-card:" + "9" * 25, user=900, stop=None)  # an id beyond 64 bits (crashed the lookup)
@example(data="st:extd:1:20", user=900, stop=None)  # the single-class format of earlier versions
def test_any_callback_data_in_any_state_is_answered_without_crash(harness, data, user, stop):
    chat = harness.chat
    if user != 900:
        harness.run(chat.say("/cancel", user))
        if stop is not None:
            harness.run(fill_person_form(chat, user, stop_before=None if stop == "summary" else stop))
    else:
        _ensure_application(harness)
    requests = harness.feed(chat.updates.press(user, data))
    harness.assert_healthy(requests)
    assert any(name in ("answerCallbackQuery", "sendMessage") for name, _ in requests)
    if user == 900:  # a staff form step may now expect free text: absurd text there must not crash either
        harness.assert_healthy(harness.feed(chat.updates.text(user, "理由：" + data)))
        harness.run(chat.say("/cancel", user))
    harness.stored_applications_are_valid()


def _ensure_application(harness: Harness) -> None:
    async def has_one() -> bool:
        async with harness.db.session() as s:
            return (await s.execute(select(Application.id))).first() is not None

    if not harness.run(has_one()):
        chat = harness.chat
        harness.run(fill_person_form(chat, 3))
        harness.run(chat.press("确认提交", 3))


def test_stale_keyboards_after_the_form_moved_on(harness):
    """Every button of every earlier message, pressed again after submission: no crash, no second application."""
    chat = harness.chat
    user = 77
    harness.run(chat.say("/cancel", user))
    harness.run(fill_person_form(chat, user))
    harness.run(chat.press("确认提交", user))
    old = [m for m in chat.session.sent if m.chat_id == user and m.buttons()]
    assert len(old) >= 6

    async def count() -> int:
        async with harness.db.session() as s:
            return len((await s.execute(select(Application.id).where(account_condition(harness.db, user)))).all())

    for msg in old:
        for _, data in msg.buttons():
            harness.assert_healthy(harness.feed(chat.updates.press(user, data, msg)))
    assert harness.run(count()) == 1
    harness.stored_applications_are_valid()
