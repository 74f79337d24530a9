"""Named random streams: reproducible, independent, stable when the system grows."""

import numpy as np
import pytest

from netsim.rng import Streams


def test_same_seed_and_path_same_draws():
    """A stream's draws depend only on (seed, path)."""
    a = Streams(7).generator("agent", 3, "sampling").random(5)
    b = Streams(7).generator("agent", 3, "sampling").random(5)
    assert np.array_equal(a, b)


def test_different_paths_and_seeds_differ():
    """Different paths or seeds give different streams."""
    s = Streams(7)
    draws = {tuple(s.generator(*p).random(3)) for p in
             [("agent", 3, "sampling"), ("agent", 4, "sampling"), ("agent", 3, "compressor"),
              ("link", 0, 1), ("link", 1, 0)]}
    assert len(draws) == 5
    assert not np.array_equal(Streams(8).generator("agent", 3).random(3),
                              Streams(7).generator("agent", 3).random(3))


def test_stream_independent_of_creation_order():
    """Creating other streams first (e.g. more agents) does not change a stream."""
    s = Streams(0)
    first = s.generator("agent", 0, "sampling").random(4)
    for i in range(50):
        s.generator("agent", i, "sampling").random(10)
    assert np.array_equal(first, Streams(0).generator("agent", 0, "sampling").random(4))


def test_streams_are_uncorrelated():
    """Neighbouring agent streams are empirically uncorrelated."""
    s = Streams(0)
    a = s.generator("agent", 0).standard_normal(20000)
    b = s.generator("agent", 1).standard_normal(20000)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.03


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_bad_seed_rejected(bad):
    """The root seed must be a non-negative integer."""
    with pytest.raises((ValueError, TypeError)):
        Streams(bad)
