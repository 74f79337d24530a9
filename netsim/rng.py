"""Named, reproducible random streams from one root seed.

A stream is addressed by a path of names and integers, e.g. ``("agent", 3, "sampling")`` or
``("link", 0, 1)``. The path is hashed (stably, not with Python's salted ``hash``) into a
``SeedSequence`` spawn key under the root seed, so

* streams are statistically independent of each other,
* a stream's draws depend only on (root seed, path): adding an agent, a link or a new kind of
  stream never changes the draws of an existing one, whatever the event interleaving.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams", "stream_key"]


def stream_key(path: tuple) -> tuple[int, ...]:
    """Map a path of names / non-negative ints to a SeedSequence spawn key.

    Strings map to their CRC-32 (stable across runs and ``PYTHONHASHSEED``); ints map to
    themselves, offset so that an int never collides with a string's code.
    """
    key = []
    for part in path:
        if isinstance(part, (bool, np.bool_)):
            raise TypeError(f"stream path parts must be str or int; got {part!r}")
        if isinstance(part, (int, np.integer)):
            if part < 0:
                raise ValueError(f"stream path ints must be >= 0; got {part!r}")
            key.append(int(part) + (1 << 32))
        elif isinstance(part, str):
            key.append(zlib.crc32(part.encode("utf-8")))
        else:
            raise TypeError(f"stream path parts must be str or int; got {part!r}")
    return tuple(key)


class Streams:
    """Factory of independent ``numpy.random.Generator`` streams under one root seed.

    Example:
        >>> s = Streams(0)
        >>> a = s.generator("agent", 3, "sampling").random()
        >>> a == Streams(0).generator("agent", 3, "sampling").random()
        True
    """

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
        self.seed = int(seed)

    def seed_sequence(self, *path) -> np.random.SeedSequence:
        """The SeedSequence of the stream named by ``path``."""
        return np.random.SeedSequence(entropy=self.seed, spawn_key=stream_key(path))

    def generator(self, *path) -> np.random.Generator:
        """A fresh Generator (PCG64) for the stream named by ``path``."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(*path)))
