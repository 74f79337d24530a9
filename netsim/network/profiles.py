"""Time-varying links and hosts from profile files in SimGrid's format.

A profile file holds one ``date value`` pair per line (dates in seconds, non-decreasing),
comments starting with ``#`` or ``%``, and optionally ``LOOPAFTER d`` (SimGrid's keyword;
``PERIODICITY d`` is accepted as its old name)::

    # bandwidth of the uplink, bit/s
    0     10e6
    5.0    1e6
    7.5   10e6
    LOOPAFTER 2.5

The value of a profile at time t is the value of the latest event at or before t (before
the first event the resource keeps its configured value). With ``LOOPAFTER d`` the events
repeat with period ``T = last date + d``: event j also fires at ``t_j + n T``. Values are SI
numbers (bit/s for bandwidth, s for latency, 1/0 for a state, a factor for host speed); a
unit suffix without spaces (``10Mbit/s``, ``5ms``) is accepted too.

:func:`drive` turns a profile into a SimPy process that calls ``apply(value)`` at each event;
:func:`start_profiles` starts one per profile file and resource of a scenario.
"""

from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass

from netsim.errors import ScenarioError, must
from netsim.simtime import PROFILE, TICK_S, Alarm, Pending, ticks

__all__ = ["Profile", "read_profile", "drive", "start_profiles"]


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


def read_profile(path, key: str, kind: str | None = None) -> Profile:
    """Parse a profile file (one-line errors naming ``key``, the file and the line).

    Args:
        path: the file.
        key: the scenario key that named it.
        kind: "rate", "time" or None (plain numbers) for the values.
    """
    from netsim.units import parse_quantity

    path = pathlib.Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise must(key, "an existing profile file", str(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(key, f"cannot read profile file {str(path)!r}: {e}") from None
    events, loop = [], None
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        where = f"{key} ({path.name}:{no})"
        parts = line.split()
        if parts[0] in ("LOOPAFTER", "PERIODICITY"):
            loop = _number(parts[1] if len(parts) == 2 else "", where, "a delay >= 0 after "
                           + parts[0])
            continue
        if len(parts) != 2:
            raise must(where, "a line 'date value' or 'LOOPAFTER delay'", line)
        date = _number(parts[0], where, "a date >= 0 in seconds")
        try:
            value = parse_quantity(parts[1], kind, where) if kind else float(parts[1])
        except ValueError:
            raise must(where, "a numeric value", parts[1]) from None
        if not math.isfinite(value) or value < 0:
            raise must(where, "a finite value >= 0", parts[1])
        if events and date < events[-1][0]:
            raise must(where, f"dates in non-decreasing order (previous {events[-1][0]})", date)
        events.append((date, value))
    if not events:
        raise must(key, "a profile file with at least one 'date value' line", str(path))
    if loop is not None and loop == 0 and len(events) == 1:
        raise must(key, "LOOPAFTER > 0 for a single-event profile", str(path))
    return Profile(tuple(events), loop)


def _number(text, where, what):
    try:
        x = float(text)
    except ValueError:
        raise must(where, what, text) from None
    if not math.isfinite(x) or x < 0:
        raise must(where, what, text)
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
    """One SimPy process per (profile file, resource): links' bandwidth / latency / state,
    agents' speed / state, from the resolved scenario ``d`` (paths relative to
    ``base_dir``; ``server``: the server's node / host index for server algorithms)."""
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
                prof = read_profile(base_dir / e[what], f"{key}.{what}")
                for i in agents:
                    env.process(drive(env, prof, lambda v, s=setter, a=i: s(a, v)))
