"""Settings: every knob comes from the environment with the CAPEMU_ prefix."""

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SEED_FILE = Path(__file__).parent / "data" / "demo-seed.yaml"
CAPILLARY_SAMPLES_FILE = Path(__file__).parent / "data" / "capillary-samples.json"
"""The seed document's sample requests and responses (a copy of shared/seed/samples.json)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAPEMU_", extra="ignore")

    database_url: str = "sqlite:///./capillary-emulator.db"
    """SQLAlchemy URL: a SQLite file, or postgresql+psycopg://user:pass@host/db."""
    seed_file: Path = DEMO_SEED_FILE
    """Seed document (YAML or JSON) loaded into a fresh database and restored by reset."""
    business_error_status: Literal[200, 400] = 200
    """HTTP status of business errors (8015, 804, ...): Capillary answers 200 with errors[]."""
    admin_token: str | None = None
    """When set, /_emulator/* requires the header X-CAPEMU-ADMIN-TOKEN with this value."""
    journal_size: int = 1000
    """Calls kept per worker for GET /_emulator/journal; 0 switches the journal off."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"
