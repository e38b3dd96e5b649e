"""Who a request acts for, as plain frozen values: the org, its till and its programs.

These are what the per-worker caches hold (never ORM objects, which go stale once their session
closes); they are built from the database rows by `from_row`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any, Self

from capillary_emulator.orgs import OrgConfig


class _FromRow:
    @classmethod
    def from_row(cls, row: Any) -> Self:
        """The frozen copy of an ORM row (or any object with the same attribute names)."""
        values = {f.name: getattr(row, f.name) for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**values)


@dataclass(frozen=True)
class OrgInfo(_FromRow):
    id: int
    name: str
    timezone: str
    """"+05:30": the offset legacy date strings are rendered in."""
    default_country_code: str
    config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    clock_offset_us: int | None = None
    """The org's own clock (see `clock.org_reading`); None while it reads the global one."""
    clock_frozen_at: datetime | None = None

    def __post_init__(self) -> None:
        # A read-only copy: the cached value cannot be changed by whoever holds the row.
        object.__setattr__(self, "config", MappingProxyType(dict(self.config or {})))
        object.__setattr__(self, "default_country_code", self.default_country_code or "")


@dataclass(frozen=True)
class TillInfo(_FromRow):
    id: int
    org_id: int
    code: str
    store_id: int | None = None
    store_name: str = ""
    store_code: str = ""


@dataclass(frozen=True)
class ProgramInfo(_FromRow):
    id: int
    org_id: int
    name: str
    is_default: bool


@dataclass(frozen=True)
class Caller:
    """Who is calling: every request resolves to one org and one till."""

    org: OrgInfo
    till: TillInfo
    programs: Mapping[int, ProgramInfo] = field(default_factory=lambda: MappingProxyType({}))
    """The org's programs by id (they change only with the seed)."""

    @property
    def default_program(self) -> ProgramInfo | None:
        return next((p for p in self.programs.values() if p.is_default), None) or next(
            iter(sorted(self.programs.values(), key=lambda p: p.id)), None
        )

    @property
    def org_id(self) -> int:
        return self.org.id

    @property
    def config(self) -> OrgConfig:
        return OrgConfig(dict(self.org.config))
