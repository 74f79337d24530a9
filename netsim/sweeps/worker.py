"""What a sweep worker does: run one point and write its folder (:func:`run_point`), set a
worker process up (:func:`worker_init`) and import what runs need once (:func:`preload`).

A worker runs many points, so it keeps what they can share: the imports (:func:`preload`,
inherited by forked workers) and the problems it built (:data:`PROBLEMS`, a small
:class:`~netsim.simulation.reuse.ProblemCache`: data generation or loading, reference optimum,
factorizations), reused by every later point with the same problem, seed and data file.
Results are the same bit for bit with or without it, whatever the executor.
"""

from __future__ import annotations

import contextlib
import os
import signal

from netsim.errors import NetsimError
from netsim.scenario import Scenario, from_dict
from netsim.simulation.reuse import ProblemCache

__all__ = ["run_point", "worker_init", "preload", "PROBLEMS"]

#: this process's problems, reused across the points it runs (cleared by ``run_sweep`` when
#: a sweep ends in this process: serial sweeps do not keep memory afterwards)
PROBLEMS = ProblemCache()


def run_point(payload):
    """Executor task: run one point and write its folder.

    Takes plain data (picklable for processes and Dask). Returns ``("ok", run_id)``,
    ``("error", one-line message)`` for a point that raised, or ``("fatal", message)`` when
    the results cannot be written (a full disk), which stops the sweep.
    """
    raw, source, base_dir, label, out, rid, includes = payload
    from netsim.results import ResultsError, inputs_read, run_id, write_result
    from netsim.simulate import run

    try:
        sc = from_dict(raw, source, base_dir)
        sc = Scenario(sc.data, sc.source, sc.base_dir, label, sc.raw, includes=includes)
        res = run(sc, cache=PROBLEMS)
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


def worker_init() -> None:
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


def preload() -> None:
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
    import netsim.runners.batched  # noqa: F401
    import netsim.runners.server  # noqa: F401
    import netsim.simulate  # noqa: F401


