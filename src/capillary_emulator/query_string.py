"""Query models read from the raw query string.

Every field is a raw string (or None) so that a malformed value reaches the service, which
answers with a Capillary code instead of FastAPI's 422. Routers validate the query string with
`from_query` rather than FastAPI's query model (`Annotated[Model, Query()]`): the same result,
while FastAPI inspects every field's annotation again on every request (a quarter of a
transfer-history call). `openapi_parameters` documents them (`openapi_extra`), descriptions
from `Field(description=...)`: pydantic's `use_attribute_docstrings` reads the class's source
through `inspect.getmodule`, ~15 ms of every start per class.
"""

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel


class QueryModel(BaseModel):
    DOC_REQUIRED: ClassVar[frozenset[str]] = frozenset()
    """Parameters the API documentation marks required (the service answers their absence)."""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Self:
        """Unknown parameters are ignored; a repeated one keeps its last value."""
        return cls.model_validate(
            {name: params[name] for name in cls.model_fields if name in params}
        )

    @classmethod
    def openapi_parameters(cls) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "in": "query",
                "required": name in cls.DOC_REQUIRED,
                "schema": {"type": "string"},
                **({"description": field.description} if field.description else {}),
            }
            for name, field in cls.model_fields.items()
        ]
