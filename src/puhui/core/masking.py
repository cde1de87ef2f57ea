"""Masking for display: what a person may see of an identifier on a screen or a letter.

Masking is not pseudonymization: a masked value is for people, a pseudonym (``pseudonym.py``) is for joins.
"""

from __future__ import annotations


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_resident_id(number: str) -> str:
    """First 3 and last 4 kept: ``110***********002X``."""
    return _keep_ends(number, 3, 4)


def mask_phone(number: str) -> str:
    """First 3 and last 4 kept: ``138****5678``."""
    return _keep_ends(number, 3, 4)


def mask_name(name: str) -> str:
    """First character and one ``*``: ``张*`` (the length of a name is itself a hint, so it is not kept)."""
    return name[:1] + "*" if name else ""


__all__ = ["mask_name", "mask_phone", "mask_resident_id"]
