"""A local, stateful emulator of Capillary's v2 loyalty points API."""

__version__ = "0.1.0"
