"""Helpers shared by the ``gongkai`` sub-commands: errors to stderr, database access, async."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer

from bot.settings import get_settings
from storage.db import Database, open_database

T = TypeVar("T")

# Sub-command groups. Each area registers its commands on these from its own module.
applications_app = typer.Typer(help="依申请公开 applications: list, show, handle, import a ledger.", no_args_is_help=True)


class CliError(Exception):
    """A user-facing error: printed on stderr, exit status 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"错误：{message}" if not message.startswith(("错误", "error")) else message, err=True)
    raise typer.Exit(code)


def run(coro_factory: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database, run ``coro_factory(db)``, close it; CliError → stderr + exit."""

    async def _main() -> T:
        db = await open_database(get_settings().resolved_database_url)
        try:
            return await coro_factory(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(_main())
    except CliError as exc:
        fail(str(exc), exc.code)
    except OSError as exc:
        fail(f"无法打开数据库：{exc}")


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)
