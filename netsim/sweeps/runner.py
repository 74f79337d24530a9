"""``run_sweep``: every unfinished point of a sweep on an executor, under the sweep lock,
with ``runs.csv`` kept up to date and Ctrl-C / SIGTERM / a full disk handled (the rules are
in :mod:`netsim.sweeps`).
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import os
import pathlib
import signal
import threading

from netsim.errors import ScenarioError, must
from netsim.scenario import Scenario, dump_toml
from netsim.sweeps.executors import EXECUTORS, run_dask, run_processes, run_serial
from netsim.sweeps.grid import count_points, grid, iter_points
from netsim.sweeps.index import Index

__all__ = ["run_sweep", "SweepInterrupted", "sweep_lock"]


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C / SIGTERM stopped a sweep; ``runs.csv`` was written. Attributes: ``root`` (the
    sweep folder) and ``counts`` (as returned by :func:`run_sweep`).
    """

    def __init__(self, root, counts):
        super().__init__("interrupted")
        self.root, self.counts = root, counts



def _fingerprint(scenario: Scenario) -> str:
    data = {k: v for k, v in scenario.data.items() if k != "output"}
    return hashlib.sha256(dump_toml(data).encode()).hexdigest()[:12]


@contextlib.contextmanager
def sweep_lock(root: pathlib.Path, scenario: Scenario):
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


#: the local executors by name (dask also takes a scheduler address)
_EXECUTE = {"serial": run_serial, "processes": run_processes}


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
    keys = grid(scenario)[0]
    total = count_points(scenario)
    root = pathlib.Path(out_dir) / scenario.name
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScenarioError("output.dir", f"must be a writable folder; got {str(root)!r} "
                                          f"({e.strerror})") from None
    counts = {"points": 0, "skipped": 0, "ran": 0, "errors": 0}
    index = Index(root, keys)
    out = str(pathlib.Path(out_dir))
    n_workers = min(workers or os.cpu_count() or 1, max(1, total))   # no idle workers

    with sweep_lock(root, scenario), _sigterm_as_interrupt(), _forget_problems():
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
                              p.label, out, p.run_id, p.scenario.includes)

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
                if executor == "dask":
                    run_dask(todo(), n_workers, scheduler, done)
                else:
                    _EXECUTE[executor](todo(), n_workers, done)
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
                clean_stale_tmp(root)            # of workers stopped mid-write (fatal, Ctrl-C)
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
def _forget_problems():
    """Problems kept by points run in this process (serial) are dropped when the sweep ends."""
    from netsim.sweeps.worker import PROBLEMS
    try:
        yield
    finally:
        PROBLEMS.clear()


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


