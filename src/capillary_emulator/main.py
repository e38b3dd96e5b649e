"""create_app(settings): routers, handlers, middleware; the engine lives on app.state."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from capillary_emulator import __version__, lifecycle
from capillary_emulator.api_docs import install_api_docs
from capillary_emulator.caches import WorkerCaches
from capillary_emulator.config import Settings
from capillary_emulator.console.router import router as console_router
from capillary_emulator.context import ClosesUnits
from capillary_emulator.customer_api.router import router as customer_api_router
from capillary_emulator.db import Checkpointer, make_engine, make_session_factory
from capillary_emulator.earning.router import router as earning_router
from capillary_emulator.emulator.faults import WarningFaults, inject_faults
from capillary_emulator.emulator.journal import Journal, RequestJournalMiddleware
from capillary_emulator.emulator.router import open_router as emulator_open_router
from capillary_emulator.emulator.router import router as emulator_router
from capillary_emulator.groups.router import router as groups_router
from capillary_emulator.handlers import BodyLimits, JsonBodyOnly, install_handlers
from capillary_emulator.ledger.router import router as ledger_router
from capillary_emulator.oauth.router import router as oauth_router
from capillary_emulator.openapi import install_openapi
from capillary_emulator.otp.router import router as otp_router
from capillary_emulator.redemptions.router import router as redemptions_router
from capillary_emulator.reversals.router import router as reversals_router
from capillary_emulator.transfers.router import router as transfers_router

OPENAPI_TAGS = [
    {"name": "emulator", "description": "The emulator's control plane (not part of Capillary)."},
    {"name": "points", "description": "Capillary's v2 points API (and the v1.1 redemption)."},
    {"name": "otp", "description": "Capillary's v2 OTP API."},
    {"name": "customers", "description": "Capillary's v2 customers API."},
    {"name": "earning", "description": "Capillary's v2 transactions (points earned on bills)."},
    {"name": "oauth", "description": "Capillary OAuth tokens."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, background_checkpoints=True)
        lifecycle.prepare(engine, settings)
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        app.state.journal.start(engine)
        checkpointer = Checkpointer(engine) if engine.dialect.name == "sqlite" else None
        if checkpointer is not None:
            checkpointer.start()
        yield
        if checkpointer is not None:
            checkpointer.stop()
        app.state.journal.stop()
        engine.dispose()

    app = FastAPI(
        title="capillary-emulator",
        version=__version__,
        description="A local, stateful emulator of Capillary's v2 loyalty points API.",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's native OpenTelemetry would look the global providers up on every request
        # (and trace it when the process configured one): an emulator under test is not
        # observed that way (docs/architecture.md).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_api_docs(app)
    install_openapi(app)
    app.state.settings = settings
    app.state.caches = WorkerCaches()
    app.state.journal = Journal(size=settings.journal_size, max_bytes=settings.journal_bytes)
    install_handlers(app)
    app.add_middleware(ClosesUnits)
    app.add_middleware(JsonBodyOnly)
    app.add_middleware(WarningFaults)
    app.add_middleware(RequestJournalMiddleware, journal=app.state.journal)
    app.add_middleware(BodyLimits, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)
    # Injected faults apply to the calls a client authenticates for (the endpoints taking the
    # request context), not to token issuing or the control plane (which clears them again).
    app.state.inject_faults = inject_faults
    # The health probe first, then the most used: a request is matched against every route of
    # the routers before its own (no path of one router matches a route of another, so the
    # order changes nothing else), and FastAPI builds a router's route state on the first
    # request matched against it (~60 ms for the Capillary routers): the probe a compose file
    # or an orchestrator polls until the emulator is up does not wait for it.
    app.include_router(emulator_open_router)
    app.include_router(transfers_router)
    app.include_router(ledger_router)
    app.include_router(redemptions_router)
    app.include_router(groups_router)
    app.include_router(reversals_router)
    app.include_router(customer_api_router)
    app.include_router(earning_router)
    app.include_router(otp_router)
    app.include_router(oauth_router)
    app.include_router(emulator_router)
    app.include_router(console_router)
    return app
