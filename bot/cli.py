"""The ``gongkai`` command line. Each area adds its commands from its own ``bot/cli_*.py`` module."""

from __future__ import annotations

import typer

from bot.cli_common import applications_app
from bot.modules import optional_modules

app = typer.Typer(
    name="gongkai",
    help="gongkai — 政府信息公开 chat bot and office tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(applications_app, name="applications")

# Modules that register commands on ``app`` / ``applications_app`` via ``register(app)``.
COMMAND_MODULES = (
    "bot.cli_knowledge",   # ingest, reports, ask, questions
    "bot.cli_calendar",    # deadline, holidays
    "bot.cli_staff",       # staff, reminders, applications (handling)
    "bot.cli_reports",     # report, cases, applications import/template
    "bot.cli_bot",         # run, console
)

for _module in optional_modules(COMMAND_MODULES):
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
