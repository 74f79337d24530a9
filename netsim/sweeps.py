"""Sweeps: the grid of ``[sweep]`` x ``[[variant]]`` x seeds, run on an executor, indexed.

``[sweep]`` maps dotted keys to lists of values (their Cartesian product) and may hold
``seeds = [...]`` (``seed = [...]`` is refused with a pointer to ``seeds``, by the scenario
checks); every
``[[variant]]`` is crossed with the grid. Each point is a complete scenario (the base with the
variant and the point's values applied, re-validated) whose run id covers its resolved
content and the content of every file it reads (:func:`netsim.results.run_id`), so re-running
a sweep skips every point whose folder is complete, whatever executor wrote it, and never
reuses a run whose input files changed.

A sweep is a small database of runs that must survive interruption and concurrency:

- Points are expanded lazily (:func:`iter_points`): a 10^6-point grid starts at once, shows
  its progress bar immediately and keeps O(1) scenarios in memory (only the rows of finished
  runs and the set of seen run ids grow with the number of points).
- A point that raises (invalid values, an unreadable file, any exception of the run) is
  recorded in ``runs.csv`` as ``end = error`` with its one-line message; the others run.
  The command then exits 1. A full disk stops the sweep with one line (finished runs kept).
- ``runs.csv`` lists, in sweep order, every finished (or failed) point of this sweep; it is
  rewritten atomically (a temporary file renamed over it) at most about once a second and
  at the end, also after Ctrl-C. Points not reached yet are not listed.
- Ctrl-C (SIGINT) or SIGTERM stops the sweep within seconds: pending points are dropped,
  running workers are killed (their temporary folders are removed on the next run),
  ``runs.csv`` lists what finished, and running the same command again resumes. Worker
  processes ignore SIGINT (the parent stops them) and die with the parent (Linux
  ``PR_SET_PDEATHSIG``; Dask workers watch their parent themselves).
- Two sweeps of the same scenario on one folder both finish correctly: run folders are
  renamed into place under a lock and the last writer of a run id wins (the results are
  identical). A sweep of a *different* scenario with the same ``name`` in the same folder
  while another is running is refused with one line (each sweep holds a shared
  ``fcntl.flock`` on ``.sweep-<hash>.lock``, where the hash covers the scenario and the
  grid). Run one after the other, the second rewrites ``runs.csv`` to list its own points;
  the first one's run folders stay on disk.
- A run folder counts as finished only when its ``summary.json`` parses
  (:func:`netsim.results.is_complete`): a damaged or truncated one is run again. Temporary
  folders (``.tmp-*``) are never results and those of dead writers are removed when a
  sweep starts.

Executors (Mesa's batch-runner spirit: a list of independent runs, one function each):
``serial``, ``processes`` (local, default all cores), ``dask`` (a LocalCluster, or an
existing cluster's scheduler address; Dask's worker profiler is switched off, see
:data:`DASK_CONFIG`). Each run's randomness derives from its own seed only, so the results
do not depend on the executor or the number of workers.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import fcntl
import hashlib
import itertools
import json
import math
import os
import pathlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from netsim.errors import NetsimError, ScenarioError, must
from netsim.scenario import Scenario, apply_overrides, dump_toml, from_dict

__all__ = ["Point", "expand", "iter_points", "count_points", "run_sweep", "read_runs",
           "write_index", "EXECUTORS", "RUNS_COLUMNS", "SweepInterrupted"]

EXECUTORS = ("processes", "serial", "dask")
#: fixed columns of runs.csv (then one per swept key, then final metrics)
RUNS_COLUMNS = ("run_id", "label", "seed", "end", "end_round", "rounds", "time", "bits",
                "messages", "gradients", "target_reached", "target_round", "target_time",
                "target_bits", "target_gradients")
#: runs.csv columns that are always text, written and read as they are ("" for no label)
TEXT_COLUMNS = ("run_id", "label", "end", "error", "warnings")
#: seconds between two rewrites of runs.csv while a sweep runs (it is also written at the end)
INDEX_EVERY = 1.0


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C / SIGTERM stopped a sweep; ``runs.csv`` was written.

    Attributes: ``root`` (the sweep folder) and ``counts`` (as returned by :func:`run_sweep`).
    """

    def __init__(self, root, counts):
        super().__init__("interrupted")
        self.root, self.counts = root, counts


@dataclass(frozen=True)
class Point:
    """One run of a sweep.

    Attributes:
        run_id: folder name (label slug + hash of the resolved scenario and its input files).
        label: the variant label ("" without variants).
        values: ``{dotted key: value}`` of the grid point, ``seed`` included.
        scenario: the resolved scenario of this point (None if it is invalid).
        index: position in sweep order (variants, then grid, then seeds).
        error: the one-line error of an invalid point, else None.
    """

    run_id: str
    label: str
    values: dict
    scenario: Scenario | None
    index: int = 0
    error: str | None = None


def _grid(scenario: Scenario):
    """(keys, seeds, variants) of ``scenario``'s sweep, checked."""
    sweep = dict(scenario.data.get("sweep") or {})
    seeds = sweep.pop("seeds", [scenario.data["seed"]])
    if not isinstance(seeds, list) or not seeds:
        raise must("sweep.seeds", "a non-empty list of integers >= 0", seeds)
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise must("sweep.seeds", "a list of integers >= 0", s)
    return list(sweep), sweep, seeds, scenario.variants()


def count_points(scenario: Scenario) -> int:
    """Number of points of the sweep (variants x grid x seeds), without expanding it
    (points that resolve to the same run are counted each time).
    """
    keys, sweep, seeds, variants = _grid(scenario)
    return len(variants) * math.prod(len(sweep[k]) for k in keys) * len(seeds)


def iter_points(scenario: Scenario, strict: bool = True,
                cache: dict | None = None) -> Iterator[Point]:
    """The points of ``scenario``'s sweep, one at a time, in sweep order, each run id once.

    Args:
        scenario: the scenario holding ``[sweep]`` / ``[[variant]]``.
        strict: raise on an invalid point (else yield it with ``error`` set and
            ``scenario`` None).
        cache: file-digest cache for :func:`netsim.results.run_id`.

    Raises:
        ScenarioError: the sweep itself is malformed; with ``strict``, an invalid point
            (naming its values).
    """
    from netsim.results import run_id

    keys, sweep, seeds, variants = _grid(scenario)
    cache = {} if cache is None else cache
    seen = set()
    index = 0
    for variant in variants:
        base = variant.raw if variant.raw is not None else variant.data
        for combo in itertools.product(*(sweep[k] for k in keys)):
            for seed in seeds:
                raw = copy.deepcopy(base)
                raw.pop("sweep", None)
                raw.pop("variant", None)
                values = dict(zip(keys, combo))
                try:
                    apply_overrides(raw, {**values, "seed": seed})
                    sc = from_dict(raw, scenario.source, scenario.base_dir)
                except ScenarioError as e:
                    where = ", ".join(f"{k}={v!r}" for k, v in values.items())
                    err = ScenarioError("sweep", f"point {where} "
                                        f"[{variant.label or 'base'}]: {e}")
                    if strict:
                        raise err from None
                    tag = hashlib.sha256(f"{variant.label}|{where}|{seed}".encode())
                    rid = f"invalid-{tag.hexdigest()[:10]}"
                    if rid not in seen:
                        seen.add(rid)
                        yield Point(rid, variant.label, {**values, "seed": seed}, None,
                                    index, str(err))
                        index += 1
                    continue
                sc = Scenario(sc.data, sc.source, sc.base_dir, variant.label, sc.raw)
                rid = run_id(sc, cache)
                if rid in seen:
                    continue                     # the same run twice (e.g. a no-op key)
                seen.add(rid)
                yield Point(rid, variant.label, {**values, "seed": seed}, sc, index)
                index += 1


def expand(scenario: Scenario) -> tuple[list[Point], list[str]]:
    """All points of ``scenario``'s sweep (variants x grid x seeds) and the swept keys
    (a list: for small sweeps and tests; :func:`run_sweep` iterates lazily).

    Raises:
        ScenarioError: the sweep is malformed or a point is invalid (naming it).
    """
    keys = _grid(scenario)[0]
    return list(iter_points(scenario)), keys


# --------------------------------------------------------------------------- workers
def _run_point(payload):
    """Executor task: run one point and write its folder.

    Takes plain data (picklable for processes and Dask). Returns ``("ok", run_id)``,
    ``("error", one-line message)`` for a point that raised, or ``("fatal", message)`` when
    the results cannot be written (a full disk), which stops the sweep.
    """
    raw, source, base_dir, label, out, rid = payload
    from netsim.results import ResultsError, inputs_read, run_id, write_result
    from netsim.simulate import run

    try:
        sc = from_dict(raw, source, base_dir)
        sc = Scenario(sc.data, sc.source, sc.base_dir, label, sc.raw)
        res = run(sc)
        now = run_id(sc)                # the files as read: never results under a stale id
        if now != rid:
            why = ("an input file changed while the sweep ran; run the sweep again"
                   if inputs_read(sc) else "")
            return "error", (f"the run id is {now} where the sweep expected {rid}: "
                             + (why or "the workers run another netsim version than the "
                                "sweep (same version everywhere, please)"))
        folder = write_result(res, out, rid=rid)
        return "ok", folder.name
    except ResultsError as e:
        return "fatal", str(e)
    except NetsimError as e:
        return "error", str(e).replace("\n", " ")
    except Exception as e:                      # noqa: BLE001 - one bad point must not abort
        text = f"{type(e).__name__}: {e}".replace("\n", " ")
        return "error", text[:500]


def _worker_init() -> None:
    """Process-pool worker set-up: Ctrl-C is the parent's business (it stops the workers),
    and a worker dies with its parent (Linux ``PR_SET_PDEATHSIG``).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's handler (forked)
    with contextlib.suppress(Exception):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)           # PR_SET_PDEATHSIG = 1
        if os.getppid() == 1:                   # the parent died before prctl
            os._exit(1)


def _preload() -> None:
    """Import what every run needs once in the parent, so that forked worker processes
    inherit it instead of each paying the imports on its first run.
    """
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


# --------------------------------------------------------------------------- sweep lock
def _fingerprint(scenario: Scenario) -> str:
    data = {k: v for k, v in scenario.data.items() if k != "output"}
    return hashlib.sha256(dump_toml(data).encode()).hexdigest()[:12]


@contextlib.contextmanager
def _sweep_lock(root: pathlib.Path, scenario: Scenario):
    """Hold a shared flock on ``root/.sweep-<fingerprint>.lock`` for the sweep; refuse if a
    live sweep of a different scenario holds another one (checked under the folder lock).
    """
    from netsim.results import folder_lock

    mine = root / f".sweep-{_fingerprint(scenario)}.lock"
    with folder_lock(root):
        for other in root.glob(".sweep-*.lock"):
            if other == mine:
                continue
            fd = os.open(other, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ScenarioError("name", f"must differ from a sweep of another scenario "
                                    f"that is running in {str(root)!r} now; wait for it to "
                                    f"finish or change name; got {scenario.name!r}") from None
            finally:
                os.close(fd)
            with contextlib.suppress(OSError):
                other.unlink()                   # a finished sweep's lock file
        fd = os.open(mine, os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        yield
    finally:
        with contextlib.suppress(OSError), folder_lock(root):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                mine.unlink()                    # the last sweep of this scenario leaves
            except BlockingIOError:
                pass                             # another sweep of it still runs
        os.close(fd)


# --------------------------------------------------------------------------- run_sweep
class _Stop(Exception):
    """Internal: a fatal point (full disk) stops the sweep."""


def run_sweep(scenario: Scenario, out_dir, executor: str = "processes",
              workers: int | None = None, scheduler: str | None = None,
              progress: bool = True) -> tuple[pathlib.Path, dict]:
    """Run every unfinished point and write ``runs.csv``.

    Returns:
        (the sweep folder ``out_dir/<name>``, counts {"points", "skipped", "ran", "errors"}).

    Raises:
        ScenarioError: bad executor, malformed sweep, unwritable folder, another scenario's
            sweep running on the same folder.
        ResultsError: the results cannot be written (full disk); finished runs are kept.
        SweepInterrupted: Ctrl-C or SIGTERM; ``runs.csv`` lists what finished.
    """
    from tqdm.auto import tqdm

    from netsim.results import ResultsError, clean_stale_tmp, is_complete, migrate_v1

    if executor not in EXECUTORS:
        raise must("--executor", "one of " + ", ".join(EXECUTORS), executor)
    keys = _grid(scenario)[0]
    total = count_points(scenario)
    root = pathlib.Path(out_dir) / scenario.name
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScenarioError("output.dir", f"must be a writable folder; got {str(root)!r} "
                                          f"({e.strerror})") from None
    counts = {"points": 0, "skipped": 0, "ran": 0, "errors": 0}
    index = _Index(root, keys)
    out = str(pathlib.Path(out_dir))
    n_workers = min(workers or os.cpu_count() or 1, max(1, total))   # no idle workers

    with _sweep_lock(root, scenario), _sigterm_as_interrupt():
        clean_stale_tmp(root)                    # left by killed runs: never results
        bar = tqdm(total=total, unit="run", desc=f"sweep {scenario.name}",
                   disable=not progress, mininterval=0.5)
        bar.refresh()                            # shown at once, before the first point

        def todo():
            for p in iter_points(scenario, strict=False):
                counts["points"] += 1
                if p.error is not None:
                    done(p, ("error", p.error))
                elif is_complete(root / p.run_id) or migrate_v1(root, p.scenario, p.run_id):
                    counts["skipped"] += 1
                    index.add(p, None)
                    bar.update(1)
                    index.maybe_write()
                else:
                    inflight[p.index] = p
                    yield p, (p.scenario.raw, p.scenario.source, str(p.scenario.base_dir),
                              p.label, out, p.run_id)

        fatal = []
        inflight = {}                            # index -> point handed to the executor

        def done(point, result):
            # the point leaves `inflight` only once it is in the index: a Ctrl-C landing in
            # between must not lose a finished run (the interrupt handler looks at both)
            status, text = result
            if status == "fatal":
                inflight.pop(point.index, None)
                fatal.append(text)
                raise _Stop
            if status == "error":
                counts["errors"] += 1
                index.add(point, text)
            else:
                counts["ran"] += 1
                index.add(point, None)
            inflight.pop(point.index, None)
            bar.update(1)
            index.maybe_write()

        try:
            try:
                if executor == "serial":
                    for p, pay in todo():
                        done(p, _run_point(pay))
                elif executor == "processes":
                    _run_processes(todo(), n_workers, done)
                else:
                    _run_dask(todo(), n_workers, scheduler, done)
            except _Stop:
                pass
            except KeyboardInterrupt:
                bar.close()
                for p in list(inflight.values()):   # landed while the workers were stopped
                    if p.index not in index.rows and is_complete(root / p.run_id):
                        counts["ran"] += 1
                        index.add(p, None)
                index.write()
                raise SweepInterrupted(root, counts) from None
            finally:
                bar.close()
            index.write()
        except ResultsError as e:
            raise ResultsError(f"{e} (runs.csv not updated)") from None
        if fatal:
            raise ResultsError(fatal[0])
    _outcomes(index.rows.values(), counts)
    return root, counts


def _outcomes(rows, counts) -> None:
    """``counts["ends"]``: how the listed runs ended (target, rounds, time, bits, diverged,
    stalled, error), and ``counts["warnings"]``: each distinct stability warning with the
    number of runs that gave it.
    """
    ends, warns = collections.Counter(), collections.Counter()
    for r in rows:
        ends[r.get("end") or "error"] += 1
        for w in filter(None, (r.get("warnings") or "").split(" | ")):
            warns[w] += 1
    counts["ends"], counts["warnings"] = dict(ends), dict(warns)


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """In the main thread, SIGTERM stops a sweep like Ctrl-C (runs.csv is written)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _run_processes(todo, workers, done):
    """Local process pool, at most 2 x workers points in flight (lazy expansion)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    n = workers or os.cpu_count() or 1
    _preload()
    ex = ProcessPoolExecutor(n, initializer=_worker_init)
    flight = {}
    try:
        it = iter(todo)
        exhausted = False
        while True:
            while not exhausted and len(flight) < 2 * n:
                nxt = next(it, None)
                if nxt is None:
                    exhausted = True
                else:
                    flight[ex.submit(_run_point, nxt[1])] = nxt[0]
            if not flight:
                break
            finished, _ = wait(flight, return_when=FIRST_COMPLETED)
            for f in finished:
                done(flight.pop(f), f.result())
    except BaseException:
        procs = list((getattr(ex, "_processes", None) or {}).values())
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.kill()                      # stop at once: temp folders are cleaned
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(2)                     # dead: no run lands after this
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown(wait=True)


#: Dask worker settings for simulation tasks: the statistical profiler samples the task
#: thread's Python stack every 10 ms, which made netsim runs ~1.5x slower in a worker (deep
#: SimPy stacks, the GIL); measured in docs/performance.md
DASK_CONFIG = {"distributed.worker.profile.enabled": False}


def local_cluster(workers: int):
    """A Dask LocalCluster for sweeps: one single-threaded worker process per CPU asked for,
    no dashboard, :data:`DASK_CONFIG` (passed on to the workers by their nannies).
    """
    import dask
    from dask.distributed import LocalCluster
    main = threading.current_thread() is threading.main_thread()
    # worker processes start with SIGINT ignored (inherited through exec): a Ctrl-C on the
    # terminal reaches the whole process group, and stopping the workers is the parent's job.
    # Known limit: a Ctrl-C in the ~1 s while the cluster starts is lost (blocking it instead
    # made the workers print tracebacks; see the stop-11 note)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with dask.config.set(DASK_CONFIG):
            return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                dashboard_address=None)
    finally:
        if main:
            signal.signal(signal.SIGINT, old)


def _run_dask(todo, workers, scheduler, done):
    """Dask: a LocalCluster or an existing scheduler; a bounded number of points in flight."""
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
    which = {}
    try:
        client.run(_preload)                 # every worker imports once, in parallel
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})) or 1)
        it = iter(todo)
        ac = as_completed()

        def submit():
            nxt = next(it, None)
            if nxt is None:
                return False
            f = client.submit(_run_point, nxt[1], pure=False)
            which[f.key] = (nxt[0], f)
            ac.add(f)
            return True
        for _ in range(window):
            if not submit():
                break
        for f in ac:
            point, _ = which.pop(f.key)
            done(point, f.result())
            submit()
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel([f for _, f in which.values()], force=True)
        raise
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)


# --------------------------------------------------------------------------- runs.csv
class _Index:
    """The rows of runs.csv (finished or failed points, by sweep index), written at most
    every :data:`INDEX_EVERY` s (longer if writing takes long) and at the end.
    """

    def __init__(self, root: pathlib.Path, keys):
        self.root, self.keys = root, list(keys)
        self.rows = {}
        self.last = time.monotonic()
        self.cost = 0.0

    def add(self, point: Point, error: str | None) -> None:
        self.rows[point.index] = _row(point, self.root, self.keys, error)

    def maybe_write(self) -> None:
        if time.monotonic() - self.last >= max(INDEX_EVERY, 20 * self.cost):
            self.write()

    def write(self) -> None:
        t = time.monotonic()
        write_index(self.root, [self.rows[i] for i in sorted(self.rows)], self.keys)
        self.last = time.monotonic()
        self.cost = self.last - t


def _row(point: Point, root: pathlib.Path, keys, error: str | None) -> dict:
    row = {"run_id": point.run_id, "label": point.label, "seed": point.values["seed"]}
    row.update({k: point.values[k] for k in keys})
    if error is not None:
        row["end"] = "error"
        row["error"] = error
        return row
    from netsim.results import folder_lock
    path = root / point.run_id / "summary.json"
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):                # being replaced by a `netsim run` writer
        with folder_lock(root):
            s = json.loads(path.read_text(encoding="utf-8"))
    t = s.get("target") or {}
    row.update({"end": s["end"], "end_round": s.get("end_round"), "rounds": s.get("rounds"),
                "time": s.get("time"), "bits": s.get("bits"), "messages": s.get("messages"),
                "gradients": s.get("gradients"), "target_reached": t.get("reached"),
                "target_round": t.get("round"), "target_time": t.get("time"),
                "target_bits": t.get("bits"), "target_gradients": t.get("gradients")})
    row.update({f"final_{k}": v for k, v in (s.get("final") or {}).items()})
    row["warnings"] = " | ".join(s.get("warnings") or [])
    return row


def write_index(root: pathlib.Path, rows, keys) -> pathlib.Path:
    """Write ``root/runs.csv`` atomically: one row per run (dicts from the sweep), columns
    run_id, label, seed, the swept keys, the fixed metrics, the final metrics, ``error``.
    Cells as :func:`netsim.results.encode_cell` (lists and tables quoted JSON).
    """
    from netsim.results import atomic_file, encode_cell, write_csv

    cols = list(RUNS_COLUMNS[:3]) + list(keys) + list(RUNS_COLUMNS[3:])
    extra = sorted({k for r in rows for k in r} - set(cols) - {"error"})
    cols += extra + (["error"] if any("error" in r for r in rows) else [])
    def cell(c, v):
        return ("" if v is None else str(v)) if c in TEXT_COLUMNS else encode_cell(v)
    with atomic_file(root / "runs.csv") as f:
        write_csv(f, cols, ([cell(c, r.get(c)) for c in cols] for r in rows), cell=str)
    return root / "runs.csv"


def read_runs(path) -> list[dict]:
    """Rows of a runs.csv as dicts of the values that were written: the text columns
    (:data:`TEXT_COLUMNS`) as strings, every other cell through
    :func:`netsim.results.decode_cell` (numbers, bools, None for an empty cell, lists and
    tables, strings).
    """
    import csv

    from netsim.results import decode_cell
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: v if k in TEXT_COLUMNS else decode_cell(v) for k, v in r.items()}
                for r in csv.DictReader(f)]
