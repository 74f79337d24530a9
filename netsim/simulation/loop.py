"""The SimPy loop of one built run: until a stop rule fires (target / rounds / time / bits),
the iterates blow up (``diverged``) or nothing is left to happen (``stalled``).
"""

from __future__ import annotations

import math

from netsim.simtime import END, Alarm, call_at_phase, next_pending, ticks

__all__ = ["run_loop", "single_threaded_blas", "STALL_FLOOR"]

#: with stop.stall = "auto": a run is stalled after max(this, 100 x the longest gap between
#: two agent / server steps seen so far) simulated seconds without any step
STALL_FLOOR = 60.0


def run_loop(sim, stall: float | None) -> None:
    """Run a built :class:`~netsim.simulation.build.Simulation` to its end; afterwards
    ``sim.monitor.end`` says how it ended (None: the round limit).

    Args:
        sim: the built run (nothing simulated yet).
        stall: seconds without progress after which the run is stalled, or None for
            automatic (see :data:`STALL_FLOOR` and :func:`_watchdog`).
    """
    sim.runner.start()
    stop_time = sim.monitor.stop_ticks
    if stop_time != math.inf:          # at the end of its instant: what happens then counts
        call_at_phase(sim.env, stop_time, END, lambda _e: _time_up(sim))
    sim.env.process(_watchdog(sim, None if stall is None else ticks(stall)))
    try:
        sim.env.run(until=sim.stop_event)
    except RuntimeError as e:
        if "No scheduled events left" not in str(e):
            raise
        if sim.monitor.end is None:
            sim.monitor.end, sim.monitor.end_round = "stalled", sim.monitor.trace["round"][-1]


def single_threaded_blas():
    """Limit BLAS/OpenMP to one thread for the run: multi-threaded BLAS sums in an order that
    depends on the thread count, which differs between a laptop, a CI runner and a Dask worker
    (Dask sets OMP_NUM_THREADS=1), and results must not. Parallelism comes from running
    several runs at once (netsim sweep). Returns the limiter (to restore), or None.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - shipped with scikit-learn, a dependency
        return None
    return threadpool_limits(limits=1)


def _watchdog(sim, limit):
    """End the run as ``stalled`` when no progress is possible any more.

    Progress is an agent or server step. After ``limit`` ticks without one (auto: see
    :data:`STALL_FLOOR`), the run is stalled unless an event that can still lead to a step is
    scheduled (a :class:`~netsim.simtime.Pending` event: a message that will arrive, a
    computation or a receive deadline in progress, a retransmission on a link that is up, a
    profile's first pass); then the quiet interval counts again from that event's time. So a
    128 s message on a slow link is not a stall, while a looping profile or retransmissions
    on a link that is down for good end the run (deterministically: only simulated time and
    the event queue decide).
    """
    env, mon = sim.env, sim.monitor
    floor = ticks(STALL_FLOOR)
    hold = 0                        # the latest pending event seen at a quiet check
    while not mon.stopped:
        lim = limit if limit is not None else max(floor, 100 * mon.max_gap)
        wait = max(mon.last_progress, hold) + lim - env.now
        if wait > 0:
            yield Alarm(env, wait, END)
            continue
        nxt = next_pending(env)
        if nxt is not None:
            hold = nxt
            continue
        if mon.end is None:
            mon.end, mon.end_round = "stalled", mon.trace["round"][-1]
        if not sim.stop_event.triggered:
            sim.stop_event.succeed("stalled")
        return


def _time_up(sim):
    mon = sim.monitor
    if mon.end is None:
        mon.end, mon.end_round = "time", mon.trace["round"][-1]
        if not sim.stop_event.triggered:
            sim.stop_event.succeed("time")
