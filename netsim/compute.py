"""Compute model: work reported by kernels -> simulated seconds.

A kernel reports :class:`Work` (component-gradient evaluations, exact local solves). Agent
i's step takes

    dt = (gradients * gradient_time + solves * solve_time_i) * h_i * noise * s_i

where h_i is agent i's fixed heterogeneity factor (drawn once per run), ``noise`` a per-step
factor for every agent, and s_i a per-step straggler slowdown (1 for agents outside the slow
set). ``solve_time_i`` defaults to one pass over the local data, m_i * gradient_time.
All draws come from the agent's own stream ``("compute", i)`` (heterogeneity from
``("compute", "heterogeneity", i)``; the slow set from ``("compute", "stragglers")``), so
adding an agent never changes another agent's timing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from netsim.distributions import Distribution
from netsim.simtime import MAX_TIME_S

__all__ = ["Work", "ComputeModel", "ComputeSpec"]


class Work(NamedTuple):
    """Work done by one kernel step.

    Attributes:
        gradients: component-gradient evaluations (each counts in the trace's ``gradients``).
        solves: exact local solves (each costs ``solve_time``).
    """

    gradients: int = 0
    solves: int = 0

    def __add__(self, other):  # type: ignore[override]
        """Component-wise sum of two amounts of work."""
        return Work(self.gradients + other.gradients, self.solves + other.solves)


@dataclass(frozen=True)
class ComputeSpec:
    """Parsed ``[compute]`` table (SI units).

    Attributes:
        gradient_time: s per component gradient.
        solve_time: s per exact local solve, or None for m_i * gradient_time.
        heterogeneity: per-agent time factor, drawn once (None: 1).
        noise: per-step time factor for every agent (None: 1).
        straggler_fraction: fraction of agents in the slow set (rounded to nearest int).
        straggler_agents: explicit slow set (overrides the fraction when given).
        slowdown: per-step time factor of slow agents (a Distribution).
    """

    gradient_time: float = 10e-6
    solve_time: float | None = None
    heterogeneity: Distribution | None = None
    noise: Distribution | None = None
    straggler_fraction: float = 0.0
    straggler_agents: tuple[int, ...] | None = None
    slowdown: Distribution | None = None


class ComputeModel:
    """Turns :class:`Work` into seconds for each agent.

    Args:
        spec: the parsed compute table.
        samples: m_i for every agent (for the default solve time).
        streams: a :class:`netsim.rng.Streams`.
    """

    def __init__(self, spec: ComputeSpec, samples: Sequence[int], streams):
        n = len(samples)
        self.spec = spec
        self.samples = np.asarray(samples, dtype=float)
        self.factor = np.ones(n)
        if spec.heterogeneity is not None:
            self.factor = np.array([float(spec.heterogeneity.sample(
                streams.generator("compute", "heterogeneity", i))) for i in range(n)])
        if spec.straggler_agents is not None:
            slow = sorted(set(spec.straggler_agents))
        else:
            count = int(round(spec.straggler_fraction * n))
            rng = streams.generator("compute", "stragglers")
            slow = sorted(rng.permutation(n)[:count].tolist()) if count else []
        self.slow = np.zeros(n, dtype=bool)
        self.slow[slow] = True
        self._rng = [streams.generator("compute", i) for i in range(n)]
        self._deterministic = spec.noise is None and (
            spec.slowdown is None or spec.slowdown.is_constant)
        self.speed = np.ones(n)              # speed profiles: durations are divided by it
        self.on = [True] * n                 # state profiles: an off agent does not start
        #: hosts whose state is off (0: every host on, no per-agent check needed)
        self.hosts_off = 0
        self._wake: list = [None] * n        # steps until it is on again

    def add_host(self) -> int:
        """Register one more host (a server): an on/off state, no work model.

        Returns its index.
        """
        self.on.append(True)
        self._wake.append(None)
        self.speed = np.append(self.speed, 1.0)
        return len(self.on) - 1

    def set_speed(self, agent: int, factor: float) -> None:
        """Profile event: the agent's speed factor (applies to steps started from now on)."""
        self.speed[agent] = float(factor)

    def set_state(self, agent: int, on: bool, env=None) -> None:
        """Profile event: the agent's host goes off (no new step starts) or on again."""
        self.hosts_off += self.on[agent] - bool(on)
        self.on[agent] = bool(on)
        if on and self._wake[agent] is not None:
            ev, self._wake[agent] = self._wake[agent], None
            ev.succeed()

    def wait_until_on(self, agent: int, env):
        """An event that fires when the agent's host is on (already fired if it is)."""
        if self.on[agent]:
            ev = env.event()
            ev.succeed()
            return ev
        if self._wake[agent] is None:
            self._wake[agent] = env.event()
        return self._wake[agent]

    @property
    def slow_agents(self) -> list[int]:
        """Indices of the fixed slow set."""
        return np.flatnonzero(self.slow).tolist()

    def durations(self, agents, works) -> list[float]:
        """:meth:`duration` of each (agent, work) pair, in order.

        The same floats; without noise or slowdown draws, as array operations.
        """
        spec = self.spec
        if spec.noise is not None or spec.slowdown is not None:
            return [self.duration(i, w) for i, w in zip(agents, works)]
        idx = np.asarray(agents, dtype=np.intp)
        grads = np.array([w.gradients for w in works], dtype=float)
        solves = np.array([w.solves for w in works], dtype=float)
        solve = (np.full(idx.size, spec.solve_time) if spec.solve_time is not None
                 else self.samples[idx] * spec.gradient_time)
        t = (grads * spec.gradient_time + solves * solve) * self.factor[idx]
        speed = self.speed[idx]
        slow = speed != 1.0
        if slow.any():
            with np.errstate(divide="ignore"):
                t[slow] = np.where(speed[slow] > 0, t[slow] / speed[slow], math.inf)
        if not (t[speed > 0] <= MAX_TIME_S).all():       # also NaN
            first = int(np.flatnonzero(~(t <= MAX_TIME_S) & (speed > 0))[0])
            _not_finite(int(idx[first]), float(t[first]))
        return t.tolist()

    def duration(self, agent: int, work: Work) -> float:
        """Seconds agent ``agent`` needs for ``work`` at this step (draws its noise)."""
        spec = self.spec
        solve = spec.solve_time if spec.solve_time is not None else (
            self.samples[agent] * spec.gradient_time)
        base = work.gradients * spec.gradient_time + work.solves * solve
        t = base * self.factor[agent]
        speed = self.speed[agent]
        if speed != 1.0:
            t = t / speed if speed > 0 else math.inf
        rng = self._rng[agent]
        if spec.noise is not None:
            t *= float(spec.noise.sample(rng))
        if spec.slowdown is not None and self.slow[agent]:
            t *= float(spec.slowdown.sample(rng))
        if not t <= MAX_TIME_S and speed > 0:
            _not_finite(agent, t)
        return float(t)


def _not_finite(agent: int, t) -> None:
    """Raise the error of a step time beyond the clock's range (1e15 s) or a double's.

    A heavy tail with a huge scale draws such times: a one-line error naming the keys,
    instead of a run that ends 'stalled' at 0 s or an unnamed time error.
    """
    from netsim.errors import ScenarioError

    what = "finite step times" if not t < math.inf else (
        f"step times of at most {MAX_TIME_S:g} s (the longest simulated duration)")
    raise ScenarioError("compute", f"must give {what}; agent {agent} drew {t} s "
                                   "(gradient_time, solve_time, heterogeneity, noise or "
                                   "stragglers.slowdown: use a lighter tail or a smaller "
                                   "scale)")
