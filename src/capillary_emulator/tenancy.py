"""Who a request acts for, as plain frozen values: the org, its till and its programs.

These are what the per-worker caches hold (never ORM objects, which go stale once their session
closes); they are built from the database rows by `from_row`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from capillary_emulator.orgs import OrgConfig


@dataclass(frozen=True)
class OrgInfo:
    id: int
    name: str
    timezone: str
    """"+05:30": the offset legacy date strings are rendered in."""
    default_country_code: str
    config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_row(cls, row: Any) -> "OrgInfo":
        return cls(
            id=row.id,
            name=row.name,
            timezone=row.timezone,
            default_country_code=row.default_country_code or "",
            config=MappingProxyType(dict(row.config or {})),
        )


@dataclass(frozen=True)
class TillInfo:
    id: int
    org_id: int
    code: str
    store_id: int | None = None
    store_name: str = ""
    store_code: str = ""

    @classmethod
    def from_row(cls, row: Any) -> "TillInfo":
        return cls(
            id=row.id,
            org_id=row.org_id,
            code=row.code,
            store_id=row.store_id,
            store_name=row.store_name,
            store_code=row.store_code,
        )


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    org_id: int
    name: str
    is_default: bool

    @classmethod
    def from_row(cls, row: Any) -> "ProgramInfo":
        return cls(id=row.id, org_id=row.org_id, name=row.name, is_default=bool(row.is_default))


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
