"""What the journal keeps of a call: secrets and one-time codes masked wherever they appear.

A secret is recognised by its field name (`SECRET_FIELDS`, compared without case, `_` or `-`),
at any depth of a JSON body, in a query string, in a form-encoded body, and, for a body that is
not valid JSON (malformed, or cut at the journal's byte limit), by the text that follows the
name: `"code": "1234"`, `"code":1234`, `code=1234`, up to the end of the text when the value
itself was cut.
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

MASK = "***"

SECRET_FIELDS = frozenset(
    {
        "code",
        "otp",
        "otpcode",
        "validationcode",
        "secret",
        "clientsecret",
        "password",
        "accesstoken",
        "refreshtoken",
        "token",
        "authorization",
    }
)
"""Normalised field names (lower case, no `_` or `-`) whose values the journal never keeps."""


def is_secret(name: str) -> bool:
    return name.lower().replace("_", "").replace("-", "") in SECRET_FIELDS


def _spelling(name: str) -> str:
    """A regex for a normalised field name in any of its spellings (`validation_code`,
    `validationCode`, `VALIDATION-CODE`)."""
    return "[_-]?".join(re.escape(c) for c in name)


_NAMES = "|".join(sorted((_spelling(n) for n in SECRET_FIELDS), key=len, reverse=True))

_JSON_FIELD = re.compile(
    rf"""(?P<key>(?P<q>["']?)(?:{_NAMES})(?P=q)\s*:\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*(?:"|\\?$)|'[^']*(?:'|$)|[^,}\]\s]+)""",
    re.IGNORECASE,
)
"""`"name": value` where value is a string (possibly cut before its closing quote), a number or
a bare word."""
_FORM_FIELD = re.compile(rf"(?P<key>(?:^|(?<=[&?;\s]))(?:{_NAMES})=)(?P<value>[^&\s]*)", re.I)
"""`name=value` in a form-encoded or query-like text."""


_NAMING_KEYS = ("name", "key", "type", "field")
"""Keys that name the `value` beside them (`{"name": "otp", "value": "1234"}`)."""


def mask_value(value: Any) -> Any:
    """A JSON value with every secret field's value replaced, at any depth, also where the
    secret is named by its position (a `value` whose sibling `name` is a secret field)."""
    if isinstance(value, dict):
        named = any(isinstance(value.get(k), str) and is_secret(value[k]) for k in _NAMING_KEYS)
        return {
            k: MASK if is_secret(str(k)) or (named and k == "value") else mask_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value


def mask_text(text: str) -> str:
    """Secret fields masked in text that is not (complete) JSON."""
    text = _JSON_FIELD.sub(lambda m: m["key"] + f'"{MASK}"', text)
    return _FORM_FIELD.sub(lambda m: m["key"] + MASK, text)


def mask_query(query: str) -> str:
    """A query string (or form body) with secret parameters masked; order and other values
    kept."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs or any("=" not in part for part in query.split("&") if part):
        return mask_text(query)
    return urlencode([(k, MASK if is_secret(k) else v) for k, v in pairs], safe="*/:,")


def body_value(raw: bytes, *, truncated: bool) -> Any:
    """The journal's view of a request body: the masked JSON value when it is complete JSON,
    else its masked text (a form body, malformed JSON, or a body cut at the limit)."""
    if not raw:
        return None
    if not truncated:
        try:
            return mask_value(json.loads(raw))
        except ValueError:
            pass
    text = raw.decode("utf-8", "replace")
    if not truncated and "=" in text and not text.lstrip().startswith(("{", "[")):
        return mask_query(text)
    return mask_text(text)


_ERROR_CODE = re.compile(rb'"code"\s*:\s*(-?\d+)')


def error_codes(raw: bytes, *, truncated: bool) -> tuple[int, ...]:
    """The Capillary error codes of an answer: the `code` of every item of every `errors`
    list in it (a cut answer: the codes after its first `"errors"`)."""
    if b'"errors"' not in raw:
        return ()
    if not truncated:
        try:
            found: list[int] = []
            _collect_codes(json.loads(raw), found)
            return tuple(found)
        except ValueError:
            pass
    start = raw.index(b'"errors"')
    return tuple(int(m) for m in _ERROR_CODE.findall(raw, start))


def _collect_codes(value: Any, found: list[int]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "errors" and isinstance(item, list):
                found.extend(
                    e["code"] for e in item if isinstance(e, dict) and type(e.get("code")) is int
                )
            else:
                _collect_codes(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_codes(item, found)
