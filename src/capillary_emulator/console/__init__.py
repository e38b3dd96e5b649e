"""The web console at /_emulator/ui: server-rendered pages over the store's paged reads, and a
little vendored JavaScript for what updates live (OTP inbox, journal) or acts on the control
plane (faults, clock, reset, seed)."""
