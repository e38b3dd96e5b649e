"""GET /_emulator/ui/*: the console's pages (Jinja2, rendered here) and its two static files.
Every page only reads (`read_only`: a snapshot on SQLite, no write lock).

The control plane's admin-token rule applies. A browser can carry the token: open
`/_emulator/ui/?adminToken=...` once and the console sets it as a cookie (HttpOnly,
SameSite=Strict, path /_emulator) and redirects to the address without it; the console's
JavaScript then calls the control plane's JSON endpoints with that cookie.
"""

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from capillary_emulator.console import service
from capillary_emulator.context import (
    ADMIN_COOKIE,
    ADMIN_QUERY,
    SessionDep,
    read_only,
    require_admin,
)
from capillary_emulator.errors import ResourceNotFoundError

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
STATIC_FILES = {
    "console.js": ("application/javascript", HERE / "static" / "console.js"),
    "console.css": ("text/css", HERE / "static" / "console.css"),
}
SAME_ORIGIN_ONLY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'"
)

router = APIRouter(
    prefix="/_emulator/ui", include_in_schema=False, dependencies=[Depends(require_admin)]
)


def points(milli: int | None) -> str:
    """Thousandths as points: 1500 -> "1.5", 120000 -> "120"."""
    if milli is None:
        return ""
    whole, rest = divmod(abs(milli), 1000)
    text = f"{whole:,}" + (f".{rest:03d}".rstrip("0") if rest else "")
    return f"-{text}" if milli < 0 else text


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


@cache
def templates() -> "Jinja2Templates":
    """Made for the first page: Jinja2 is not imported by a worker nobody opens the console of."""
    from fastapi.templating import Jinja2Templates

    made = Jinja2Templates(directory=HERE / "templates")
    made.env.filters["points"] = points
    made.env.filters["when"] = when
    return made


PageNumber = Annotated[int, Query(ge=0, le=100_000)]
KeyId = Annotated[int | None, Query(ge=-(2**63), le=2**63 - 1)]


def _render(request: Request, name: str, **context: Any) -> Response:
    if ADMIN_QUERY in request.query_params:
        # The token came in the address: keep it as a cookie, and drop it from the address.
        target = request.url.remove_query_params(ADMIN_QUERY)
        redirect = RedirectResponse(str(target), status_code=303)
        redirect.set_cookie(
            ADMIN_COOKIE,
            request.query_params[ADMIN_QUERY],
            httponly=True,
            samesite="strict",
            path="/_emulator",
        )
        return redirect
    page = templates().TemplateResponse(request, name, context)
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


@router.get("/", response_class=HTMLResponse)
@read_only
async def overview(request: Request, session: SessionDep) -> Response:
    return _render(request, "overview.html", section="overview", orgs=service.orgs(session))


@router.get("/customers", response_class=HTMLResponse)
@read_only
async def customers(
    request: Request,
    session: SessionDep,
    orgId: int | None = None,
    q: str = "",
    page: PageNumber = 0,
    after: KeyId = None,
    before: KeyId = None,
) -> Response:
    orgs = service.org_ids(session)
    org_id = orgId if orgId is not None else (orgs[0][0] if orgs else 0)
    found, paging = service.search_customers(
        session, org_id=org_id, text=q, page=page, after=after, before=before
    )
    return _render(
        request,
        "customers.html",
        section="customers",
        orgs=orgs,
        org_id=org_id,
        q=q,
        customers=found,
        page=paging,
    )


@router.get("/customers/{org_id}/{customer_id}", response_class=HTMLResponse)
@read_only
async def customer(
    request: Request, session: SessionDep, org_id: int, customer_id: int, page: PageNumber = 0
) -> Response:
    detail = service.customer_detail(session, org_id=org_id, customer_id=customer_id, page=page)
    if detail is None:
        raise ResourceNotFoundError(path=request.url.path)
    return _render(request, "customer.html", section="customers", detail=detail)


@router.get("/groups", response_class=HTMLResponse)
@read_only
async def groups(
    request: Request, session: SessionDep, orgId: int | None = None, page: PageNumber = 0
) -> Response:
    orgs = service.org_ids(session)
    org_id = orgId if orgId is not None else (orgs[0][0] if orgs else 0)
    found, paging = service.groups(session, org_id=org_id, page=page)
    return _render(
        request, "groups.html", section="groups", orgs=orgs, org_id=org_id, groups=found,
        page=paging,
    )  # fmt: skip


@router.get("/groups/{group_id}", response_class=HTMLResponse)
@read_only
async def group(
    request: Request, session: SessionDep, group_id: int, page: PageNumber = 0
) -> Response:
    detail = service.group_detail(session, group_id=group_id, page=page)
    if detail is None:
        raise ResourceNotFoundError(path=request.url.path)
    return _render(request, "group.html", section="groups", **detail)


@router.get("/otps", response_class=HTMLResponse)
@read_only
async def otps(request: Request) -> Response:
    return _render(request, "otps.html", section="otps")


@router.get("/journal", response_class=HTMLResponse)
@read_only
async def journal(request: Request) -> Response:
    return _render(request, "journal.html", section="journal")


@router.get("/faults", response_class=HTMLResponse)
@read_only
async def faults(request: Request) -> Response:
    return _render(request, "faults.html", section="faults")


@router.get("/control", response_class=HTMLResponse)
@read_only
async def control(request: Request, session: SessionDep) -> Response:
    return _render(request, "control.html", section="control", orgs=service.org_ids(session))


@router.get("/static/{name}")
async def static_file(request: Request, name: str) -> FileResponse:
    found = STATIC_FILES.get(name)
    if found is None:
        raise ResourceNotFoundError(path=request.url.path)
    media_type, path = found
    return FileResponse(path, media_type=media_type)
