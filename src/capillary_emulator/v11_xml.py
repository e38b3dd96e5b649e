"""v1.1 answers as XML: a JSON-shaped body (dicts, lists, scalars) written as elements.

A list repeats its key's element (`{"customer": [a, b]}` -> `<customer>a</customer><customer>b
</customer>`), as Capillary's v1.1 XML does; booleans are "true"/"false", None is left out.
"""

from typing import Any
from xml.sax.saxutils import escape


def _element(name: str, value: Any, out: list[str]) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            _element(name, item, out)
        return
    if isinstance(value, dict):
        out.append(f"<{name}>")
        for key, child in value.items():
            _element(key, child, out)
        out.append(f"</{name}>")
        return
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    out.append(f"<{name}>{escape(text)}</{name}>")


def to_xml(body: dict[str, Any]) -> str:
    """The document of a one-key body (`{"response": {...}}` -> `<response>...</response>`)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    for key, value in body.items():
        _element(key, value, out)
    return "".join(out)
