"""Sweeps: the grid of ``[sweep]`` x ``[[variant]]`` x seeds, run on an executor, indexed.

``[sweep]`` maps dotted keys to lists of values (their Cartesian product) and may hold
``seeds = [...]``; every ``[[variant]]`` is crossed with the grid. Each point is a complete
scenario (the base with the variant and the point's values applied, re-validated) whose run
id is derived from its resolved content (:func:`netsim.results.run_id`), so re-running a
sweep skips every point whose folder is complete, whatever executor wrote it. Runs are
written atomically (temporary folder + rename); ``runs.csv`` is rewritten atomically from the
summaries on disk after every run.

Executors (Mesa's batch-runner spirit: a list of independent runs, one function each):
``serial``, ``processes`` (local, default all cores), ``dask`` (a LocalCluster, or an
existing cluster's scheduler address; Dask's worker profiler is switched off, see
:data:`DASK_CONFIG`). Each run's randomness derives from its own seed only, so the results
do not depend on the executor or the number of workers.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
import pathlib
import shutil
import tempfile
from dataclasses import dataclass

from netsim.errors import NetsimError, ScenarioError, must
from netsim.scenario import Scenario, apply_overrides, from_dict

__all__ = ["Point", "expand", "run_sweep", "read_runs", "EXECUTORS", "RUNS_COLUMNS"]

EXECUTORS = ("processes", "serial", "dask")
#: fixed columns of runs.csv (then one per swept key, then final metrics)
RUNS_COLUMNS = ("run_id", "label", "seed", "end", "end_round", "rounds", "time", "bits",
                "messages", "gradients", "target_reached", "target_round", "target_time",
                "target_bits", "target_gradients")


@dataclass(frozen=True)
class Point:
    """One run of a sweep.

    Attributes:
        run_id: folder name (label slug + hash of the resolved scenario).
        label: the variant label ("" without variants).
        values: ``{dotted key: value}`` of the grid point, ``seed`` included.
        scenario: the resolved scenario of this point.
    """

    run_id: str
    label: str
    values: dict
    scenario: Scenario


def expand(scenario: Scenario) -> tuple[list[Point], list[str]]:
    """All points of ``scenario``'s sweep (variants x grid x seeds) and the swept keys."""
    from netsim.results import run_id

    sweep = dict(scenario.data.get("sweep") or {})
    seeds = sweep.pop("seeds", [scenario.data["seed"]])
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise must("sweep.seeds", "a list of integers >= 0", s)
    keys = list(sweep)
    points, seen = [], set()
    for variant in scenario.variants():
        for combo in itertools.product(*(sweep[k] for k in keys)):
            for seed in seeds:
                raw = copy.deepcopy(variant.raw if variant.raw is not None else variant.data)
                raw.pop("sweep", None)
                raw.pop("variant", None)
                values = dict(zip(keys, combo))
                try:
                    apply_overrides(raw, {**values, "seed": seed})
                    sc = from_dict(raw, scenario.source, scenario.base_dir)
                except ScenarioError as e:
                    where = ", ".join(f"{k}={v!r}" for k, v in values.items())
                    raise ScenarioError("sweep", f"point {where} "
                                        f"[{variant.label or 'base'}]: {e}") from None
                sc = Scenario(sc.data, sc.source, sc.base_dir, variant.label, sc.raw)
                rid = run_id(sc)
                if rid in seen:
                    continue                     # the same run twice (e.g. a no-op key)
                seen.add(rid)
                points.append(Point(rid, variant.label, {**values, "seed": seed}, sc))
    return points, keys


def _run_point(payload):
    """Executor task: run one point and write its folder; returns (run_id, error or None).
    Takes plain data (picklable for processes and Dask)."""
    raw, source, base_dir, label, out = payload
    from netsim.simulate import run

    try:
        sc = from_dict(raw, source, base_dir)
        sc = Scenario(sc.data, sc.source, sc.base_dir, label, sc.raw)
        res = run(sc)
        folder = res.write(out)
        return folder.name, None
    except NetsimError as e:
        return None, str(e)


def _preload() -> None:
    """Import what every run needs once in the parent, so that forked worker processes
    inherit it instead of each paying the imports on its first run."""
    import scipy.linalg  # noqa: F401
    import scipy.optimize  # noqa: F401
    import scipy.special  # noqa: F401
    import simpy  # noqa: F401

    import netsim.algorithms.registry  # noqa: F401
    import netsim.network.fair  # noqa: F401
    import netsim.problems  # noqa: F401
    import netsim.results  # noqa: F401
    import netsim.runners.peer  # noqa: F401
    import netsim.runners.server  # noqa: F401
    import netsim.simulate  # noqa: F401


def _finished(root: pathlib.Path, rid: str) -> bool:
    return (root / rid / "summary.json").is_file()


def run_sweep(scenario: Scenario, out_dir, executor: str = "processes",
              workers: int | None = None, scheduler: str | None = None,
              progress: bool = True) -> tuple[pathlib.Path, dict]:
    """Run every unfinished point and write ``runs.csv``.

    Returns:
        (the sweep folder ``out_dir/<name>``, counts {"points", "skipped", "ran", "errors"}).
    """
    from tqdm.auto import tqdm

    if executor not in EXECUTORS:
        raise must("--executor", "one of " + ", ".join(EXECUTORS), executor)
    points, keys = expand(scenario)
    root = pathlib.Path(out_dir) / scenario.name
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScenarioError("output.dir", f"must be a writable folder; got {str(root)!r} "
                                          f"({e.strerror})") from None
    for stale in root.glob(".tmp-*"):            # left by a killed run: never a result
        shutil.rmtree(stale, ignore_errors=True)
    todo = [p for p in points if not _finished(root, p.run_id)]
    counts = {"points": len(points), "skipped": len(points) - len(todo), "ran": 0, "errors": 0}
    errors = {}
    rows = {}                                    # run_id -> runs.csv row, once finished
    payloads = [(p.scenario.raw, p.scenario.source, str(p.scenario.base_dir), p.label,
                 str(pathlib.Path(out_dir))) for p in todo]
    bar = tqdm(total=len(todo), unit="run", desc=f"sweep {scenario.name}",
               disable=not progress or not todo)

    def done(point, result):
        rid, err = result
        if err is not None:
            errors[point.run_id] = err
            counts["errors"] += 1
        else:
            counts["ran"] += 1
        bar.update(1)
        write_index(root, points, keys, errors, rows)

    if todo and executor != "dask":
        _preload()
    try:
        if executor == "serial" or not todo:
            for p, pay in zip(todo, payloads):
                done(p, _run_point(pay))
        elif executor == "processes":
            from concurrent.futures import ProcessPoolExecutor, as_completed
            n = workers or os.cpu_count() or 1
            with ProcessPoolExecutor(n) as ex:
                futs = {ex.submit(_run_point, pay): p for p, pay in zip(todo, payloads)}
                for f in as_completed(futs):
                    done(futs[f], f.result())
        else:
            _run_dask(todo, payloads, workers, scheduler, done)
    finally:
        bar.close()
    write_index(root, points, keys, errors, rows)
    return root, counts


#: Dask worker settings for simulation tasks: the statistical profiler samples the task
#: thread's Python stack every 10 ms, which made netsim runs ~1.5x slower in a worker (deep
#: SimPy stacks, the GIL); measured in docs/performance.md
DASK_CONFIG = {"distributed.worker.profile.enabled": False}


def local_cluster(workers: int):
    """A Dask LocalCluster for sweeps: one single-threaded worker process per CPU asked for,
    no dashboard, :data:`DASK_CONFIG` (passed on to the workers by their nannies)."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(DASK_CONFIG):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=None)


def _run_dask(todo, payloads, workers, scheduler, done):
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise must("--executor", "an installed Dask (pip install -e '.[dask]')",
                   "dask") from None
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = local_cluster(workers or os.cpu_count() or 1)
        client = Client(cluster)
    try:
        client.run(_preload)                 # every worker imports once, in parallel
        futs = client.map(_run_point, payloads, pure=False)
        which = {f.key: p for f, p in zip(futs, todo)}
        for f in as_completed(futs):
            done(which[f.key], f.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- runs.csv
def _row(point: Point, root: pathlib.Path, keys, errors) -> dict:
    row = {"run_id": point.run_id, "label": point.label, "seed": point.values["seed"]}
    row.update({k: point.values[k] for k in keys})
    if point.run_id in errors:
        row["end"] = "error"
        row["error"] = errors[point.run_id]
        return row
    path = root / point.run_id / "summary.json"
    if not path.is_file():
        row["end"] = "pending"
        return row
    s = json.loads(path.read_text(encoding="utf-8"))
    t = s["target"]
    row.update({"end": s["end"], "end_round": s["end_round"], "rounds": s["rounds"],
                "time": s["time"], "bits": s["bits"], "messages": s["messages"],
                "gradients": s["gradients"], "target_reached": t["reached"],
                "target_round": t.get("round"), "target_time": t.get("time"),
                "target_bits": t.get("bits"), "target_gradients": t.get("gradients")})
    row.update({f"final_{k}": v for k, v in s["final"].items()})
    return row


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    text = str(v)
    if any(c in text for c in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def write_index(root: pathlib.Path, points, keys, errors, cache=None) -> pathlib.Path:
    """Write ``root/runs.csv`` (one tidy row per point, in sweep order) atomically.
    ``cache`` (run_id -> row) keeps the rows of finished runs, so rewriting the index after
    every run reads each summary.json once, not once per rewrite."""
    cache = {} if cache is None else cache
    rows = []
    for p in points:
        row = cache.get(p.run_id) or _row(p, root, keys, errors)
        if row["end"] != "pending":
            cache[p.run_id] = row
        rows.append(row)
    cols = list(RUNS_COLUMNS[:3]) + list(keys) + list(RUNS_COLUMNS[3:])
    extra = sorted({k for r in rows for k in r} - set(cols) - {"error"})
    cols += extra + (["error"] if any("error" in r for r in rows) else [])
    fd, tmp = tempfile.mkstemp(prefix=".runs-", suffix=".csv", dir=root)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(_cell(r.get(c)) for c in cols) + "\n")
    os.replace(tmp, root / "runs.csv")
    return root / "runs.csv"


def read_runs(path) -> list[dict]:
    """Rows of a runs.csv as dicts of strings (``csv.DictReader``)."""
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
