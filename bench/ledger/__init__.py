"""Ledger at scale: `python -m bench.ledger --help` (bench/README.md, "Ledger at scale")."""
