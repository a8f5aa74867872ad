"""Benchmark: the 2021 annual report over a large log.

Generates N applications (default 1,000,000) received over 10 years, with events (received,
extension for ~10 %, closed), plus dispute cases; then times ``storage.statistics.build_report``
for one year on SQLite (and PostgreSQL when reachable), against a naive Python-loop baseline
(load every row, count in Python with ``disclosure.tables.aggregate_records``) in the same process.

    python -m bench.report_bench                      # 1M rows, SQLite + PostgreSQL if reachable
    python -m bench.report_bench --rows 20000 --no-pg # quick smoke run

PostgreSQL: a throw-away database ``gongkai_bench`` is created next to the one in ``--pg-url``
and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES
from disclosure.tables import AppRecord, CaseRecord, aggregate_records, build_tables

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
FIRST_YEAR = 2016
YEARS = 10
CASE_KINDS = ("review", "lit_direct", "lit_after_review", "complaint")
CASE_RESULTS = ("upheld", "corrected", "other")

APP_COLS = ("id", "agency", "year", "seq", "number", "applicant_type", "name", "description", "channel",
            "submitted_at", "receipt_date", "status", "outcome", "closed_date", "reply_due", "original_due",
            "timeliness", "derived_with", "created_at", "updated_at")
EVENT_COLS = ("application_id", "kind", "on_date", "days", "created_at")
CASE_COLS = ("kind", "filed_date", "decided_date", "result", "created_at")


def generate(n: int, seed: int = 2021):
    """Column arrays for n applications over YEARS years (vectorised with numpy)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(f"{FIRST_YEAR}-01-01")
    span = (np.datetime64(f"{FIRST_YEAR + YEARS}-01-01") - start).astype(int)
    receipt = np.sort(start + rng.integers(0, span, n).astype("timedelta64[D]"))
    types = np.array(list(APPLICANT_TYPES))[rng.choice(6, n, p=[.55, .2, .05, .05, .05, .1])]
    channels = np.array(list(CHANNELS))[rng.choice(5, n, p=[.2, .03, .6, .12, .05])]
    handling = rng.gamma(2.0, 9.0, n).astype(int)  # days; a small tail runs past 60
    extended = rng.random(n) < 0.10
    original_due = receipt + np.timedelta64(28, "D")
    reply_due = np.where(extended, original_due + np.timedelta64(28, "D"), original_due)
    closed = receipt + handling.astype("timedelta64[D]")
    # the newest applications are still open
    last = np.datetime64(f"{FIRST_YEAR + YEARS - 1}-12-31")
    is_open = closed > last
    codes = np.array(list(OUTCOMES))
    outcome = codes[rng.integers(0, len(codes), n)]
    return dict(receipt=receipt, types=types, channels=channels, extended=extended, original_due=original_due,
                reply_due=reply_due, closed=closed, is_open=is_open, outcome=outcome)


def _fingerprint() -> str:
    """Rows are stamped as derived with the shipped calendar (as the services would after closing)."""
    from bot.settings import Settings
    from disclosure.calendar import default_calendar
    from storage.handling import fingerprint

    return fingerprint(default_calendar(), Settings())


def _timeliness(g, i) -> str:
    """The synthetic rows' 按时/延期/逾期 (their events are not replayed: their due dates are synthetic)."""
    if g["closed"][i] <= g["original_due"][i]:
        return "on_time"
    if g["extended"][i] and g["closed"][i] <= g["reply_due"][i]:
        return "extended"
    return "late"


def app_rows(g):
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    fp = _fingerprint()
    receipt = g["receipt"].astype(str)
    closed = g["closed"].astype(str)
    od = g["original_due"].astype(str)
    rd = g["reply_due"].astype(str)
    seq_by_year: dict[str, int] = {}
    for i in range(len(receipt)):
        y = receipt[i][:4]
        seq = seq_by_year[y] = seq_by_year.get(y, 0) + 1
        op = bool(g["is_open"][i])
        yield (i + 1, "", int(y), seq, f"{y}-{seq:06d}", g["types"][i], "bench", "bench", g["channels"][i], now,
               receipt[i], "open" if op else "closed", None if op else g["outcome"][i], None if op else closed[i],
               rd[i], od[i], None if op else _timeliness(g, i), None if op else fp, now, now)


def event_rows(g):
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    receipt = g["receipt"].astype(str)
    closed = g["closed"].astype(str)
    od = g["original_due"].astype(str)
    for i in range(len(receipt)):
        yield (i + 1, "received", receipt[i], None, now)
        if g["extended"][i]:
            yield (i + 1, "extension", od[i], 20, now)
        if not g["is_open"][i]:
            yield (i + 1, "closed", closed[i], None, now)


def case_rows(n_cases: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    for _ in range(n_cases):
        filed = date(FIRST_YEAR, 1, 1) + timedelta(days=int(rng.integers(0, 365 * YEARS)))
        decided = filed + timedelta(days=int(rng.integers(30, 400))) if rng.random() < .8 else None
        yield (CASE_KINDS[rng.integers(0, 4)], filed.isoformat(), decided.isoformat() if decided else None,
               CASE_RESULTS[rng.integers(0, 3)] if decided else None, now)


def _chunks(it, size=50_000):
    buf = []
    for row in it:
        buf.append(row)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def load_sqlite(path: Path, g, n_cases: int) -> float:
    import sqlite3

    from storage.db import migrate

    migrate(f"sqlite:///{path}")
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    with con:
        for chunk in _chunks(app_rows(g)):
            con.executemany(f"INSERT INTO application ({','.join(APP_COLS)}) VALUES ({','.join('?' * len(APP_COLS))})",
                            chunk)
        for chunk in _chunks(event_rows(g)):
            con.executemany(
                f"INSERT INTO application_event ({','.join(EVENT_COLS)}) VALUES ({','.join('?' * len(EVENT_COLS))})",
                chunk)
        con.executemany(f"INSERT INTO dispute_case ({','.join(CASE_COLS)}) VALUES (?,?,?,?,?)", list(case_rows(n_cases)))
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - t0


def load_postgres(url: str, g, n_cases: int) -> float:
    import psycopg

    from storage.db import migrate

    migrate(url)
    t0 = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as con:
        with con.cursor() as cur:
            for table, cols, rows in (("application", APP_COLS, app_rows(g)),
                                      ("application_event", EVENT_COLS, event_rows(g)),
                                      ("dispute_case", CASE_COLS, case_rows(n_cases))):
                with cur.copy(f"COPY {table} ({','.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cur.execute("SELECT setval(pg_get_serial_sequence('application', 'id'), (SELECT max(id) FROM application))")
        con.commit()
        con.execute("ANALYZE")
    return time.perf_counter() - t0


async def time_report(url: str, year: int, repeat: int) -> tuple[list[float], object]:
    from storage.db import open_database
    from storage.statistics import build_report

    db = await open_database(url)
    try:
        times = []
        tables = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            tables = await build_report(db, year, "2021")
            times.append(time.perf_counter() - t0)
        return times, tables
    finally:
        await db.dispose()


async def naive_baseline(url: str, year: int):
    """Load every application and case, then count with a Python loop."""
    from sqlalchemy import select

    from storage.db import open_database
    from storage.models import Application, ApplicationEvent, Case

    db = await open_database(url)
    try:
        t0 = time.perf_counter()
        A = Application.__table__.c
        async with db.engine.connect() as conn:
            ext = set((await conn.execute(select(ApplicationEvent.__table__.c.application_id)
                                          .where(ApplicationEvent.__table__.c.kind == "extension"))).scalars())
            rows = (await conn.execute(select(A.id, A.applicant_type, A.channel, A.receipt_date, A.closed_date,
                                              A.outcome, A.original_due, A.reply_due, A.timeliness))).all()
            C = Case.__table__.c
            cases = (await conn.execute(select(C.kind, C.filed_date, C.decided_date, C.result))).all()
        t_load = time.perf_counter() - t0
        apps = [AppRecord(t, ch, r, c, o, od, rd, i in ext, tm) for i, t, ch, r, c, o, od, rd, tm in rows]
        tables = build_tables(aggregate_records(year, apps, [CaseRecord(*c) for c in cases]), "2021")
        return time.perf_counter() - t0, t_load, tables
    finally:
        await db.dispose()


async def time_rederive(url: str, year: int) -> tuple[float, int]:
    """After a calendar change every closing of the year is re-derived once by the deadline engine:
    mark the year's rows stale and time that pass (the next report is fast again)."""
    from sqlalchemy import update

    from storage.db import open_database
    from storage.handling import refresh_timeliness
    from storage.models import Application

    db = await open_database(url)
    try:
        async with db.session() as s:
            res = await s.execute(update(Application).where(Application.closed_date.between(
                f"{year}-01-01", f"{year}-12-31")).values(derived_with=None))
            await s.commit()
        t0 = time.perf_counter()
        await refresh_timeliness(db, year=year)
        return time.perf_counter() - t0, res.rowcount
    finally:
        await db.dispose()


def pg_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


def run_backend(name: str, url: str, load, g, args) -> dict:
    t_load = load()
    times, tables = asyncio.run(time_report(url, args.year, args.repeat))
    naive, naive_load, naive_tables = asyncio.run(naive_baseline(url, args.year))
    assert tables.to_json() == naive_tables.to_json(), "SQL and Python-loop reports differ"
    rederive, stale = asyncio.run(time_rederive(url, args.year))
    print(f"{name:10s} re-deriving the timeliness of {stale:,} closings of {args.year} (after a calendar change): "
          f"{rederive:.1f} s, once", flush=True)
    t3 = tables.table3
    out = {
        "backend": name, "rows": args.rows, "load_s": t_load, "first_s": times[0],
        "median_s": statistics.median(times), "best_s": min(times), "naive_s": naive, "naive_load_s": naive_load,
        "rederive_s": rederive, "rederived": stale,
        "new_received": t3["new_received"]["total"], "carried_in": t3["carried_in"]["total"],
        "r_total": t3["r_total"]["total"], "carried_out": t3["carried_out"]["total"],
    }
    print(f"{name:10s} rows={args.rows:,} load={t_load:.1f}s  report {args.year}: first={times[0]*1000:.0f} ms "
          f"median={out['median_s']*1000:.0f} ms best={out['best_s']*1000:.0f} ms | naive loop {naive*1000:.0f} ms "
          f"(of which loading {naive_load*1000:.0f} ms) → {naive/out['median_s']:.1f}× faster | "
          f"新收 {out['new_received']:,} 结转入 {out['carried_in']:,} 办结 {out['r_total']:,} 结转出 {out['carried_out']:,}",
          flush=True)
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2021)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cases", type=int, default=2_000)
    ap.add_argument("--sqlite", type=Path, default=None, help="SQLite file (default: a temporary file)")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    g = generate(args.rows)
    print(f"generated {args.rows:,} applications over {YEARS} years in {time.perf_counter() - t0:.1f}s", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = args.sqlite or Path(tmp) / "bench.db"
        if path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        results.append(run_backend("sqlite", url, lambda: load_sqlite(path, g, args.cases), g, args))
    if not args.no_pg and pg_reachable(args.pg_url):
        import psycopg

        bench_url = args.pg_url.rsplit("/", 1)[0] + "/gongkai_bench"
        with psycopg.connect(args.pg_url, autocommit=True) as con:
            con.execute("DROP DATABASE IF EXISTS gongkai_bench")
            con.execute("CREATE DATABASE gongkai_bench")
        try:
            results.append(run_backend("postgresql", bench_url, lambda: load_postgres(bench_url, g, args.cases), g, args))
        finally:
            with psycopg.connect(args.pg_url, autocommit=True) as con:
                con.execute("DROP DATABASE IF EXISTS gongkai_bench WITH (FORCE)")
    elif not args.no_pg:
        print(f"postgresql: {args.pg_url} not reachable, skipped", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
