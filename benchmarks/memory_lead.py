"""Peak memory of a 2-round LEAD run at N = 10,000 agents (issue 18; target < 700 MB).

Erdos-Renyi with average degree 4 (``p = 4 / (N - 1)``, ``patch = true``), logistic regression
with d = 100 features and 20 samples per agent, LEAD, 2 rounds, no plots: a whole run (build,
loop, summary) in this process, as ``netsim.run`` does it. Prints the peak resident set size
(``ru_maxrss``, MB = 10^6 bytes) and the run's end.

    python benchmarks/memory_lead.py            # N = 10000
    python benchmarks/memory_lead.py --agents 2000
"""

from __future__ import annotations

import argparse
import resource
import time

import netsim
from netsim.scenario import from_dict


def scenario(n: int, rounds: int = 2) -> dict:
    """The measured scenario as a dict (see the module docstring)."""
    return {"name": f"memory_lead_{n}", "seed": 0,
            "network": {"agents": n, "topology": "erdos_renyi", "p": 4.0 / (n - 1),
                        "patch": True},
            "problem": {"kind": "logistic", "samples_per_agent": 20, "features": 100,
                        "regularization": 0.05},
            "algorithm": {"name": "lead"},
            "stop": {"rounds": rounds}, "output": {"plots": False}}


def main() -> None:
    """Run once and print ``peak_rss_mb``, seconds and the run's end."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    t0 = time.perf_counter()
    res = netsim.run(from_dict(scenario(a.agents, a.rounds)))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6   # Linux: KiB
    print(f"agents={a.agents} rounds={res.summary['rounds']} end={res.summary['end']} "
          f"seconds={seconds:.1f} peak_rss_mb={peak:.0f}")


if __name__ == "__main__":
    main()
