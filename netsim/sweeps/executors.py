"""The executors of a sweep: ``serial``, ``processes`` (a local process pool) and ``dask`` (a
LocalCluster or an existing scheduler). Each hands points to :func:`run_point` with a bounded
number in flight (lazy expansion) and reports every outcome to ``done(point, outcome)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

from netsim.errors import must
from netsim.sweeps.worker import preload, run_point, worker_init

__all__ = ["EXECUTORS", "DASK_CONFIG", "run_serial", "run_processes", "run_dask",
           "local_cluster"]

EXECUTORS = ("processes", "serial", "dask")


def run_serial(todo, workers, done):
    """In this process, one point after the other."""
    for point, payload in todo:
        done(point, run_point(payload))


def run_processes(todo, workers, done):
    """Local process pool, at most 2 x workers points in flight (lazy expansion)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    n = workers or os.cpu_count() or 1
    preload()
    ex = ProcessPoolExecutor(n, initializer=worker_init)
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
                    flight[ex.submit(run_point, nxt[1])] = nxt[0]
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
        manager = getattr(ex, "_executor_manager_thread", None)
        ex.shutdown(wait=False, cancel_futures=True)
        _forget_manager(manager)
        raise
    ex.shutdown(wait=True)


def _forget_manager(thread) -> None:
    """Let the executor's manager thread end and drop it from the pool module's exit hook.

    Its workers are dead. On Python < 3.12 that exit hook wakes every manager it knows through
    a pipe the manager has closed, printing an "Exception ignored ... Bad file descriptor"
    traceback as a sweep stopped by Ctrl-C exits.
    """
    if thread is None:
        return
    thread.join(5)
    if not thread.is_alive():
        from concurrent.futures import process
        with contextlib.suppress(Exception):
            process._threads_wakeups.pop(thread, None)


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


class SchedulerGone:
    """Logging filter for Dask workers: drop the ERROR (with a traceback) that a worker logs
    when its heartbeat meets a scheduler that has just closed, which is how every sweep
    stopped by Ctrl-C ends (the scheduler runs in netsim's process). Other worker errors
    are kept.
    """

    def filter(self, record):
        from distributed.comm.core import CommClosedError
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, CommClosedError)
                    and record.getMessage().startswith("Failed to communicate with scheduler"))


def dask_worker_setup() -> None:
    """Run once in every Dask worker: the log filter, then the imports (:func:`preload`)."""
    import logging
    logging.getLogger("distributed.worker").addFilter(SchedulerGone())
    preload()


def run_dask(todo, workers, scheduler, done):
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
        client.run(dask_worker_setup)       # every worker imports once, in parallel
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})) or 1)
        it = iter(todo)
        ac = as_completed()

        def submit():
            nxt = next(it, None)
            if nxt is None:
                return False
            f = client.submit(run_point, nxt[1], pure=False)
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


