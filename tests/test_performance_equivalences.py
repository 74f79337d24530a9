"""Faster code paths that must give the same bits as the straightforward ones."""

import numpy as np
import pytest


@pytest.mark.parametrize("m", [1, 2, 3, 7, 50, 1000, 10001, 65537, 2**33])
def test_single_index_sampler_matches_choice(m):
    """rng.integers(0, m) draws exactly what rng.choice(m, 1, replace=False) draws (same
    stream position afterwards), interleaved with other draws."""
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    for k in range(2000):
        assert a.choice(m, size=1, replace=False)[0] == b.integers(0, m)
        if k % 5 == 0:
            assert a.random() == b.random()
        if k % 9 == 0:
            assert np.array_equal(a.choice(m, size=min(m, 3), replace=False),
                                  b.choice(m, size=min(m, 3), replace=False))
