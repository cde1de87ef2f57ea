"""Generalization into bands with a minimum band size: the platform's desensitization of a numeric value.

A raw number (a credit limit, an age, a monthly amount) leaves the government node only as the band it falls in.
The bands are learned on a population: start from fine cells (each distinct value, or narrow quantile cells of a
continuous column), then merge the smallest band into its smaller neighbour until there are at most
``max_bands`` bands and every band holds at least ``min_count`` subjects and ``min_share`` of the population —
so no band can single out a handful of people, and bands stay as fine as that allows.

This module is pure: the policy and the learned bands are declarative, serializable values, and the merging
works on cell counts. Reducing a large column to cell counts is vectorized in ``puhui.engines.generalize``.

A band holds ``thresholds[i-1] <= value < thresholds[i]``; missing values fall in no band (``MISSING_BAND``).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, model_validator

from puhui.core.errors import ValidationError
from puhui.core.indicators import BandRule

MISSING_BAND = -1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BandingPolicy(_Frozen):
    """How coarse a generalization must be: at most ``max_bands`` bands, each holding at least ``min_count``
    subjects and at least ``min_share`` of the population the bands were learned on."""

    max_bands: int = Field(ge=2, le=20)
    min_share: float = Field(ge=0.0, le=0.5)
    min_count: int = Field(default=10, ge=1)

    def minimum(self, population: int) -> int:
        """The fewest subjects a band may hold in a population of this size."""
        return max(self.min_count, math.ceil(self.min_share * population))


def band_labels(thresholds: Sequence[float]) -> tuple[str, ...]:
    """``< a``, ``[a, b)``, …, ``≥ z``: one label per band, for people."""
    if not thresholds:
        return ("all",)
    for digits in (6, 10, 17):  # short labels, unless two cut points only differ further down
        edges = [f"{t:.{digits}g}" for t in thresholds]
        if len(set(edges)) == len(edges):
            break
    middle = [f"[{low}, {high})" for low, high in pairwise(edges)]
    return (f"< {edges[0]}", *middle, f"≥ {edges[-1]}")


class Bands(_Frozen):
    """Learned bands: the cut points, a label per band, and how many subjects each band held when learned."""

    thresholds: tuple[float, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    min_size: int = Field(ge=1, description="the minimum band size the bands were learned under")

    @model_validator(mode="after")
    def _consistent(self) -> Bands:
        if any(not math.isfinite(t) for t in self.thresholds):
            raise ValueError("band thresholds must be finite")
        if any(b <= a for a, b in pairwise(self.thresholds)):
            raise ValueError("band thresholds must increase strictly")
        if len(self.labels) != len(self.thresholds) + 1 or len(self.counts) != len(self.labels):
            raise ValueError("bands need one label and one count more than thresholds")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("band labels must be distinct")
        if len(self.counts) > 1 and min(self.counts) < self.min_size:
            raise ValueError(f"a band holds fewer than {self.min_size} subjects")
        return self

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def population(self) -> int:
        return sum(self.counts)

    def band_of(self, value: float) -> int:
        """The index of the band holding ``value`` (``MISSING_BAND`` for NaN)."""
        if math.isnan(value):
            return MISSING_BAND
        return bisect_right(self.thresholds, value)

    def label_of(self, value: float) -> str | None:
        index = self.band_of(value)
        return None if index == MISSING_BAND else self.labels[index]

    def as_rule(self, none: str | None = None) -> BandRule:
        """These bands as an indicator's band rule (the form indicator definitions publish)."""
        if not self.thresholds:
            raise ValidationError("a single band generalizes everything to one value; it is no indicator")
        return BandRule(
            kind="bands", thresholds=tuple(Decimal(repr(t)) for t in self.thresholds), labels=self.labels, none=none
        )


def merge_into_bands(thresholds: Sequence[float], counts: Sequence[int], policy: BandingPolicy) -> Bands:
    """Merge fine cells (``thresholds`` between them, ``counts`` in each) into bands that meet ``policy``.

    The smallest band (the leftmost of equals) merges into its smaller neighbour until the policy holds; with a
    heap this is O(n log n) in the number of cells. A population too small for two bands gives one band.
    """
    if len(counts) != len(thresholds) + 1:
        raise ValidationError("cells need one count more than thresholds")
    if any(c < 0 for c in counts):
        raise ValidationError("cell counts cannot be negative")
    population = sum(counts)
    if population == 0:
        raise ValidationError("no values to learn bands from")
    minimum = policy.minimum(population)

    size = list(counts)
    left = list(range(-1, len(size) - 1))
    right = [*range(1, len(size)), -1]
    alive = [True] * len(size)
    version = [0] * len(size)
    bands = len(size)
    heap = [(c, i, 0) for i, c in enumerate(size)]
    heapq.heapify(heap)
    while bands > 1:
        count, cell, seen = heapq.heappop(heap)
        if not alive[cell] or seen != version[cell]:
            continue  # a stale entry: the cell was merged or has grown since
        if count >= minimum and bands <= policy.max_bands:
            break  # the smallest band is big enough, so every band is
        before, after = left[cell], right[cell]
        if after == -1 or (before != -1 and size[before] <= size[after]):
            keep, gone = before, cell
        else:
            keep, gone = cell, after
        size[keep] += size[gone]
        alive[gone] = False
        right[keep] = right[gone]
        if right[gone] != -1:
            left[right[gone]] = keep
        version[keep] += 1
        heapq.heappush(heap, (size[keep], keep, version[keep]))
        bands -= 1

    kept = [i for i in range(len(size)) if alive[i]]
    # A band that starts at cell i > 0 starts at the threshold below that cell.
    cuts = tuple(float(thresholds[i - 1]) for i in kept[1:])
    return Bands(
        thresholds=cuts,
        labels=band_labels(cuts),
        counts=tuple(size[i] for i in kept),
        min_size=minimum,
    )


__all__ = ["MISSING_BAND", "BandingPolicy", "Bands", "band_labels", "merge_into_bands"]
