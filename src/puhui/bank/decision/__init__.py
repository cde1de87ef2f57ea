"""Decisions: the pure credit policy, reasons, and the use case that decides an application end to end."""
