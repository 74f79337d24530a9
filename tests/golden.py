"""Golden runs: the recorded trace values of a set of small runs, compared on any CPU.

Each run's trace is recorded as ``tests/golden/<case>.csv`` (the trace.csv columns, one row per
trace row). ``python tests/golden.py --record`` rewrites them (only when a change of *results*
is intended and explained in the commit); recording is deterministic: the same machine writes
the same bytes.

How a new run is compared with the recorded one, column by column:

* Columns in :data:`EXACT` (round, time, bits, messages, gradients, and the server's active,
  staleness_mean, staleness_max, bits_without_scale, which are counts or means of counts) are
  recorded as their exact decimal text (``netsim.results.format_number``, as in trace.csv) and
  must match that text exactly.  ``time`` is simulated time in seconds; no BLAS call enters it.
* Columns in :data:`ATOL` (the float metrics: err_max, err_rms, err_mean, rel_err, consensus,
  objective_gap, rel_objective_gap, accuracy, ref_drift, est_drift) are recorded to 12
  significant digits (rounding <= 5e-13 relative) and match when
  ``|new - recorded| <= ATOL[column] + RTOL * |recorded|`` with RTOL = 1e-9; the absolute
  floor covers values near 0 (objective_gap is F - F*, a difference of two numbers of size
  |F*|, so its error is absolute, ~1e-14 for |F*| ~ 100).  NaN matches NaN only.
* A column in neither table fails the test: a new trace column needs a stated rule.

Why this tolerance: across the OpenBLAS kernels Haswell, SkylakeX and Sandybridge
(``OPENBLAS_CORETYPE``) these runs differ by at most ~7e-13 relative in the error columns and
~3e-14 absolute in objective_gap; every EXACT column is identical (measured; docs/faults.md
"Determinism").  The tolerance leaves > 1000x headroom and still catches any real change of
results.  The cases use ``stop.rounds`` so that no float decides when a run ends.
"""

from __future__ import annotations

import csv
import io
import math
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN_DIR = pathlib.Path(__file__).with_name("golden")

CASES = {
    "quickstart": ("scenarios/quickstart.toml", {"stop.rounds": 60}),
    "lt-admm-cc ER": ("scenarios/paper/fig_methods_er.toml", {"stop.rounds": 40}),
    "lossy drop": ("scenarios/lossy_links.toml", {"stop.rounds": 40}),
    "stragglers": ("scenarios/stragglers.toml", {"stop.rounds": 40}),
    "qadmm": ("scenarios/paper/qadmm_lasso.toml", {"stop.rounds": 40}),
    "fifo vs fair": ("scenarios/links/fifo_vs_fair.toml", {"stop.rounds": 60}),
    "admm lasso": ("scenarios/admm_lasso.toml", {"stop.rounds": 40}),
}

#: columns compared as exact decimal text
EXACT = frozenset({"round", "time", "bits", "messages", "gradients", "active",
                   "staleness_mean", "staleness_max", "bits_without_scale"})
#: relative tolerance of the float metric columns
RTOL = 1e-9
#: absolute floor per float metric column (the column's own units)
ATOL = {"err_max": 1e-12, "err_rms": 1e-12, "err_mean": 1e-12, "rel_err": 1e-12,
        "consensus": 1e-12, "objective_gap": 1e-10, "rel_objective_gap": 1e-10,
        "accuracy": 1e-12, "ref_drift": 1e-12, "est_drift": 1e-12}
#: significant digits recorded for the float metric columns
DIGITS = 12
#: mismatches listed in a failure message (the count of the rest follows)
SHOWN = 20


def case_file(key: str) -> pathlib.Path:
    """The golden file of run ``key`` (``"<case> [<variant label>]"``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    return GOLDEN_DIR / f"{slug}.csv"


def run_case(name: str) -> dict:
    """Run every variant of CASES[name]; returns ``{key: trace}`` (trace: column -> values)."""
    import netsim

    path, over = CASES[name]
    sc = netsim.load(ROOT / path, over)
    return {f"{name} [{v.label}]": netsim.run(v).trace for v in sc.variants()}


def _text(column: str, value) -> str:
    from netsim.results import format_number

    if column in EXACT:
        return format_number(value)
    v = float(value)
    return repr(v) if not math.isfinite(v) else format(v, f".{DIGITS}g")


def to_csv(trace: dict) -> str:
    """The golden text of one trace (header, then one line per row; ``\\n`` line ends)."""
    cols = list(trace)
    unknown = [c for c in cols if c not in EXACT and c not in ATOL]
    if unknown:
        raise ValueError(f"trace columns {unknown} have no comparison rule: add each to EXACT "
                         f"or ATOL in tests/golden.py")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    w.writerows([_text(c, v) for c, v in zip(cols, row)] for row in zip(*trace.values()))
    return out.getvalue()


def read_golden(path: pathlib.Path) -> dict:
    """A recorded golden file as ``{column: [text, ...]}``."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return {c: [r[i] for r in rows[1:]] for i, c in enumerate(rows[0])}


def _close(column: str, recorded: str, new) -> tuple[bool, float]:
    """Whether ``new`` matches ``recorded`` under the column's tolerance, and the allowance."""
    r, n = float(recorded), float(new)
    allowed = ATOL[column] + RTOL * abs(r) if math.isfinite(r) else 0.0
    if math.isnan(r) or math.isnan(n):
        return math.isnan(r) and math.isnan(n), allowed
    if not (math.isfinite(r) and math.isfinite(n)):
        return r == n, allowed
    return abs(n - r) <= allowed, allowed


def compare(key: str, recorded: dict, trace: dict) -> list[str]:
    """Every difference between a recorded golden trace and a new one, as readable lines.

    Args:
        key: the run's name, quoted in each line.
        recorded: ``{column: [text, ...]}`` as read by :func:`read_golden`.
        trace: the new run's trace (column -> values).

    Returns:
        One line per mismatch (empty when the run matches): case, column, row (and round),
        recorded value, new value and, for float metrics, the difference and its allowance.
    """
    if list(recorded) != list(trace):
        return [f"{key}: columns changed: recorded {list(recorded)}, now {list(trace)}"]
    n_rec, n_new = len(recorded["round"]), len(trace["round"])
    if n_rec != n_new:
        return [f"{key}: {n_new} trace rows, recorded {n_rec}"]
    out = []
    for col, values in trace.items():
        if col not in EXACT and col not in ATOL:
            out.append(f"{key}: column {col!r} has no comparison rule (EXACT or ATOL in "
                       f"tests/golden.py)")
            continue
        for i, (rec, new) in enumerate(zip(recorded[col], values)):
            where = f"{key}: column {col!r} row {i} (round {trace['round'][i]})"
            if col in EXACT:
                text = _text(col, new)
                if text != rec:
                    out.append(f"{where}: recorded {rec}, now {text} (compared exactly)")
                continue
            ok, allowed = _close(col, rec, new)
            if not ok:
                out.append(f"{where}: recorded {rec}, now {float(new)!r} (|diff| "
                           f"{abs(float(new) - float(rec)):.3g} > allowed {allowed:.3g} = "
                           f"{ATOL[col]:g} + {RTOL:g} x |recorded|)")
    return out


def record() -> list[pathlib.Path]:
    """Run every case and rewrite tests/golden/ (stale golden files are removed)."""
    GOLDEN_DIR.mkdir(exist_ok=True)
    written = {}
    for name in CASES:
        for key, trace in run_case(name).items():
            path = case_file(key)
            if path in written:
                raise ValueError(f"runs {written[path]!r} and {key!r} share {path.name}")
            path.write_text(to_csv(trace), encoding="utf-8", newline="")
            written[path] = key
    for stale in set(GOLDEN_DIR.glob("*.csv")) - set(written):
        stale.unlink()
    return sorted(written)


if __name__ == "__main__":
    if "--record" in sys.argv:
        from threadpoolctl import threadpool_info

        files = record()
        blas = sorted({f"{i['internal_api']} {i.get('architecture')}" for i in threadpool_info()
                       if i["user_api"] == "blas"})
        print(f"wrote {len(files)} files in {GOLDEN_DIR} (BLAS: {', '.join(blas)})")
    else:
        print("usage: python tests/golden.py --record", file=sys.stderr)
        sys.exit(2)
