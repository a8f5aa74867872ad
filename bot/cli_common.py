"""Helpers shared by the ``gongkai`` sub-commands: errors to stderr, database access, async.

Every error reaches the user as one Chinese line on stderr with a non-zero exit status:
``fail``/``CliError`` for the errors a command expects, and ``OfficeGroup.main`` for everything
else (usage errors, invalid input, unwritable output files, an unreachable database, bugs).
"""

from __future__ import annotations

import asyncio
import enum
import errno
import os
import re
import sys
import tempfile
import typing
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from bot.settings import get_settings
from bot.texts import cli as T
from bot.texts import personal as TP
from bot.texts.errors import error_text
from storage.crypto import PersonalDataError
from storage.db import Database, open_database
from storage.overview import database_exists, display_url

try:  # typer ≥ 0.2x ships its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - typer on top of click
    from click import exceptions as click_errors

R = TypeVar("R")


class CliError(Exception):
    """A user-facing error: printed on stderr, exit status 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message if message.startswith("错误") else T.ERROR.format(message=message), err=True)
    raise typer.Exit(code)


def run(coro_factory: Callable[[Database], Awaitable[R]], *, read_only: bool = False) -> R:
    """Open the configured database, run ``coro_factory(db)``, close it; CliError → stderr + exit.

    ``read_only``: the command only reads. When the configured SQLite file does not exist yet it is
    not created: the command runs on an empty temporary database (so it reports "nothing yet")."""
    settings = get_settings()
    url = settings.resolved_database_url
    keys = settings.data_keys(on_generated=key_generated)

    async def _main() -> R:
        if read_only and not database_exists(url):
            with tempfile.TemporaryDirectory(prefix="gongkai-empty-") as tmp:
                return await _on(f"sqlite:///{tmp}/empty.db")
        return await _on(url)

    async def _on(target: str) -> R:
        try:
            db = await open_database(target, keys=keys)
        except OSError as exc:  # a server that is down or unreachable
            raise CliError(T.DATABASE_ERROR.format(url=display_url(target), reason=os_error_message(exc))) from exc
        except PersonalDataError as exc:  # keys that cannot open what is stored: nothing was written
            raise CliError(error_text(exc)) from None
        try:
            return await coro_factory(db)
        except PersonalDataError as exc:
            raise CliError(error_text(exc)) from None
        finally:
            await db.dispose()

    try:
        return asyncio.run(_main())
    except CliError as exc:
        fail(str(exc), exc.code)


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)


def key_generated(path) -> None:
    """The embedded default made its key file (once, on the first personal value sealed): say so."""
    echo_err(TP.KEY_GENERATED.format(path=path))


# --- one line for every error ---------------------------------------------------------------------

def _param_name(param: Any) -> str:
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "option":
        return "/".join(param.opts)
    return (getattr(param, "human_readable_name", None) or param.name or "").upper()


def _expected(param: Any) -> str | None:
    """What a parameter's value should look like, from its annotation (typer) or click type."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    candidates = [a for a in (typing.get_args(annotation) or (annotation,)) if a is not type(None)]
    if candidates and isinstance(candidates[0], type):
        kind = candidates[0]
        if issubclass(kind, enum.Enum):
            return T.TYPE_REASON["choice"].format(choices="、".join(str(m.value) for m in kind))
        name = {bool: "boolean", int: "integer", float: "float"}.get(kind)
        if name is None and issubclass(kind, os.PathLike):
            name = "path"
        return T.TYPE_REASON.get(name or "")
    click_type = getattr(param, "type", None)
    if getattr(click_type, "name", "") == "choice":
        return T.TYPE_REASON["choice"].format(choices="、".join(map(str, click_type.choices)))
    return T.TYPE_REASON.get(getattr(click_type, "name", ""))


def usage_message(exc: Exception) -> str:
    """A click usage error in Chinese, without the framework's English."""
    param = getattr(exc, "param", None)
    name = _param_name(param)
    if isinstance(exc, click_errors.MissingParameter):
        kind = T.USAGE_MISSING_OPTION if getattr(param, "param_type_name", "") == "option" else T.USAGE_MISSING_ARGUMENT
        return kind.format(name=name)
    if isinstance(exc, click_errors.BadParameter):
        return T.USAGE_BAD_VALUE.format(name=name or "参数", reason=_expected(param) or exc.message)
    if isinstance(exc, click_errors.NoSuchOption):
        if exc.possibilities:
            return T.USAGE_NO_SUCH_OPTION_DID_YOU_MEAN.format(name=exc.option_name,
                                                               possibilities="、".join(sorted(exc.possibilities)))
        return T.USAGE_NO_SUCH_OPTION.format(name=exc.option_name)
    if isinstance(exc, click_errors.BadOptionUsage):
        return T.USAGE_OPTION_NEEDS_VALUE.format(name=exc.option_name)
    message = exc.message
    if match := re.match(r"No such command '(.*)'", message):
        return T.USAGE_NO_SUCH_COMMAND.format(name=match.group(1))
    if match := re.match(r"Got unexpected extra argument\S* \((.*)\)$", message):
        return T.USAGE_EXTRA_ARGUMENTS.format(args=match.group(1))
    return T.USAGE_OTHER.format(detail=message)


def validation_message(exc: Any) -> str:
    """A pydantic ValidationError as one line: each field in the office's words and why."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][-1]) if error.get("loc") else ""
        ctx = error.get("ctx") or {}
        kind = error.get("type", "")
        if kind == "string_too_short" and ctx.get("min_length", 1) > 1:
            kind = "string_too_short_n"
        if kind == "value_error" and ctx.get("error") is not None:
            reason = str(ctx["error"])
            if not re.search(r"[\u4e00-\u9fff]", reason):  # a rule's English message: say it in Chinese
                reason = T.VALUE_ERRORS.get(reason, T.FIELD_REASON_OTHER)
        else:
            reason = T.FIELD_REASON.get(kind, T.FIELD_REASON_OTHER).format(**ctx)
        if exc.title == "Settings":
            parts.append(f"GONGKAI_{field.upper()}：{reason}")
        else:
            parts.append(f"{T.FIELD_LABELS.get(field, field)}：{reason}")
    template = T.INVALID_SETTING if exc.title == "Settings" else T.INVALID_INPUT
    return template.format(details="；".join(parts))


def os_error_message(exc: OSError) -> str:
    reason = T.OS_REASON.get(errno.errorcode.get(exc.errno or 0, ""), exc.strerror or str(exc))
    if exc.filename is None:
        return reason
    return T.FILE_ERROR.format(path=exc.filename, reason=reason)


def error_message(exc: BaseException) -> str:
    """The one line for an error no command expected."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.texts.errors import error_text
    from storage.errors import ServiceError

    if isinstance(exc, ValidationError):
        return validation_message(exc)
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None) or exc
        reason = " ".join(str(orig).split())[:200]
        return T.DATABASE_ERROR.format(url=display_url(get_settings().resolved_database_url), reason=reason)
    if isinstance(exc, OSError):
        return os_error_message(exc)
    if isinstance(exc, ServiceError):  # a service's refusal no command caught: still said in Chinese
        return error_text(exc)
    detail = " ".join(str(exc).split())[:200]
    return T.INTERNAL_ERROR.format(kind=type(exc).__name__, detail=detail)


def _in_chinese(help_option):
    if help_option is not None:
        help_option.help = T.HELP_OPTION
    return help_option


def _debug() -> bool:
    return os.environ.get("GONGKAI_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


class OfficeGroup(TyperGroup):
    """A command group whose help pages are all Chinese. At the top level it also runs the command
    and turns whatever goes wrong into one line."""

    def get_help_option(self, ctx):
        return _in_chinese(super().get_help_option(ctx))

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, OfficeGroup):
            _in_chinese(command.get_help_option(ctx))
        return command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode: bool = True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # help was asked for by giving no command
            if exc.format_message().strip():
                typer.echo(exc.format_message())
            sys.exit(2)
        except click_errors.UsageError as exc:
            ctx = getattr(exc, "ctx", None)
            hint = T.USAGE_HINT.format(command=ctx.command_path) if ctx is not None else ""
            typer.echo(T.ERROR.format(message=usage_message(exc) + hint), err=True)
            sys.exit(2)
        except click_errors.ClickException as exc:
            typer.echo(T.ERROR.format(message=exc.format_message()), err=True)
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            typer.echo(T.INTERRUPTED, err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
            if _debug():
                raise
            typer.echo(T.ERROR.format(message=error_message(exc)), err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def command_group(help: str, **kwargs) -> typer.Typer:
    """A ``gongkai`` sub-command group (Chinese help pages)."""
    return typer.Typer(cls=OfficeGroup, help=help, **kwargs)


# Sub-command groups shared by several areas. Each area registers its commands from its own module.
applications_app = command_group("依申请公开申请：列表、详情、登记、办理、导入台账。", no_args_is_help=True)
