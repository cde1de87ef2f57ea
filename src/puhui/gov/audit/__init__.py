"""The audit log: every security-relevant event, append-only, chained by SM3."""
