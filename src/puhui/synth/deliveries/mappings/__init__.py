"""Per-data-set mappings from the city to a delivery's rows, registered by catalog data set id.

A mapping receives the delivery context and the data set's catalog entry and returns ``Rows`` (or an iterator of
``Rows`` chunks for long monthly series); fields it leaves out are filled by the generic filler, and fields it
names that the catalog does not declare are ignored, so a catalog change never breaks a delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from puhui.core.catalog import DatasetSpec
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.rows import Rows

Mapping = Callable[[DeliveryContext, DatasetSpec], Rows | Iterator[Rows]]
MAPPINGS: dict[str, Mapping] = {}


def mapping(*dataset_ids: str) -> Callable[[Mapping], Mapping]:
    def register(function: Mapping) -> Mapping:
        for dataset_id in dataset_ids:
            MAPPINGS[dataset_id] = function
        return function

    return register


__all__ = ["MAPPINGS", "Mapping", "mapping"]


def _register_all() -> None:
    """Import every mapping module so that its ``@mapping`` registrations run."""
    from puhui.synth.deliveries.mappings import (  # noqa: F401
        agriculture,
        civil_affairs,
        court,
        education,
        finance,
        health,
        housing_fund,
        hrss,
        market,
        natural_resources,
        ndrc,
        public_security,
        tax,
        telecoms,
        utilities,
    )


_register_all()
