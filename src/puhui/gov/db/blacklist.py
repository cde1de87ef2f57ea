"""``SqlBlackListReader``: the bank-reported defaults as the indicator engine reads them (``docs/api-gov.md``)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from puhui.gov.credit_loop.model import BlackListEntry
from puhui.gov.db import tables as t
from puhui.gov.db.repositories import SqlListingRepository


class SqlBlackListReader:
    """Implements ``puhui.gov.credit_loop.model.BlackListReader`` over the node's operational database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def entries(self, subject_pseudonyms: Sequence[str] | None = None) -> list[BlackListEntry]:
        with self._engine.connect() as connection:
            listings = SqlListingRepository(connection).all(subject_pseudonyms)
            names = {
                row.id: row.name for row in connection.execute(sa.select(t.institutions.c.id, t.institutions.c.name))
            }
        return [listing.as_entry(names.get(listing.institution_id, listing.institution_id)) for listing in listings]


__all__ = ["SqlBlackListReader"]
