"""Seed documents: parse and check them, load them in one transaction, clear what they wrote.

Checking lives in `seed/references.py`, turning an org into rows in `seed/plan.py`, writing
them in `seed/loader.py`. Points in a seed are posted through the ledger writer's bulk path
(`writer/bulk.py`), so a seeded database passes the audit from the start; clearing removes
ledger, lot and balance rows through the same path.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from capillary_emulator.db import Base
from capillary_emulator.errors import (
    InvalidInputError,
    MalformedJsonError,
    SeedDocumentError,
    SeedFileError,
)
from capillary_emulator.models import EmulatorState
from capillary_emulator.seed.loader import load_seed as load_seed  # the entry point callers use
from capillary_emulator.seed.references import check_references
from capillary_emulator.seed.schema import SeedDocument
from capillary_emulator.store import bulk as store_bulk
from capillary_emulator.writer import bulk as ledger_bulk


def parse_seed(data: Any) -> SeedDocument:
    """Validate a decoded document; errors name the path of the bad field."""
    try:
        document = SeedDocument.model_validate(data)
    except ValidationError as exc:
        raise _seed_error(exc) from None
    check_references(document)
    return document


def parse_seed_json(raw: bytes) -> SeedDocument:
    """Validate a JSON document straight from its bytes (a large one is never held as Python
    dicts and lists beside its models); the errors of `parse_seed`, and of a request whose body
    is missing or not JSON."""
    if not raw.strip():
        raise InvalidInputError(detail="body: Field required")
    try:
        document = SeedDocument.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            detail = (first.get("ctx") or {}).get("error", "invalid JSON")
            raise MalformedJsonError(detail=detail) from None
        raise _seed_error(exc) from None
    check_references(document)
    return document


def _seed_error(exc: ValidationError) -> SeedDocumentError:
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first["loc"]) or "(document)"
    return SeedDocumentError(path=path, problem=first["msg"])


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a seed is parsed and written: the rows of a
    large document are hundreds of thousands of young containers, and collecting them over
    and over costs as much as building them. Nothing they hold is cyclic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_seed_text(raw: str) -> SeedDocument:
    import yaml  # only seed files need it: kept off the serving worker's start-up

    # libyaml's parser when it is there, with PyYAML's own safe constructors either way.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(raw, Loader=loader)  # JSON is YAML too
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise SeedDocumentError(path="(document)", problem=f"not YAML or JSON: {problem}") from None
    return parse_seed(data)


@lru_cache(maxsize=8)
def _read_seed_file(path: str, mtime_ns: int) -> SeedDocument:
    return parse_seed_text(Path(path).read_text(encoding="utf-8"))


def read_seed_file(path: Path) -> SeedDocument:
    """The parsed seed file, parsed once per process while the file is unchanged. Any problem
    is one SeedFileError naming the file and, where there is one, the line."""
    try:
        return _read_seed_file(str(path), path.stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SeedFileError(file=path, line="", problem=problem) from None
    except SeedDocumentError as exc:
        at = str(exc.params.get("path", "(document)"))
        line = _line_of(path.read_text(encoding="utf-8"), at)
        raise SeedFileError(
            file=path, line=f", line {line}" if line else "", problem=exc.text
        ) from None


def _line_of(raw: str, at: str) -> int | None:
    """The 1-based line of a dotted document path (`orgs.0.customers.3.userId`), or of the
    YAML syntax error, as near as the document's nodes go."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(raw, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        return exc.problem_mark.line + 1 if exc.problem_mark else None
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line
    for part in at.split("."):
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit():
            index = int(part)
            child = node.value[index] if index < len(node.value) else None
        if child is None:
            break
        node = child
        line = node.start_mark.line
    return line + 1


def clear_database(session: Session, *, org_id: int | None = None) -> None:
    """Remove every row (or one org's rows); the emulator_state row stays."""
    ledger_bulk.delete_rows(session, org_id=org_id)
    if org_id is None:
        # DELETE rather than TRUNCATE: on the small tables of a test run it is several times
        # faster on Postgres; sequences are moved past the restored ids by the caller.
        names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    else:
        names = store_bulk.org_tables()
    store_bulk.delete_tables(
        session,
        [n for n in names if n != EmulatorState.__tablename__ and n not in ledger_bulk.TABLE_NAMES],
        org_id=org_id,
    )
