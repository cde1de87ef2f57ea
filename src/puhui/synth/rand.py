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


__all__ = ["stream"]
