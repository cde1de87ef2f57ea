"""Named, independent random streams: every part of the city draws from its own stream of one seed.

A stream is keyed by the seed and a path of names (``("persons", "names")``), so adding a new data set or a new
column never shifts the numbers any other part draws: a city is byte-for-byte stable for a seed and a version.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, *names: str) -> np.random.Generator:
    """The generator for one named part of the city."""
    words = [int.from_bytes(hashlib.sha256("/".join(names).encode()).digest()[:16], "little")]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *words])))


def weighted_sample(
    rng: np.random.Generator, candidates: np.ndarray, count: int, weight: np.ndarray | None = None
) -> np.ndarray:
    """``count`` distinct candidates (all when there are fewer), with probability ∝ ``weight``, sorted.

    Efraimidis–Spirakis: each candidate draws ``u ** (1 / w)`` and the largest keys win — one pass over the
    candidates, where NumPy's weighted sampling without replacement slows down with every pick.
    """
    count = min(int(count), len(candidates))
    if count <= 0:
        return np.asarray(candidates[:0])
    if weight is None:
        return np.sort(rng.choice(candidates, count, replace=False))
    keys = np.log(rng.random(len(candidates))) / np.maximum(np.asarray(weight, dtype=float), 1e-300)
    top = np.argpartition(-keys, count - 1)[:count]
    return np.sort(np.asarray(candidates)[top])


__all__ = ["stream", "weighted_sample"]
