"""200 simulated citizens at once against two real bot processes (webhook) on PostgreSQL + Redis:
zero lost applications, zero duplicate numbers, a receipt for everyone. Throughput and latency are
printed (benchmark output, not asserted); ``bench/load_bench.py`` runs bigger loads."""

from __future__ import annotations

import pytest

from bench.load_bench import run_load
from tests.services import pg_url, redis_prefix  # noqa: F401 - fixtures
from tests.services import REDIS_URL

USERS = 200
PROCESSES = 2


@pytest.mark.services
async def test_200_users_two_bot_processes_no_lost_or_duplicate_application(pg_url, redis_prefix, tmp_path,  # noqa: F811
                                                                             capsys):
    report = await run_load(users=USERS, processes=PROCESSES, db_url=pg_url, redis_url=REDIS_URL,
                            redis_prefix=redis_prefix, workdir=tmp_path)
    with capsys.disabled():
        print("\n" + "\n".join(report.lines()))
    assert report.errors == []
    assert report.receipts == USERS  # every user got a receipt with their number
    assert report.applications == USERS and report.lost == 0  # nothing lost, nothing doubled
    assert report.distinct_numbers == USERS and report.duplicates == 0
    assert report.updates == USERS * 14
