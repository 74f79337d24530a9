"""Golden traces: the SHA-256 of trace.csv for a set of small runs, recorded before any
performance work. ``python tests/golden.py --record`` rewrites tests/golden_traces.json (only
when a change of *results* is intended and explained in the commit)."""

import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = pathlib.Path(__file__).with_name("golden_traces.json")

CASES = {
    "quickstart": ("scenarios/quickstart.toml", {"stop.rounds": 60}),
    "lt-admm-cc ER": ("scenarios/paper/fig_methods_er.toml", {"stop.rounds": 40}),
    "lossy drop": ("scenarios/lossy_links.toml", {"stop.rounds": 40}),
    "stragglers": ("scenarios/stragglers.toml", {"stop.rounds": 40}),
    "qadmm": ("scenarios/paper/qadmm_lasso.toml", {"stop.rounds": 40}),
    "fifo vs fair": ("scenarios/links/fifo_vs_fair.toml", {"stop.rounds": 60}),
    "admm lasso": ("scenarios/admm_lasso.toml", {"stop.rounds": 40}),
}


def trace_hashes() -> dict:
    import netsim
    from netsim.results import format_number

    out = {}
    for name, (path, over) in CASES.items():
        sc = netsim.load(ROOT / path, over)
        for v in sc.variants():
            res = netsim.run(v)
            cols = list(res.trace)
            text = ",".join(cols) + "\n" + "".join(
                ",".join(format_number(x) for x in row) + "\n"
                for row in zip(*(res.trace[c] for c in cols)))
            out[f"{name} [{v.label}]"] = hashlib.sha256(text.encode()).hexdigest()
    return out


if __name__ == "__main__":
    if "--record" in sys.argv:
        GOLDEN.write_text(json.dumps(trace_hashes(), indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN}")
