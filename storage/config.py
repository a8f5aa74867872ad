"""What the storage services read from the office's settings, without depending on ``bot/``.

``OfficeSettings`` names the attributes the services use; ``bot.settings.Settings`` has every one of
them (same names, same defaults — ``tests/test_layers.py`` checks) and is what the bot and the
command line pass. ``OfficeConfig`` is a plain, frozen implementation for scripts and tests; a
service called without settings uses ``DEFAULTS`` — never the environment, which only ``bot/`` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TIMEZONE = "Asia/Shanghai"  # legal dates are dates in Beijing time


class OfficeSettings(Protocol):
    """The office's local rules and people, as the storage services need them."""

    timezone: str
    home_agency: str | None
    staff_ids: Sequence[int]  # Telegram ids with the admin role (GONGKAI_STAFF_IDS)
    receipt_roll_forward: bool  # a receipt on a non-working day counts from the next working day
    consultation_transit_days: int  # arts. 32, 34: letters' transit on top of the 15-WD reply window
    cases_count_by: str  # Table 四: "filing" or "decision" year
    reminder_days: Sequence[int]  # remind this many working days before a reply is due
    digest_hour: int  # hour (office time zone) from which reminders and the digest go out
    # years an applicant's personal data is kept after the year the application was closed
    # (docs/personal-data.md: the 10-year term of the archive rules); then it is erased
    personal_data_retention_years: int


@dataclass(frozen=True)
class OfficeConfig:
    timezone: str = TIMEZONE
    home_agency: str | None = None
    staff_ids: tuple[int, ...] = ()
    receipt_roll_forward: bool = False
    consultation_transit_days: int = 5
    cases_count_by: str = "filing"
    reminder_days: tuple[int, ...] = (5, 1)
    digest_hour: int = 9
    personal_data_retention_years: int = 10


DEFAULTS = OfficeConfig()


def office(settings: OfficeSettings | None) -> OfficeSettings:
    """The settings given, or the defaults."""
    return DEFAULTS if settings is None else settings
