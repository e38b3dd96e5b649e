"""The one ledger writer: every change to ledger events and entries, lots and balances.

`core` moves points (debit, credit, expiry, stored balances), `bulk` inserts and deletes the
rows of whole seeds and resets, `expiry` sweeps due lots through `core`, `movements` holds the
value types they share. Nothing else writes those four tables."""
