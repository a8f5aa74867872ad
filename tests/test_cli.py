"""The command line as a newcomer meets it: one Chinese error line, read-only commands that create
nothing, `gongkai status` and `gongkai outcomes`, help in one language, `ask` on a terminal."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from bot.cli import app
from bot.texts import cli as T
from disclosure.outcomes import OUTCOMES
from tests.conftest import REPORTS_DIR, ROOT, keys_for_tests

QINGHE = REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data_file(tmp_path) -> Path:
    """The configured SQLite file (tests/conftest.py points GONGKAI_DATABASE_URL at it)."""
    return tmp_path / "data" / "gongkai.db"


def one_error_line(result) -> str:
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and "Traceback" not in result.output
    return lines[0]


# --- errors -----------------------------------------------------------------------------------------

def test_an_empty_subject_is_one_chinese_line_and_stores_nothing(runner, data_file):
    result = runner.invoke(app, ["applications", "add", "--channel", "letter", "--applicant", "natural_person",
                                 "--received", "2026-03-02", "--subject", "  "])
    line = one_error_line(result)
    assert "所需信息" in line and "pydantic" not in line and "http" not in line
    assert not data_file.exists()


def test_report_into_a_missing_folder(runner, tmp_path, data_file):
    result = runner.invoke(app, ["report", "--year", "2025", "--out", str(tmp_path / "no" / "such" / "t.xlsx")])
    line = one_error_line(result)
    assert str(tmp_path / "no" / "such") in line
    assert not data_file.exists()


def test_an_unexpected_os_error_names_the_file(runner, tmp_path, monkeypatch):
    """An output path that fails only when written (here: a folder where the file should go)."""
    target = tmp_path / "t.xlsx"
    target.mkdir()
    result = runner.invoke(app, ["report", "--year", "2025", "--out", str(target)])
    line = one_error_line(result)
    assert str(target) in line and T.OS_REASON["EISDIR"] in line


def test_a_bug_is_one_line_and_debug_shows_the_traceback(runner, monkeypatch):
    import storage.statistics

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(storage.statistics, "build_report", broken)
    line = one_error_line(runner.invoke(app, ["report", "--year", "2025"]))
    assert "RuntimeError" in line and "boom" in line and "GONGKAI_DEBUG" in line
    monkeypatch.setenv("GONGKAI_DEBUG", "1")
    result = runner.invoke(app, ["report", "--year", "2025"])
    assert isinstance(result.exception, RuntimeError)


@pytest.mark.parametrize("args, expected", [
    (["report"], "缺少选项 --year"),
    (["report", "--year", "abc"], "--year 的值无效：应为整数"),
    (["report", "--yaer", "2025"], "没有选项 --yaer"),
    (["reprot"], "没有命令 reprot"),
    (["ask", "一", "二"], "多余的参数"),
    (["holidays", "show", "明年"], "YEAR 的值无效：应为整数"),
])
def test_usage_errors_are_chinese_with_a_hint(runner, args, expected):
    line = one_error_line(runner.invoke(app, args))
    assert expected in line and "--help" in line
    assert not re.search(r"\b(Missing|Invalid|No such|Usage|Got)\b", line)


def test_a_bad_setting_is_one_line_naming_the_variable(runner):
    line = one_error_line(runner.invoke(app, ["staff", "list"], env={"GONGKAI_STAFF_IDS": "abc"}))
    assert "GONGKAI_STAFF_IDS" in line


def test_a_damaged_pdf_prints_no_library_log_lines(runner, tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_bytes(b"%PDF-1.4\nnot really a pdf\n")
    result = runner.invoke(app, ["ingest", str(fake)])
    assert result.exit_code == 1
    assert all(HAN.search(line) for line in result.stderr.strip().splitlines()), result.stderr
    assert "EOF marker" not in result.output


# --- read-only commands ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["reports"], ["questions"], ["questions", "--unanswered"], ["report", "--year", "2025"],
    ["report", "--year", "2025", "--format", "legacy"], ["applications", "list"], ["applications", "list", "--open"],
    ["holidays", "show", "2026"], ["deadline", "--received", "2026-09-18"], ["cases", "list"], ["staff", "list"],
    ["reminders", "run", "--dry-run"], ["status"], ["outcomes"],
])
def test_read_only_commands_create_no_database(runner, args, data_file):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert not data_file.exists() and not data_file.parent.exists()


def test_show_of_an_unknown_application_creates_no_database(runner, data_file):
    line = one_error_line(runner.invoke(app, ["applications", "show", "2026-0001"]))
    assert "2026-0001" in line
    assert not data_file.exists()


def test_ask_without_reports_says_to_ingest_first(runner, data_file):
    result = runner.invoke(app, ["ask", "2023年收到多少申请"])
    assert one_error_line(result) == T.ERROR.format(message=T.ASK_NO_REPORTS)
    assert "gongkai ingest" in result.stderr
    result = runner.invoke(app, ["ask"], input="2023年收到多少申请\n")  # before reading any question
    assert result.exit_code == 1 and "gongkai ingest" in result.stderr
    assert not data_file.exists()


# --- status ---------------------------------------------------------------------------------------------

def test_status_of_a_fresh_folder(runner, data_file):
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0
    out = result.stdout
    assert T.STATUS_DATA_FILE_MISSING.format(path=data_file) in out
    assert T.STATUS_REPORTS_NONE in out and T.STATUS_APPLICATIONS_NONE in out
    assert "sqlite:///" in out and "2026" in out  # the shipped schedule makes 2026 official
    assert not data_file.exists()


def test_status_after_loading_reports_applications_and_a_year(runner, tmp_path, data_file):
    assert runner.invoke(app, ["ingest", str(QINGHE), str(REPORTS_DIR / "jining-kejiju-2018.txt")]).exit_code == 0
    assert runner.invoke(app, ["applications", "add", "--channel", "letter", "--applicant", "natural_person",
                               "--received", "2026-03-02", "--subject", "某项目批复", "--name", "张三"]).exit_code == 0
    schedule = tmp_path / "holidays_2027.csv"
    schedule.write_text("date,type,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    assert runner.invoke(app, ["holidays", "import", str(schedule)]).exit_code == 0

    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert T.STATUS_DATA_FILE.format(path=data_file) + "\n" in out
    assert T.STATUS_REPORTS.format(count=2, agencies=2) in out
    assert "青禾市交通运输局：2023" in out
    assert T.STATUS_APPLICATIONS.format(total=1, parts="办理中 1 件") in out
    assert "2026、2027" in out and "holidays_2027.csv" in out
    from storage.overview import read_overview

    head = read_overview(f"sqlite:///{data_file}").schema_head
    assert T.STATUS_SCHEMA.format(revision=head) in out


def test_status_hides_the_database_password(runner):
    from storage.overview import display_url

    shown = display_url("postgresql://gongkai:s3cret@db.example/gongkai")
    assert "s3cret" not in shown and "***" in shown
    result = runner.invoke(app, ["status"], env={"GONGKAI_DATABASE_URL": "postgresql://gongkai:s3cret@127.0.0.1:9/x"})
    assert "s3cret" not in result.output
    assert result.exit_code == 1 and "无法访问数据库" in one_error_line(result)


# --- outcomes and help ----------------------------------------------------------------------------------

def test_outcomes_lists_every_code_with_its_official_rows(runner):
    result = runner.invoke(app, ["outcomes"])
    assert result.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()[1:]}
    assert list(lines) == list(OUTCOMES)
    assert lines["deny_state_secret"][2] == "三、本年度办理结果 （三）不予公开 1.属于国家秘密"
    assert lines["deny_privacy"][3].endswith("4.不同意公开答复数 涉及个人隐私")
    assert lines["reject_repeat"][3] == T.OUTCOMES_NO_LEGACY_ROW


def _commands(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


def test_every_help_text_is_chinese():
    root = typer.main.get_command(app)
    english = []
    for path, command in _commands(root):
        texts = [command.help or ""] + [p.help or "" for p in command.params]
        for text in texts:
            if not HAN.search(text):
                english.append((" ".join(path), text))
    assert not english


def test_help_pages_have_no_english_headings(runner):
    paths = [path for path, _ in _commands(typer.main.get_command(app))]
    for path in [(), *paths]:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert T.HELP_OPTION in result.stdout, path
        for english in ("Show this message", "Options", "Arguments", "Commands", "[required]", "[default:"):
            assert english not in result.stdout, (path, english)


@pytest.mark.parametrize("option, values", [
    (("applications", "close", "--outcome"), OUTCOMES),
    (("applications", "add", "--channel"), ("in_person", "letter", "fax", "online", "other")),
    (("applications", "add", "--id-type"), ("resident_id", "passport")),
])
def test_options_list_their_valid_values(option, values):
    root = typer.main.get_command(app)
    command = root
    for name in option[:-1]:
        command = command.commands[name]
    [param] = [p for p in command.params if option[-1] in getattr(p, "opts", ())]
    assert all(v in param.help for v in values)


# --- ask and questions ----------------------------------------------------------------------------------

def test_ask_on_a_terminal_prompts_and_answers_each_line(runner, monkeypatch):
    import bot.cli_knowledge

    assert runner.invoke(app, ["ingest", str(QINGHE)]).exit_code == 0
    monkeypatch.setattr(bot.cli_knowledge, "stdin_is_terminal", lambda: True)
    result = runner.invoke(app, ["ask"], input="青禾交通局2023年年报有疑问打什么电话\n\n不会读到这一行\n")
    assert result.exit_code == 0, result.output
    assert T.ASK_INTERACTIVE in result.stderr and T.ASK_PROMPT in result.stdout
    assert "63582714" in result.stdout
    logged = runner.invoke(app, ["questions"]).stdout
    assert "青禾交通局2023年年报有疑问打什么电话" in logged and "不会读到这一行" not in logged


def test_questions_are_listed_in_beijing_time(runner, data_file):
    from storage.db import open_database
    from storage.models import QuestionLog

    asked = (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=20, minute=5, second=0, microsecond=0)

    async def add():
        db = await open_database(f"sqlite:///{data_file}", keys=keys_for_tests())
        async with db.session() as s, s.begin():
            s.add(QuestionLog(asked_at=asked, channel="telegram", text="夜里的问题", answered=False, score=3.0))
        await db.dispose()

    asyncio.run(add())
    out = runner.invoke(app, ["questions"]).stdout
    beijing = asked + timedelta(hours=8)  # Asia/Shanghai has no daylight saving time
    assert out.splitlines()[0] == T.QUESTIONS_HEADER
    assert f"{beijing:%Y-%m-%d %H:%M}\tTelegram\t未答" in out
    assert f"{asked:%Y-%m-%d %H:%M}" not in out


# --- README ---------------------------------------------------------------------------------------------

def test_readme_examples_use_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Typical office use:", 1)[1].split("```", 2)[1]
    paths = [word for line in block.splitlines() if line.startswith("gongkai ")
             for word in line.split("#")[0].split() if "/" in word and not word.startswith("--")]
    assert paths
    for path in paths:
        assert sorted(ROOT.glob(path)), path
