"""Settings: every knob comes from the environment with the CAPEMU_ prefix."""

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SEED_FILE = Path(__file__).parent / "data" / "demo-seed.yaml"
BUSINESS_ERROR_STATUSES = (200, 400)


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
    journal_size: int = 1000
    """Calls kept per worker for GET /_emulator/journal; 0 switches the journal off."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"

    @field_validator("business_error_status")
    @classmethod
    def _business_status(cls, value: int) -> int:
        if value not in BUSINESS_ERROR_STATUSES:
            raise ValueError("must be 200 or 400")
        return value
