"""Org configuration keys: Capillary's names, the emulator's defaults, typed reads."""

from collections.abc import Mapping
from typing import Any

# Defaults where the org's config does not name a key. Capillary ships the transfer, reversal
# and group features switched off until an org asks for them; the emulator does the same.
CONFIG_DEFAULTS: dict[str, Any] = {
    "ALLOW_POINTS_TRANSFER": False,
    "POINTS_TRANSFER_OTP_REQUIRED": True,
    "CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER": False,
    "ALLOW_POINTS_REDEMPTION_REVERSAL": False,
    "ENABLE_USER_GROUP_LOYALTY": False,
    "OTP_VALIDITY_SECONDS": 900,
    "OTP_MAX_ATTEMPTS": 5,
    "OTP_FIXED_CODES": [],
    # Capillary's otpMaxCount / otpTimeOut (minutes): neither set, no limit; one set, the
    # other takes the OLD docs' limit (10 codes a day).
    "OTP_MAX_COUNT": 10,
    "OTP_TIME_OUT": 1440,
    # Newer-docs behaviour switches (EMULATION.md 1.3): the seed's behaviour is the default.
    "POINTS_TRANSFER_REJECT_FRACTIONAL": False,
    "POINTS_TRANSFER_DISABLED_CODE": 888,
    "LEDGER_MAX_LIMIT": 10,
    "LEDGER_MAX_DATE_RANGE_DAYS": 30,
    "LEDGER_DEFAULT_WHOLE_HISTORY": False,
    "POINTS_REDEMPTION_MULTIPLE": 1,
    "POINTS_REDEMPTION_MIN": 0,
    "POINTS_REDEMPTION_MAX": 0,
    "POINTS_REDEMPTION_MIN_LIFETIME_POINTS": 0,
    "POINTS_REDEMPTION_MIN_LIFETIME_PURCHASES": 0,
    "POINTS_REDEMPTION_VALIDATION_REQUIRED": True,
}

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class ConfigValueError(ValueError):
    """A config key holds a value of the wrong kind."""


class OrgConfig:
    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self.raw = raw or {}

    def is_set(self, key: str) -> bool:
        return key in self.raw

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, CONFIG_DEFAULTS.get(key, False))
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ConfigValueError(f"{key} is not a boolean: {value!r}")

    def integer(self, key: str) -> int:
        value = self.raw.get(key, CONFIG_DEFAULTS.get(key, 0))
        if isinstance(value, bool):
            raise ConfigValueError(f"{key} is not a number: {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigValueError(f"{key} is not a number: {value!r}") from None
