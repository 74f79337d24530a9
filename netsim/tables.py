"""Results as tidy tables, for notebooks.

Run a sweep and get its rows, read a run or a sweep folder back, convert to pandas (Mesa's
``batch_run`` / ``DataCollector`` style: plain lists of dicts and dicts of columns, pandas only when
asked).

    rows = netsim.sweep("scenarios/bandwidth/crossover.toml", out_dir="results")
    df = netsim.to_pandas(rows)                 # one row per run
    res = netsim.read("results/crossover/<run-id>")   # a Result: trace, summary, ...
    res.to_pandas()                             # its trace, one row per record
"""

from __future__ import annotations

import json
import pathlib

import numpy as np

from netsim.frames import to_pandas

__all__ = ["sweep", "read", "to_pandas"]


def sweep(scenario, out_dir=None, *, executor: str = "serial", workers: int | None = None,
          progress: bool = False, **overrides) -> list[dict]:
    """Run a scenario's ``[sweep]`` and return one tidy row per run.

    Every point, variant and seed; finished runs are reused. Rows hold what ``runs.csv`` holds (run
    id, label, seed, the swept keys, how it ended, time / bits / gradients to target, final
    metrics), typed.

    Args:
        scenario: a :class:`~netsim.scenario.Scenario` or a path to a TOML file.
        out_dir: results folder (default: the scenario's ``output.dir``).
        executor: ``serial`` (default here), ``processes`` or ``dask``.
        workers: parallel runs for ``processes`` / ``dask``.
        progress: show a progress bar.
        **overrides: dotted keys, as for :func:`netsim.run`.

    Raises:
        ScenarioError: a bad scenario; NetsimError: results could not be written.
    """
    from netsim.simulate import scenario_with
    from netsim.sweeps import read_runs, run_sweep

    sc = scenario_with(scenario, overrides)
    root, _ = run_sweep(sc, out_dir if out_dir is not None else sc.data["output"]["dir"],
                        executor=executor, workers=workers, progress=progress)
    return read_runs(root / "runs.csv")


def read(path):
    """Read results back from a run folder, a sweep folder or a ``runs.csv``.

    A run folder gives a :class:`~netsim.simulate.Result` (scenario, trace as numpy columns,
    summary, links, messages and updates when written); a sweep folder or a ``runs.csv`` gives its
    rows (list of dicts, typed as written).

    Raises:
        ScenarioError: ``path`` is not a complete run folder, sweep folder or runs.csv.
    """
    from netsim.errors import must
    from netsim.results import is_complete
    from netsim.sweeps import read_runs

    p = pathlib.Path(path)
    if p.is_dir() and (p / "runs.csv").is_file():
        p = p / "runs.csv"
    if p.name == "runs.csv" and p.is_file():
        return read_runs(p)
    if not is_complete(p):
        raise must("path", "a complete run folder, a sweep folder or a runs.csv", str(path))
    return _read_run(p)


def _read_run(folder: pathlib.Path):
    import csv

    import tomllib

    from netsim.results import decode_cell
    from netsim.scenario import from_dict
    from netsim.simulate import Result

    def table(name):
        f = folder / name
        if not f.is_file():
            return None
        with open(f, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        return rows[0], [[decode_cell(c) for c in r] for r in rows[1:]]

    data = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    head, rows = table("trace.csv")
    trace = {c: np.array([r[k] for r in rows],
                         dtype=float if any(isinstance(r[k], float) for r in rows) else None)
             for k, c in enumerate(head)}
    try:
        sc = from_dict(data, base_dir=folder)
    except Exception:                           # noqa: BLE001 - a file it read may be gone
        sc = None
    links = table("links.csv")
    messages = table("messages.csv")
    updates = table("updates.csv")
    res = Result(sc, trace, summary, None,
                 [tuple(r) for r in messages[1]] if messages else None,
                 [tuple(r) for r in links[1]] if links else [],
                 [tuple(r) for r in updates[1]] if updates else None)
    if updates:                                 # server or asynchronous peer columns
        res.update_columns = tuple(updates[0])
    return res
