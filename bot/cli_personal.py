"""``gongkai personal-data …``: the keys, the access log, retention and erasure (docs/personal-data.md)."""

from __future__ import annotations

import json
from typing import Optional

import typer

from bot.cli_common import CliError, command_group, run
from bot.cli_staff import _actor, _date
from bot.settings import get_settings
from bot.texts import personal as T
from bot.texts.errors import error_text
from storage import personal as P
from storage.crypto import Keyring, generate_key
from storage.db import Database
from storage.handling import HandlingError, local_today

personal_app = command_group(T.GROUP_HELP, no_args_is_help=True)
LIST_LIMIT = 30  # application numbers printed by a purge (all of them with --json)


def register(app: typer.Typer) -> None:
    personal_app.command("access-log", help=T.ACCESS_LOG_HELP)(access_log)
    personal_app.command("purge", help=T.PURGE_HELP)(purge)
    personal_app.command("erase", help=T.ERASE_HELP)(erase)
    personal_app.command("rotate-key", help=T.ROTATE_HELP)(rotate_key)
    personal_app.command("new-key", help=T.NEW_KEY_HELP)(new_key)
    personal_app.command("status", help=T.STATUS_HELP)(status)
    app.add_typer(personal_app, name="personal-data")


def _refusal(exc: Exception) -> CliError:
    return CliError(error_text(exc))


def _numbers(numbers: list[str]) -> str:
    shown = "、".join(numbers[:LIST_LIMIT])
    return shown + (f" …（共 {len(numbers)} 件）" if len(numbers) > LIST_LIMIT else "")


def access_log(application: Optional[str] = typer.Option(None, "--application", help=T.OPT_APPLICATION),
               limit: int = typer.Option(200, "--limit", min=1, help=T.OPT_LIMIT),
               as_json: bool = typer.Option(False, "--json", help=T.OPT_JSON)) -> None:
    settings = get_settings()

    async def main(db: Database):
        try:
            return await P.access_log(db, application=application, limit=limit)
        except HandlingError as exc:
            raise _refusal(exc) from None

    entries = run(main, read_only=True)
    if as_json:
        typer.echo(json.dumps([{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "channel": e.channel,
                                "application_id": e.application_id, "number": e.number, "detail": e.detail}
                               for e in entries], ensure_ascii=False))
        return
    if not entries:
        typer.echo(T.ACCESS_EMPTY)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.timezone)
    for e in entries:
        typer.echo(T.ACCESS_LINE.format(at=e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), actor=e.actor,
                                        action=T.ACTIONS.get(e.action, e.action),
                                        channel=T.CHANNELS.get(e.channel, e.channel), number=e.number or "—",
                                        detail=e.detail or ""))


def purge(closed_before: Optional[str] = typer.Option(None, "--closed-before", help=T.OPT_CLOSED_BEFORE),
          dry_run: bool = typer.Option(False, "--dry-run", help=T.OPT_DRY_RUN),
          as_json: bool = typer.Option(False, "--json", help=T.OPT_JSON)) -> None:
    from bot.retention import run_retention

    settings = get_settings()
    before = _date(closed_before, "--closed-before")

    async def main(db: Database):
        try:
            return await run_retention(db, settings, local_today(settings), closed_before=before, dry_run=dry_run,
                                       actor=_actor(), channel="cli")
        except P.PersonalDataError as exc:
            raise _refusal(exc) from None

    result = run(main, read_only=dry_run)
    done = result.purge
    if as_json:
        typer.echo(json.dumps({"cutoff": done.cutoff.isoformat(), "dry_run": done.dry_run, "numbers": done.numbers,
                               "forms_deleted": result.forms_deleted}, ensure_ascii=False))
    elif not done.numbers:
        typer.echo(T.PURGE_NONE.format(cutoff=done.cutoff))
    elif done.dry_run:
        typer.echo(T.PURGE_DRY.format(cutoff=done.cutoff, count=len(done.numbers), numbers=_numbers(done.numbers)))
    else:
        typer.echo(T.PURGE_DONE.format(cutoff=done.cutoff, count=len(done.numbers), numbers=_numbers(done.numbers)))


def erase(ref: str = typer.Argument(..., help="申请编号（如 2026-0001）或 id"),
          reason: str = typer.Option(..., "--reason", help=T.OPT_REASON)) -> None:
    async def main(db: Database):
        try:
            return await P.erase_application(db, ref, actor=_actor(), channel="cli", reason=reason)
        except (HandlingError, P.PersonalDataError) as exc:
            raise _refusal(exc) from None

    app = run(main)
    typer.echo(T.ERASED.format(number=app.number))


def rotate_key(retire: bool = typer.Option(False, "--retire-old", help=T.OPT_RETIRE)) -> None:
    settings = get_settings()

    async def main(db: Database):
        try:
            # a new key, unless an earlier rotation is still unfinished (rows under an older key)
            ring = db.keys.keyring()
            behind = ring is not None and any(k not in (None, ring.current.id) for k in await P.key_usage(db))
            added = db.keys.add_key() if db.keys.editable and not behind else None
            done = await P.rotate(db)
            retired = await P.retire_old_keys(db) if retire else []
        except P.PersonalDataError as exc:
            raise _refusal(exc) from None
        return added, done, retired

    added, done, retired = run(main)
    if added is not None:
        typer.echo(T.ROTATE_NEW_KEY.format(key=added, path=settings.key_file))
    typer.echo(T.ROTATE_DONE.format(key=done.key_id, count=done.resealed))
    if added is None and not done.resealed:
        typer.echo(T.ROTATE_ENV_HINT)
    if retired:
        typer.echo(T.ROTATE_RETIRED.format(keys="、".join(retired)))


def new_key() -> None:
    typer.echo(generate_key())


def status() -> None:
    settings = get_settings()

    async def main(db: Database):
        try:
            ring: Keyring | None = db.keys.keyring()
            overview = await P.overview(db)
            due = await P.purge_expired(db, today=local_today(settings), settings=settings, dry_run=True)
        except P.PersonalDataError as exc:
            raise _refusal(exc) from None
        return ring, overview, due

    ring, overview, due = run(main, read_only=True)
    where = get_settings().data_keys().where
    if ring is None:
        typer.echo(T.STATUS_NO_KEY.format(where=where))
    else:
        typer.echo(T.STATUS_SOURCE.format(where=where, key=ring.current.id, count=len(ring.ids)))
    for key, count in sorted(overview.sealed.items()):
        typer.echo(T.STATUS_SEALED.format(key=key, count=count))
    if overview.in_clear:
        typer.echo(T.STATUS_CLEAR.format(count=overview.in_clear))
    typer.echo(T.STATUS_ERASED.format(count=overview.erased))
    typer.echo(T.STATUS_RETENTION.format(years=settings.personal_data_retention_years, due=len(due.numbers),
                                         cutoff=due.cutoff))
