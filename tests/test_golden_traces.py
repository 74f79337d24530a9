"""Performance work must not change results: every golden run's trace.csv is bit-identical to
the one recorded before (tests/golden.py)."""

import json

from golden import GOLDEN, trace_hashes


def test_traces_are_bit_identical_to_the_recorded_ones():
    recorded = json.loads(GOLDEN.read_text())
    now = trace_hashes()
    assert set(now) == set(recorded)
    changed = sorted(k for k in now if now[k] != recorded[k])
    assert not changed, f"results changed for: {changed}"
