"""Time-varying links and hosts from profile files in SimGrid's format.

A profile file holds one ``date value`` pair per line (dates in seconds, non-decreasing),
comments starting with ``#`` or ``%``, and optionally ``LOOPAFTER d`` or ``PERIODICITY p``
(SimGrid's keywords, with SimGrid's meaning: see :func:`read_profile`)::

    # bandwidth of the uplink, bit/s
    0     10e6
    5.0    1e6
    7.5   10e6
    LOOPAFTER 2.5

The value of a profile at time t is the value of the latest event at or before t (before
the first event the resource keeps its configured value). With ``LOOPAFTER d`` the events
repeat with period ``T = last date + d``, with ``PERIODICITY p`` with period ``T = p``: event
j also fires at ``t_j + n T``. A period below :data:`MIN_PERIOD` (1 ps) is refused. Values are SI
numbers (bit/s for bandwidth, s for latency, 1/0 for a state, a factor for host speed); a
unit suffix without spaces (``10Mbit/s``, ``5ms``) is accepted too.

:func:`drive` turns a profile into a SimPy process that calls ``apply(value)`` at each event;
:func:`start_profiles` starts one per profile file and resource of a scenario.
"""

from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass

from netsim.errors import ScenarioError, must, shown
from netsim.simtime import MAX_TIME_S, PROFILE, TICK_S, Alarm, Pending, ticks

__all__ = ["Profile", "read_profile", "drive", "start_profiles", "MIN_PERIOD"]


@dataclass(frozen=True)
class Profile:
    """Events ``((date, value), ...)`` and the loop delay (None: no repetition)."""

    events: tuple
    loop_after: float | None = None

    @property
    def period(self) -> float | None:
        """Repetition period (last date + loop delay), or None."""
        if self.loop_after is None:
            return None
        return self.events[-1][0] + self.loop_after

    def value_at(self, t: float, default: float) -> float:
        """The profile's value at time t (``default`` before the first event)."""
        if self.period is not None and t >= self.events[0][0] + self.period:
            n = math.floor((t - self.events[0][0]) / self.period)
            t = t - n * self.period
            if t < self.events[0][0]:       # inside the loop gap: the last event still holds
                return self.events[-1][1]
        v = default
        for d, x in self.events:
            if d <= t:
                v = x
            else:
                break
        return v


#: the shortest repetition period of a looping profile, s (1 ps: simulated time is counted
#: in picoseconds; a shorter period would repeat its events without time advancing)
MIN_PERIOD = 1e-12

#: SimGrid keywords of stochastic profiles, which netsim does not model
_STOCHASTIC = ("STOCHASTIC", "DET", "NORM", "NORMAL", "GAUSS", "GAUSSIAN", "EXP",
               "EXPONENTIAL", "UNIF", "UNIFORM")


def read_profile(path, key: str, kind: str | None = None, positive: bool = False) -> Profile:
    """Parse a profile file.

    Errors are one line naming ``key``, the file's path and the line, never the line's text.

    SimGrid's keywords mean what they mean in SimGrid (``ProfileBuilder.cpp``):
    ``LOOPAFTER d`` repeats the events with period last date + d; ``PERIODICITY p`` repeats
    them with period p (p >= the last date); a file may hold at most one of them. Stochastic
    profiles (``STOCHASTIC``, ``DET``/``NORM``/``UNIF``/``EXP`` dates or values) are refused.

    Args:
        path: the file.
        key: the scenario key that named it.
        kind: "rate", "time" or None (plain numbers) for the values. A rate must be > 0
            (a link without bandwidth is a link that is down: use a ``state`` profile).
        positive: values must be > 0 (speed factors: an agent that computes nothing is an
            agent that is off: use a ``state`` profile).

    Raises:
        ScenarioError: an unreadable file, a malformed line, a negative / non-finite /
            out-of-order date, a bad value, or a repetition period below :data:`MIN_PERIOD`.
    """
    from netsim.textfiles import cell, read_lines
    from netsim.textfiles import where as at

    path = pathlib.Path(path)
    lines = read_lines(path, key, "profile file")
    events, loop, periodicity, loop_at = [], None, None, key
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        here = f"{key} ({at(path, no)})"
        parts = line.split()
        word = parts[0].upper()
        if word in ("LOOPAFTER", "PERIODICITY"):
            if loop is not None or periodicity is not None:
                raise ScenarioError(here, "must not repeat LOOPAFTER / PERIODICITY (a profile "
                                          "loops one way)")
            what = "a delay >= 0 in seconds" if word == "LOOPAFTER" else "a period > 0 in seconds"
            x = _number(parts[1] if len(parts) == 2 else "", here, f"{word} {what}")
            loop_at = here
            if word == "LOOPAFTER":
                loop = x
            else:
                periodicity = (x, here)
            continue
        if word in _STOCHASTIC:
            raise ScenarioError(here, f"uses SimGrid's stochastic profile syntax ({parts[0]}), "
                                      f"which netsim does not support: write 'date value' lines")
        if len(parts) != 2:
            raise ScenarioError(here, f"must be a line 'date value' or 'LOOPAFTER delay'; got a "
                                      f"line of {len(parts)} field(s)")
        date = _number(parts[0], here, "a date >= 0 in seconds")
        try:
            value = _value(parts[1], kind, here)
        except ValueError:
            raise must(here, "a numeric value", cell(parts[1])) from None
        if not math.isfinite(value) or value < 0:
            raise ScenarioError(here, f"must have a finite value >= 0; got {cell(parts[1])}")
        if date > MAX_TIME_S or (kind == "time" and value > MAX_TIME_S):
            what = "date" if date > MAX_TIME_S else "latency"
            raise ScenarioError(here, f"must have a {what} of at most {MAX_TIME_S:g} s (the "
                                      f"longest simulated time); got "
                                      f"{cell(parts[0] if what == 'date' else parts[1])}")
        if (kind == "rate" or positive) and value == 0:
            what, whom = ("a bandwidth", "a link") if kind == "rate" else ("a factor", "an agent")
            raise ScenarioError(here, f"must have {what} > 0; got {cell(parts[1])} (to stop "
                                      f"{whom}, give it a 'state' profile with value 0)")
        if events and date < events[-1][0]:
            raise ScenarioError(here, f"must have dates in non-decreasing order; got {shown(date)} "
                                      f"after {events[-1][0]!r}")
        events.append((date, value))
    if not events:
        raise must(key, "a profile file with at least one 'date value' line", str(path))
    last = events[-1][0]
    if periodicity is not None:
        p, loop_at = periodicity
        if p < last:
            raise ScenarioError(loop_at, f"must give a PERIODICITY >= the last date ({last!r} s); "
                                      f"got {shown(p)}")
        loop = p - last
    if loop is not None and last + loop > MAX_TIME_S:
        raise ScenarioError(loop_at, f"must repeat with a period (last date + LOOPAFTER) of "
                                     f"at most {MAX_TIME_S:g} s; got {last + loop!r} s")
    if loop is not None and last + loop < MIN_PERIOD:
        raise ScenarioError(loop_at, f"must repeat with a period (last date + LOOPAFTER) of "
                                     f"at least {MIN_PERIOD:g} s; got {last + loop!r} s")
    return Profile(tuple(events), loop)


def _value(text: str, kind: str | None, here: str) -> float:
    """A profile value: a plain number, or with ``kind`` a quantity with a unit suffix."""
    from netsim.textfiles import cell
    from netsim.units import parse_quantity

    if not kind:
        return float(text)
    try:
        return parse_quantity(text, kind, here)
    except ScenarioError:
        raise must(here, f"a {kind} like '10e6' or '10Mbit/s'", cell(text)) from None


def _number(text, where, what):
    from netsim.textfiles import cell

    try:
        x = float(text)
    except ValueError:
        raise must(where, what, cell(text)) from None
    if not math.isfinite(x) or x < 0:
        raise must(where, what, cell(text))
    return x


def drive(env, profile: Profile, apply):
    """SimPy process: ``apply(value)`` at every event of ``profile`` (repeating if it loops).

    Dates are rounded to ticks once (:func:`netsim.simtime.ticks`); loop n fires event j at
    ``ticks(t_j) + n * ticks(period)``, in the :data:`~netsim.simtime.PROFILE` phase of its
    instant (before anything else that happens then). Events at date 0 apply when the run
    starts.

    Raises:
        ScenarioError: a looping profile whose period is shorter than one tick.
    """
    dates = [(ticks(date), value) for date, value in profile.events]
    period = None if profile.period is None else ticks(profile.period)
    if period is not None and period <= 0 and profile.period > 0:
        raise ScenarioError("profile", f"a LOOPAFTER period must be at least one tick "
                                       f"({TICK_S:g} s); got {profile.period!r} s")
    return _drive(env, dates, period, apply)


def _drive(env, dates, period, apply):
    offset, first = 0, True
    while True:
        for date, value in dates:
            t = offset + date
            if t > env.now:      # the first pass may bring progress; a loop's repeats may not
                yield (Pending if first else Alarm)(env, t - env.now, PROFILE)
            apply(value)
        first = False
        if period is None or period <= 0:
            return
        offset += period


def start_profiles(env, d, network, compute, n_agents, base_dir, server=None) -> None:
    """One SimPy process per (profile file, resource).

    Links' bandwidth / latency / state, agents' speed / state, from the resolved scenario ``d``
    (paths relative to ``base_dir``; ``server``: the server's node / host index for server
    algorithms).
    """
    for k, e in enumerate(d["network"].get("profile", [])):
        key = f"network.profile[{k}]"
        sel = e.get("links", "all")
        if sel == "all":
            links = list(network.links)
        elif sel in ("up", "down") and server is not None:
            links = [(i, server) if sel == "up" else (server, i) for i in range(n_agents)]
        else:
            if not isinstance(sel, list) or not all(
                    isinstance(p, list) and len(p) == 2 for p in sel):
                raise must(f"{key}.links", '"all", "up", "down" (server algorithms) or a list '
                                           'of [u, v] pairs', sel)
            links = []
            for u, v in sel:
                if (u, v) not in network.links:
                    raise must(f"{key}.links", "pairs of linked nodes", [u, v])
                links += [(u, v)] + ([(v, u)] if server is None else [])
        for what, kind, setter in (
                ("bandwidth", "rate", network.set_bandwidth),
                ("latency", "time", network.set_latency),
                ("state", None, lambda e_, v: network.set_state(e_, v > 0))):
            if what in e:
                prof = read_profile(base_dir / e[what], f"{key}.{what}", kind)
                for link in links:
                    env.process(drive(env, prof, lambda v, s=setter, ln=link: s(ln, v)))
    for k, e in enumerate(d["compute"].get("profile", [])):
        key = f"compute.profile[{k}]"
        sel = e.get("agents", "all")
        if sel == "server":
            if server is None:
                raise must(f"{key}.agents", '"all" or agent indices (there is no server: '
                                            f'{d["algorithm"]["name"]} is a peer algorithm)',
                           sel)
            if "speed" in e:
                raise must(f"{key}.speed", "absent for the server (only its state: "
                                           "compute.server_time sets its speed)", e["speed"])
            agents = [server]
        else:
            agents = range(n_agents) if sel == "all" else sel
        for what, setter in (("speed", compute.set_speed),
                             ("state", lambda i, v: compute.set_state(i, v > 0))):
            if what in e:
                prof = read_profile(base_dir / e[what], f"{key}.{what}",
                                    positive=what == "speed")
                for i in agents:
                    env.process(drive(env, prof, lambda v, s=setter, a=i: s(a, v)))
