"""Every study of docs/studies/ in one command.

Runs the sweeps (skipping finished runs) and draws the figures into docs/results/studies/.

    python analysis/studies.py                      # results in results/, all cores
    python analysis/studies.py --only bandwidth     # one study
    python analysis/studies.py --executor dask      # on a Dask LocalCluster

Each figure is exactly what the `netsim plot` / `analysis/study_topology.py` command shown on
its page produces.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import netsim  # noqa: E402
from netsim.plots import plot_command  # noqa: E402
from netsim.sweeps import run_sweep  # noqa: E402

FIG = ROOT / "docs" / "results" / "studies"

#: study -> [(scenario file, [(plot kwargs, figure name)])]
STUDIES = {
    "topology": [("topology/topology_study.toml", "topology")],
    "stragglers": [
        ("stragglers/straggler_fraction.toml",
         [({"sensitivity": "compute.stragglers.slowdown", "y": "target_time"},
           "straggler_fraction.png")]),
        ("stragglers/async_p_tau.toml",
         [({"sensitivity": "algorithm.P", "y": "target_time"}, "async_p_tau_time.png"),
          ({"sensitivity": "algorithm.P", "y": "target_round"}, "async_p_tau_rounds.png")]),
        ("stragglers/heavy_tail.toml",
         [({"sensitivity": "compute.noise.shape", "y": "target_time"}, "heavy_tail.png")]),
    ],
    "bandwidth": [
        ("bandwidth/crossover.toml",
         [({"sensitivity": "network.links.bandwidth", "y": "target_time"},
           "bandwidth_crossover.png"),
          ({"pareto": True}, "bandwidth_pareto.png")]),
    ],
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results", help="where the sweeps write their runs")
    ap.add_argument("--only", choices=list(STUDIES), default=None)
    ap.add_argument("--executor", default="processes", choices=["processes", "serial", "dask"])
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args(argv)
    FIG.mkdir(parents=True, exist_ok=True)
    for study, items in STUDIES.items():
        if a.only and study != a.only:
            continue
        for path, figures in items:
            sc = netsim.load(ROOT / "scenarios" / path)
            root, counts = run_sweep(sc, a.out, executor=a.executor, workers=a.workers)
            print(f"{sc.name}: {counts}")
            if figures == "topology":
                import study_topology
                study_topology.main([str(root), "--out", str(FIG / "topology.png")])
                continue
            for kwargs, name in figures:
                print("wrote", plot_command([str(root / "runs.csv")], out=FIG / name, **kwargs))


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    main()
