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

Modules: :mod:`~netsim.sweeps.grid` (the points), :mod:`~netsim.sweeps.runner`
(``run_sweep``, the lock, interruption), :mod:`~netsim.sweeps.executors` (serial, processes,
Dask), :mod:`~netsim.sweeps.worker` (one point in a worker) and :mod:`~netsim.sweeps.index`
(``runs.csv``).
"""

from __future__ import annotations

from netsim.sweeps.executors import DASK_CONFIG, EXECUTORS, local_cluster
from netsim.sweeps.grid import Point, count_points, expand, iter_points
from netsim.sweeps.index import RUNS_COLUMNS, TEXT_COLUMNS, read_runs, write_index
from netsim.sweeps.runner import SweepInterrupted, run_sweep

__all__ = ["Point", "expand", "iter_points", "count_points", "run_sweep", "read_runs",
           "write_index", "EXECUTORS", "RUNS_COLUMNS", "TEXT_COLUMNS", "SweepInterrupted",
           "DASK_CONFIG", "local_cluster"]
