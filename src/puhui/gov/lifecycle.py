"""Lifecycles as data: a ``{(state, event): next state}`` table and the one function that applies it.

Institutions, consents and black-list entries each declare their table next to their model; anything not in
the table is refused as a ``Conflict`` that names the state and the event.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

from puhui.core.errors import Conflict

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)


def next_state(table: Mapping[tuple[S, E], S], state: S, event: E, what: str) -> S:
    try:
        return table[(state, event)]
    except KeyError:
        slug = what.replace(" ", "_")
        raise Conflict(f"cannot {event.value} a {state.value} {what}", code=f"{slug}_cannot_{event.value}") from None


__all__ = ["next_state"]
