"""What the decision flow needs from the rest of the bank node, as narrow interfaces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from puhui.bank.decision.model import RiskScore
from puhui.bank.rules.evaluate import Facts


class RiskModel(Protocol):
    """A trained model: reads the facts it was trained on (by their dotted names) and scores them."""

    version: str

    def score(self, facts: Facts) -> RiskScore: ...


class OwnDataReader(Protocol):
    """The bank's own data about a customer as of a date, as ``bank.*`` facts (empty for a new customer)."""

    def facts(self, subject_id: str, as_of: dt.date) -> Mapping[str, Any]: ...


__all__ = ["OwnDataReader", "RiskModel"]
