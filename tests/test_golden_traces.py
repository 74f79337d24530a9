"""Golden runs hold on any CPU: every golden run's trace matches the values recorded in
tests/golden/ (tests/golden.py).

Comparison rule (tests/golden.py, docs/faults.md "Determinism"): round, time, bits, messages,
gradients and the server's active / staleness_mean / staleness_max / bits_without_scale are
compared exactly, as their decimal text; the float metrics (err_max, err_rms, err_mean,
rel_err, consensus, objective_gap, rel_objective_gap, accuracy, ref_drift, est_drift) match
when ``|new - recorded| <= atol[column] + 1e-9 * |recorded|``, with atol 1e-10 for
objective_gap and rel_objective_gap and 1e-12 for the others. Across OpenBLAS kernels
(Haswell, SkylakeX, Sandybridge) these runs differ by at most ~7e-13 relative and ~3e-14
absolute, so the same test passes on every machine; CI runs it under two kernels.
"""

import math

import numpy as np
import pytest
from golden import (
    ATOL,
    CASES,
    EXACT,
    GOLDEN_DIR,
    ROOT,
    case_file,
    compare,
    read_golden,
    run_case,
    to_csv,
)

import netsim


@pytest.mark.parametrize("name", list(CASES))
def test_runs_match_the_recorded_values(name):
    runs = run_case(name)
    problems = []
    for key, trace in runs.items():
        path = case_file(key)
        if not path.is_file():
            problems.append(f"{key}: no golden file {path.name} (python tests/golden.py "
                            f"--record)")
            continue
        problems += compare(key, read_golden(path), trace)
    more = len(problems) - 20
    assert not problems, "results changed:\n" + "\n".join(problems[:20]) + (
        f"\n... and {more} more" if more > 0 else "")


def test_every_golden_file_belongs_to_a_case():
    """No stale golden files: each one is a run of CASES (names are checked, nothing is run)."""
    expected = {case_file(f"{name} [{v.label}]")
                for name, (path, over) in CASES.items()
                for v in netsim.load(ROOT / path, over).variants()}
    assert sorted(GOLDEN_DIR.glob("*.csv")) == sorted(expected)


def _trace():
    return {"round": np.array([0, 1, 2]), "time": np.array([0.0, 0.30000000000000004, 0.6]),
            "bits": np.array([0, 640, 1280]), "rel_err": np.array([1.0, 0.5, 1e-14]),
            "objective_gap": np.array([3.0, 0.25, np.nan])}


def _recorded(trace):
    lines = to_csv(trace).splitlines()
    cols = lines[0].split(",")
    rows = [ln.split(",") for ln in lines[1:]]
    return {c: [r[i] for r in rows] for i, c in enumerate(cols)}


def test_comparison_is_exact_for_counts_and_time_and_tolerant_for_metrics():
    """The comparison itself: a last-bit change of time or a bit count fails; float metrics
    pass within atol + rtol * |recorded| and fail beyond; NaN matches only NaN; the message
    names case, column, row, recorded and new value."""
    rec = _recorded(_trace())
    assert compare("c", rec, _trace()) == []

    t = _trace()
    t["time"][1] = 0.3                              # one ulp from the recorded time
    t["bits"][2] += 1
    t["rel_err"][1] *= 1 + 1e-11                    # well within rtol 1e-9
    t["rel_err"][2] += 0.5 * ATOL["rel_err"]        # near 0: within the absolute floor
    assert compare("c", rec, t) == [
        ("c: column 'time' row 1 (round 1): recorded 0.30000000000000004, now 0.3 "
         "(compared exactly)"),
        "c: column 'bits' row 2 (round 2): recorded 1280, now 1281 (compared exactly)"]

    t = _trace()
    t["rel_err"][1] *= 1 + 1e-8
    t["rel_err"][2] += 3 * ATOL["rel_err"]
    t["objective_gap"][2] = 0.0
    bad = compare("c", rec, t)
    assert [b.split(":")[1] for b in bad] == [" column 'rel_err' row 1 (round 1)",
                                              " column 'rel_err' row 2 (round 2)",
                                              " column 'objective_gap' row 2 (round 2)"]
    assert "recorded 0.5, now 0.500000005" in bad[0] and "recorded nan, now 0.0" in bad[2]

    t = _trace()
    t["extra"] = t["bits"]
    assert compare("c", rec, t)[0].startswith("c: columns changed")
    with pytest.raises(ValueError, match="extra"):
        to_csv(t)


def test_every_golden_column_has_a_rule():
    """Each recorded column is either exact or has a stated absolute floor."""
    cols = {c for f in GOLDEN_DIR.glob("*.csv") for c in read_golden(f)}
    assert cols and cols <= EXACT | set(ATOL)
    assert all(0 < a < 1e-9 and math.isfinite(a) for a in ATOL.values())
