"""The benchmark harness: `python -m bench.run` measures the emulator beside a bare FastAPI app.

Loopback only and bounded in time; see bench/README.md.
"""
