"""Settings: every knob comes from the environment with the CAPEMU_ prefix."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SEED_FILE = Path(__file__).parent / "data" / "demo-seed.yaml"
BUSINESS_ERROR_STATUSES = (200, 400)
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
CAPILLARY_SAMPLES_FILE = Path(__file__).parent / "data" / "capillary-samples.json"
"""The seed document's sample requests and responses (a copy of shared/seed/samples.json)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAPEMU_", extra="ignore")

    database_url: str = "sqlite:///./capillary-emulator.db"
    """SQLAlchemy URL: a SQLite file, or postgresql+psycopg://user:pass@host/db."""
    seed_file: Path = DEMO_SEED_FILE
    """Seed document (YAML or JSON) loaded into a fresh database and restored by reset."""
    business_error_status: int = 200
    """HTTP status of business errors (8015, 804, ...): Capillary answers 200 with errors[];
    400 for clients that expect it. An int, not a Literal: the environment gives text, and a
    Literal of ints refuses "400"."""
    admin_token: str | None = None
    """When set, /_emulator/* requires the header X-CAPEMU-ADMIN-TOKEN with this value."""
    journal_size: Annotated[int, Field(ge=0)] = 1000
    """Calls kept for GET /_emulator/journal (all workers together on Postgres); 0 switches the
    journal off."""
    journal_bytes: Annotated[int, Field(ge=0)] = 8 * 1024 * 1024
    """Bytes the journal's entries may take (bodies count up to their first 8 KiB)."""
    max_body_bytes: Annotated[int, Field(ge=1)] = 1024 * 1024
    """Largest request body accepted; a larger one (declared or counted while it arrives,
    chunked too) is answered 413 before anything else reads it."""
    body_timeout: Annotated[float, Field(gt=0)] = 10.0
    """Seconds a request's whole body may take to arrive; then 408 and the connection is
    closed (a client that promises a body and never sends it is not held)."""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1)] = 1
    log_level: str = "info"
    """uvicorn's log level: critical, error, warning, info, debug or trace."""

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not a SQLAlchemy database URL") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.strip().lower() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.strip().lower()

    @field_validator("business_error_status")
    @classmethod
    def _business_status(cls, value: int) -> int:
        if value not in BUSINESS_ERROR_STATUSES:
            raise ValueError("must be 200 or 400")
        return value
