"""What every mapping needs from the city: lookups of names, IDs and places by subject, named random streams,
and a per-provider cache for the activity several of a provider's data sets share (one billing run feeds a
utility's usage, payments, arrears and customers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.synth import reference as ref
from puhui.synth.city import City
from puhui.synth.rand import stream, weighted_sample
from puhui.synth.text import pick

T = TypeVar("T")


def _take(array: pa.Array, index: np.ndarray) -> pa.Array:
    index = np.asarray(index, dtype=np.int64)
    missing = index < 0
    return array.take(pa.array(np.where(missing, 0, index), mask=missing if missing.any() else None))


class DeliveryContext:
    def __init__(self, city: City) -> None:
        self.city = city
        self.params = city.params
        self.persons = city.persons
        self.orgs = city.organisations
        self._cache: dict[str, Any] = {}
        township_codes = np.array([t[0] for t in ref.TOWNSHIPS])
        self.township_codes = township_codes
        self.district_of_township = township_codes // 1000

    # --- randomness and caching -------------------------------------------------------------------------------
    def rng(self, *names: str) -> np.random.Generator:
        return stream(self.params.seed, "deliveries", *names)

    def cached(self, key: str, build: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[no-any-return]

    def forget(self, prefix: str) -> None:
        """Drop a provider's shared activity once its data sets are written (memory stays bounded)."""
        for key in [k for k in self._cache if k.startswith(prefix)]:
            del self._cache[key]

    # --- time ---------------------------------------------------------------------------------------------------
    @property
    def as_of(self) -> np.datetime64:
        return self.params.as_of_day

    @property
    def window(self) -> np.ndarray:
        return self.params.window

    def window_stress(self, state: str) -> np.ndarray:
        latent = self.city.person_state if state == "person" else self.city.organisation_state
        return latent.window(self.params.months)

    def days_in_window(self, rng: np.random.Generator, n: int) -> np.ndarray:
        start = self.params.window_start
        return start + rng.integers(0, int((self.as_of - start).astype(int)) + 1, n).astype("timedelta64[D]")

    # --- subjects ----------------------------------------------------------------------------------------------
    def person_ids(self, person: np.ndarray) -> pa.Array:
        return _take(self.persons.resident_id, person)

    def person_names(self, person: np.ndarray) -> pa.Array:
        return _take(self.persons.name, person)

    def org_codes(self, org: np.ndarray) -> pa.Array:
        return _take(self.orgs.credit_code, org)

    def org_names(self, org: np.ndarray) -> pa.Array:
        return _take(self.orgs.name, org)

    def subject_ids(self, person: np.ndarray, org: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(np.asarray(person) >= 0), self.person_ids(person), self.org_codes(org))

    def subject_names(self, person: np.ndarray, org: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(np.asarray(person) >= 0), self.person_names(person), self.org_names(org))

    def legal_reps(self, org: np.ndarray) -> np.ndarray:
        org = np.asarray(org, dtype=np.int64)
        return np.where(org >= 0, self.orgs.legal_rep[np.maximum(org, 0)], -1)

    def addresses(self, person: np.ndarray, org: np.ndarray) -> pa.Array:
        return pc.if_else(
            pa.array(np.asarray(person) >= 0), _take(self.persons.address, person), _take(self.orgs.address, org)
        )

    def phones(self, person: np.ndarray) -> pa.Array:
        return _take(self.persons.phone, person)

    def districts(self, person: np.ndarray, org: np.ndarray) -> np.ndarray:
        """The 6-digit county code where each subject lives or is registered."""
        person = np.asarray(person)
        township = np.where(
            person >= 0, self.persons.township[np.maximum(person, 0)], self.orgs.township[np.maximum(org, 0)]
        )
        return np.asarray(self.district_of_township[township])

    def township_names(self, person: np.ndarray, org: np.ndarray) -> pa.Array:
        person = np.asarray(person)
        township = np.where(
            person >= 0, self.persons.township[np.maximum(person, 0)], self.orgs.township[np.maximum(org, 0)]
        )
        return pick([t[1] for t in ref.TOWNSHIPS], township)

    def subject_stress(self, person: np.ndarray, org: np.ndarray) -> np.ndarray:
        """Window stress (rows × months) of each row's subject."""
        person = np.asarray(person)
        people = self.window_stress("person")[np.maximum(person, 0)]
        organisations = self.window_stress("org")[np.maximum(np.asarray(org), 0)]
        return np.asarray(np.where((person >= 0)[:, None], people, organisations))

    def subject_traits(self, person: np.ndarray, org: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Capacity and willingness to pay of each row's subject."""
        person = np.asarray(person)
        p, o = self.city.person_state, self.city.organisation_state
        pi, oi = np.maximum(person, 0), np.maximum(np.asarray(org), 0)
        is_person = person >= 0
        return np.where(is_person, p.capacity[pi], o.capacity[oi]), np.where(
            is_person, p.willingness[pi], o.willingness[oi]
        )


def weighted_choice(
    rng: np.random.Generator, candidates: np.ndarray, count: int, weight: np.ndarray | None = None
) -> np.ndarray:
    """``count`` distinct candidates (all of them when there are fewer), with probability ∝ ``weight``."""
    return weighted_sample(rng, candidates, count, weight)


__all__ = ["DeliveryContext", "weighted_choice"]
