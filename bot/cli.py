"""The ``gongkai`` command line. Each area adds its commands from its own ``bot/cli_*.py`` module."""

from __future__ import annotations

import typer

from bot import cli_bot, cli_calendar, cli_knowledge, cli_personal, cli_reports, cli_staff, cli_status
from bot.cli_common import OfficeGroup, applications_app
from bot.texts.cli import APP_HELP, HELP_HEADINGS

try:  # help pages in one language: typer's panel headings in Chinese
    from typer import rich_utils

    for _name, _text in HELP_HEADINGS.items():
        if hasattr(rich_utils, _name):
            setattr(rich_utils, _name, _text)
except ImportError:  # pragma: no cover - typer without rich prints plain help
    pass

app = typer.Typer(
    name="gongkai",
    cls=OfficeGroup,
    help=APP_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(applications_app, name="applications")

# Each area registers its commands on ``app`` / ``applications_app`` (imported explicitly: a renamed
# module fails loudly at start instead of silently dropping its commands).
COMMAND_MODULES = (
    cli_knowledge,  # ingest, reports, ask, questions
    cli_calendar,   # deadline, holidays
    cli_staff,      # staff, reminders, applications (handling)
    cli_reports,    # report, cases, applications import/template
    cli_bot,        # run, console
    cli_personal,   # personal-data (keys, access log, retention)
    cli_status,     # status, outcomes
)

for _module in COMMAND_MODULES:
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
