"""What the customer (transfers/) and the group (groups/) transfer families share.

Both families import this package; it imports neither, so the dependency runs one way:
routers -> family services -> transfer_core -> customers, ledger writer, models.
"""
