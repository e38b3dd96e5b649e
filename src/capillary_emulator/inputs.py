"""Lenient readers of client input, one behaviour each, shared by every feature.

Capillary's clients send numbers as strings, booleans as "true", ids with spaces; these readers
accept what Capillary accepts and return plain values, or None where the caller decides which
Capillary code a bad value gets.
"""

from capillary_emulator.errors import InvalidConfigurationError, InvalidPayloadFieldError
from capillary_emulator.orgs import ConfigValueError, OrgConfig

TRUE_TEXT = frozenset({"true", "1"})
FALSE_TEXT = frozenset({"false", "0", ""})
MAX_ID_DIGITS = 18
"""Longer digit strings do not fit a BIGINT bind (SQLite overflows)."""
NOTES_MAX_LENGTH = 1000
"""Characters of free-text notes kept. Capillary documents no limit; the emulator's own,
generous for any real note (docs/emulation-coverage.md, "Limits")."""


def storable(text: str) -> bool:
    """Whether text can be stored and echoed: no NUL (Postgres refuses it in a text bind) and no
    lone UTF-16 surrogate such as JSON's "\\ud800" (no database encoding holds one)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def config_flag(config: OrgConfig, key: str) -> bool:
    """An org switch; a value that is not a boolean is Capillary's 888."""
    try:
        return config.flag(key)
    except ConfigValueError:
        raise InvalidConfigurationError() from None


def config_integer(config: OrgConfig, key: str) -> int:
    """An org number; a value that is not a number is Capillary's 888."""
    try:
        return config.integer(key)
    except ConfigValueError:
        raise InvalidConfigurationError() from None


def is_true(raw: object) -> bool:
    """A boolean flag of a body or query: `true`, "true" or "1" (any case, spaces ignored)."""
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in TRUE_TEXT)


def is_false(raw: object) -> bool:
    """Absent, `false`, "false", "0" or "" (any case, spaces ignored)."""
    return (
        raw is None or raw is False or (isinstance(raw, str) and raw.strip().lower() in FALSE_TEXT)
    )


def numeric_id(raw: object) -> int | None:
    """A database id given as an int or a string of ASCII digits; None for anything else."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def notes(raw: object, *, field: str = "notes") -> str:
    """Free text of at most NOTES_MAX_LENGTH characters; a number is taken as its text,
    anything else is 434 for the field."""
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidPayloadFieldError(field=field)
    text = str(raw)
    if len(text) > NOTES_MAX_LENGTH or not storable(text):
        raise InvalidPayloadFieldError(field=field)
    return text


def mobile_candidates(value: str, default_country_code: str | None) -> list[str]:
    """A mobile number as stored: without '+', with the org's country code when it lacks one.

    The first item is the number as given (without '+'); the last is the canonical form.
    """
    digits = value.strip().lstrip("+")
    if default_country_code and not digits.startswith(default_country_code):
        return [digits, default_country_code + digits]
    return [digits]


def identifier_text(raw: object) -> str | None:
    """An identifier value as text, stripped; None when it can name no one (not text or a
    number, blank, or not `storable`, which no identifier is)."""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    return text if text and storable(text) else None


def identifier_candidates(kind: str, text: str, default_country_code: str | None) -> list[str]:
    """The stored values an identifier of `kind` may have: a mobile number with and without the
    org's country code (`mobile_candidates`); an email as given and lower-cased (emails are
    stored lower-cased, so their lookups ignore case); anything else as given."""
    if kind == "mobile":
        return mobile_candidates(text, default_country_code)
    if kind == "email":
        return [text, text.lower()]
    return [text]


def stored_identifier(kind: str, value: str) -> str:
    """An identifier as the emulator stores it: emails lower-cased, the rest as given."""
    return value.lower() if kind == "email" else value
