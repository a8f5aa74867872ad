"""Runtime settings, read from the environment (prefix ``GONGKAI_``) and an optional ``.env`` file."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

from disclosure.tables import CASES_BY
from storage.config import DEFAULTS
from storage.crypto import DataKeys

DEFAULT_DATA_DIR = Path("data")
DEFAULT_KEY_FILE = "gongkai.key"
TELEGRAM_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    """Every setting; the office rules the storage services read (``storage.config.OfficeSettings``)
    have the same names and defaults there."""

    model_config = SettingsConfigDict(env_prefix="GONGKAI_", env_file=".env", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    home_agency: str | None = None
    staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    redis_prefix: str = "gongkai"  # namespace of this deployment's keys in a shared Redis
    timezone: str = DEFAULTS.timezone
    receipt_roll_forward: bool = DEFAULTS.receipt_roll_forward
    # arts. 32, 34: the third party / agency has 15 working days; this many more are allowed for the
    # letters' transit before a longer consultation pause needs a recorded reason
    consultation_transit_days: int = Field(default=DEFAULTS.consultation_transit_days, ge=0, le=30)
    # Table 四: count cases by filing year (default) or by decision year (see docs/statistics.md)
    cases_count_by: str = DEFAULTS.cases_count_by
    reminder_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: list(DEFAULTS.reminder_days))
    reminder_interval_minutes: int = 15
    digest_hour: int = DEFAULTS.digest_hour
    webhook_url: str | None = None
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    update_takeover_seconds: int = 120  # webhook mode: when an unfinished update may be handled again
    rate_limit_questions_per_minute: int = 20
    rate_limit_applications_per_day: int = 10
    # the web pages (web/: staff desk and public page; docs/web.md)
    web_url: str | None = None  # public base URL of the web pages, e.g. https://gongkai.example.gov.cn
    web_host: str = "127.0.0.1"  # `gongkai web` listens here (webhook mode serves the pages on its own port)
    web_port: int = 8080
    web_link_minutes: int = Field(default=10, ge=1, le=60)  # a desk sign-in link is valid this long, once
    web_session_hours: float = Field(default=12, gt=0, le=168)  # a desk session ends this long after sign-in
    web_session_idle_minutes: int = Field(default=60, ge=5, le=1440)  # … or after this long without use
    web_behind_proxy: bool = False  # trust X-Forwarded-For / X-Forwarded-Proto from the reverse proxy
    web_embed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)  # sites that may frame /embed
    web_rate_limit_questions_per_minute: int = 30  # per client address
    web_rate_limit_applications_per_day: int = 20
    web_rate_limit_status_per_hour: int = 30
    # keys sealing applicants' personal data (docs/personal-data.md): comma-separated, the first
    # seals; or a key file (one key a line); by default data/gongkai.key, generated on first use
    data_key: SecretStr | None = None
    data_key_file: Path | None = None
    personal_data_retention_years: int = Field(default=DEFAULTS.personal_data_retention_years, ge=1, le=100)

    @field_validator("staff_ids", "reminder_days", mode="before")
    @classmethod
    def _split_ints(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace("，", ",").split(",")]
            return [int(p) for p in parts if p]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("web_embed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip().rstrip("/") for p in value.replace("，", ",").split(",") if p.strip()]
        return value

    @field_validator("web_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("GONGKAI_WEB_URL must start with http:// or https://")
        return value

    @field_validator("cases_count_by")
    @classmethod
    def _cases_mode(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in CASES_BY:
            raise ValueError("GONGKAI_CASES_COUNT_BY must be filing or decision")
        return value

    @property
    def web_base_url(self) -> str:
        """Where the web pages are reached: ``GONGKAI_WEB_URL``, else the local address of `gongkai web`."""
        return self.web_url or f"http://{self.web_host}:{self.web_port}"

    @property
    def key_file(self) -> Path:
        """The key file used when ``GONGKAI_DATA_KEY`` is not set."""
        return self.data_key_file or self.data_dir / DEFAULT_KEY_FILE

    def data_keys(self, on_generated: Callable[[Path], None] | None = None) -> DataKeys:
        """Where the data keys come from: ``GONGKAI_DATA_KEY``, else ``GONGKAI_DATA_KEY_FILE``, else the
        embedded default ``<data dir>/gongkai.key``, generated on first use (``on_generated`` is told)."""
        given = self.data_key.get_secret_value() if self.data_key is not None else ""
        keys = [k for k in given.replace("，", ",").replace("\n", ",").split(",") if k.strip()]
        if keys:
            return DataKeys(keys)
        return DataKeys(file=self.key_file, generate=self.data_key_file is None, on_generated=on_generated)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gongkai.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
