"""Simulated time: an integer number of ticks of one fixed resolution, and the order of
events that happen at the same instant.

**Resolution.** One tick is 1 ps (:data:`TICK_S` = 1e-12 s, OMNeT++'s default). Every clock
value inside the engine (SimPy's ``env.now``, event times, link free times, deadlines,
profile dates, stop rules) is a Python ``int`` of ticks, so sums and comparisons of times are
exact and equal on every machine. Python integers have no upper bound: the clock is exact at
any horizon. Seconds appear only at the edges: the scenario's quantities are converted to
ticks when a run is built or when a model draws a duration, and the trace, summary,
messages and updates files report seconds (``ticks / 10**12`` correctly rounded to the
nearest double: the exact decimal value for any time below 1000 s, where it has at most 15
significant digits, and within 1.1e-16 relative beyond).

**One rounding rule** (:func:`ticks`): a duration of ``d`` seconds computed by a model in
floating point (``bits / bandwidth``, a latency, a jitter or compute-noise draw, a compute
time, a max-min completion time, a timeout) becomes ``round(d * 10**12)`` ticks: the nearest
integer, ties to even. Each duration is rounded on its own, then added as an integer, so
``latency + bits / bandwidth`` is ``ticks(latency) + ticks(bits / bandwidth)``. A FIFO queue
sums the ``bits / rate`` of one busy period in seconds and rounds each end instead
(:func:`netsim.network.transport._serve`), so back-to-back messages keep their closed form.
``math.inf`` stays ``math.inf`` (an event that never happens).

**Same-instant order.** SimPy processes events of one instant by priority, then in the order
they were scheduled. netsim gives every event a *phase* as its priority; at one instant the
pending event of the lowest phase always runs next, so what happens at one instant runs in
this documented order, never decided by float rounding:

1. :data:`PROFILE` - profile changes of links and hosts (they apply to everything else that
   happens at that instant);
2. :data:`ARRIVAL` - message arrivals (and fair sharing's ends of latency and transfers);
3. :data:`STEP` - ends of computations (the agent then sends), retransmission timers, the
   start of a server round (so every result arriving at that instant is in the round);
4. :data:`FINISH` - the batched engine's end of the rounds of agents whose messages are all
   there (the process-per-agent test oracle finishes such an agent at its last arrival: same
   results);
5. :data:`DEADLINE` - receive timeouts. Every arrival of the instant comes first, including
   those of zero-latency messages sent at that instant: **a message that arrives exactly at
   its receiver's deadline is in time**;
6. :data:`END` - the end of the instant: ``stop.time`` (what happens at that instant still
   counts), the stall watchdog;
7. :data:`RATES` - fair sharing recomputes, once, the rates of the flows whose sharing
   changed at this instant (flows started or ended, capacities changed). No bit moves within
   an instant, so one solve after everything else is exact; lockstep rounds that start and
   end many flows at one instant cost one solve instead of one per flow.

SimPy's own priorities (0, 1: process starts, a process resuming after the event it waited
for) come before all of them, so a process resumes within the phase of the event that woke
it. An event scheduled for the current instant in an earlier phase than the one running (a
zero-latency message sent at a deadline) runs next. Within one phase events run in the order
they were scheduled, which depends only on the scenario and seed, never on the machine; where
that order is visible in a file (``messages.csv``) the rows are sorted by a documented key
instead.
"""

from __future__ import annotations

import math

from simpy.events import Event

__all__ = ["TICK_S", "TICKS_PER_S", "MAX_TIME_S", "ticks", "seconds", "PROFILE", "ARRIVAL",
           "STEP", "FINISH", "DEADLINE", "END", "RATES", "Alarm", "Pending", "call_at_phase",
           "next_pending"]

#: One tick in seconds.
TICK_S = 1e-12
#: Ticks per second (an int).
TICKS_PER_S = 10 ** 12
_TPS = float(TICKS_PER_S)
_INF = math.inf

#: Same-instant phases (SimPy event priorities; SimPy uses 0 and 1 itself).
PROFILE, ARRIVAL, STEP, FINISH, DEADLINE, END, RATES = 2, 3, 4, 5, 6, 7, 8


#: the longest finite duration or date (s) a model may produce: 1e15 s (about 32 million
#: years), so that every simulated time also fits a double in the output files
MAX_TIME_S = 1e15


def ticks(d: float) -> int | float:
    """Seconds -> ticks by the one rounding rule: ``round(d * 10**12)`` (nearest, ties to even).

    Args:
        d: a duration or date in seconds (float or int), at most :data:`MAX_TIME_S`;
            ``math.inf`` allowed (never).

    Returns:
        An ``int`` number of ticks, or ``math.inf`` for ``d = inf``.

    Raises:
        ScenarioError: ``d`` is NaN, -inf or finite above :data:`MAX_TIME_S` (a model drew an
            absurd duration: one line naming the value).
    """
    if d <= MAX_TIME_S:
        try:
            return round(d * _TPS)
        except (OverflowError, ValueError):   # -inf
            pass
    elif d == _INF:
        return _INF
    from netsim.errors import ScenarioError
    raise ScenarioError("time", f"must be a simulated duration of at most {MAX_TIME_S:g} s or "
                                f"inf; a model produced {d!r} s (check latencies, jitter, "
                                "compute times and their distributions)")


def seconds(t) -> float:
    """Ticks -> seconds (the nearest double; ``math.inf`` stays ``math.inf``)."""
    if isinstance(t, int):
        try:
            return t / TICKS_PER_S
        except OverflowError:               # beyond a double's range of seconds
            return _INF if t > 0 else -_INF
    return float(t) / _TPS


class Alarm(Event):
    """A :class:`simpy.Timeout` in a given same-instant phase: it fires ``delay`` ticks from
    now, in phase ``phase`` (see the module docstring), and then calls its callbacks.

    Args:
        env: the SimPy environment.
        delay: ticks (an int >= 0, or ``math.inf``: never).
        phase: one of :data:`PROFILE`, :data:`ARRIVAL`, :data:`STEP`, :data:`FINISH`,
            :data:`DEADLINE`, :data:`END`.

    Raises:
        ValueError: a negative delay.
    """

    __slots__ = ()

    def __init__(self, env, delay, phase: int):
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        if delay != _INF:                   # never: not scheduled (the clock never jumps to inf)
            env.schedule(self, phase, delay)


class Pending(Alarm):
    """An :class:`Alarm` that can lead to progress (an agent or server step): the delivery of
    a message that will arrive, the end of a computation, a receive deadline, a retransmission
    on a link that is up, the first pass of a profile. The stall watchdog
    (:func:`netsim.simulation.loop._watchdog`) calls a run *stalled* only when none is scheduled.
    Looping profile events, and retransmission timers of messages lost on a link that is down,
    are plain :class:`Alarm` s: they can repeat forever without progress.
    """

    __slots__ = ()


def next_pending(env) -> int | None:
    """The earliest time (ticks) of a scheduled :class:`Pending` event, or None (a scan of
    SimPy's event queue; the watchdog calls it at most once per quiet interval).
    """
    times = [t for t, _, _, ev in env._queue if type(ev) is Pending]
    return min(times) if times else None


def call_at_phase(env, delay, phase: int, fn) -> Alarm:
    """Call ``fn(event)`` ``delay`` ticks from now in ``phase``; returns the event."""
    ev = Alarm(env, delay, phase)
    ev.callbacks.append(fn)
    return ev
