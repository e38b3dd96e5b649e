"""Testing against the emulator: `Emulator` (the control plane over HTTP, typed answers),
`EmulatorServer` (`capillary-emulator serve` as a child process) and the pytest plugin
(`capillary_emulator.testing.plugin`, registered through the `pytest11` entry point).

Nothing here imports the server: a test process needs only httpx (and pytest for the plugin).
"""

from capillary_emulator.testing.client import (
    Audit,
    ClockReading,
    Customer,
    Emulator,
    EmulatorError,
    Fault,
    Health,
    JournalEntry,
    OAuthClient,
    Org,
    OrgClock,
    Otp,
    OtpNotIssued,
    Program,
    SeedResult,
    UserGroup,
)
from capillary_emulator.testing.server import EmulatorServer

__all__ = [
    "Audit",
    "ClockReading",
    "Customer",
    "Emulator",
    "EmulatorError",
    "EmulatorServer",
    "Fault",
    "Health",
    "JournalEntry",
    "OAuthClient",
    "Org",
    "OrgClock",
    "Otp",
    "OtpNotIssued",
    "Program",
    "SeedResult",
    "UserGroup",
]
