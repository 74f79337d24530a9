"""Compute model: work -> seconds, heterogeneity, stragglers."""

import numpy as np
import pytest

from netsim.compute import ComputeModel, ComputeSpec, Work
from netsim.distributions import make_distribution
from netsim.rng import Streams


def test_gradients_and_solves_to_seconds():
    """dt = gradients * gradient_time + solves * m_i * gradient_time (default solve time)."""
    cm = ComputeModel(ComputeSpec(gradient_time=1e-5), [100, 50], Streams(0))
    assert cm.duration(0, Work(gradients=7)) == pytest.approx(7e-5)
    assert cm.duration(1, Work(solves=2)) == pytest.approx(2 * 50 * 1e-5)


def test_explicit_solve_time():
    """An explicit solve_time replaces the one-pass default."""
    cm = ComputeModel(ComputeSpec(gradient_time=1e-5, solve_time=0.002), [100], Streams(0))
    assert cm.duration(0, Work(gradients=10, solves=1)) == pytest.approx(1e-4 + 0.002)


def test_fixed_slow_set_and_factor():
    """A fraction of 0.3 of 10 agents are slow by exactly the constant factor."""
    spec = ComputeSpec(gradient_time=1.0, straggler_fraction=0.3,
                       slowdown=make_distribution(4.0, "s"))
    cm = ComputeModel(spec, [1] * 10, Streams(5))
    assert len(cm.slow_agents) == 3
    d = [cm.duration(i, Work(gradients=1)) for i in range(10)]
    assert sorted(d) == [1.0] * 7 + [4.0] * 3
    assert [i for i in range(10) if d[i] == 4.0] == cm.slow_agents


def test_explicit_slow_agents():
    """straggler_agents names the slow set exactly."""
    spec = ComputeSpec(gradient_time=1.0, straggler_agents=(2, 4),
                       slowdown=make_distribution(3.0, "s"))
    cm = ComputeModel(spec, [1] * 5, Streams(0))
    assert cm.slow_agents == [2, 4]


def test_random_slowdown_per_step_is_reproducible():
    """Per-step slowdowns are drawn from the agent's own stream: same seed, same times,
    and the mean matches the distribution's mean."""
    spec = ComputeSpec(gradient_time=1.0, straggler_fraction=1.0,
                       slowdown=make_distribution({"dist": "uniform", "low": 1, "high": 3}, "s"))
    a = ComputeModel(spec, [1, 1], Streams(2))
    b = ComputeModel(spec, [1, 1], Streams(2))
    da = [a.duration(0, Work(gradients=1)) for _ in range(4000)]
    db = [b.duration(0, Work(gradients=1)) for _ in range(4000)]
    assert da == db
    assert np.mean(da) == pytest.approx(2.0, abs=0.05)
    assert min(da) >= 1.0 and max(da) <= 3.0


def test_heterogeneity_drawn_once_per_agent():
    """Heterogeneity factors are fixed per agent and do not change between steps."""
    spec = ComputeSpec(gradient_time=1.0,
                       heterogeneity=make_distribution({"dist": "uniform", "low": 1, "high": 2},
                                                       "h"))
    cm = ComputeModel(spec, [1] * 4, Streams(0))
    first = [cm.duration(i, Work(gradients=1)) for i in range(4)]
    again = [cm.duration(i, Work(gradients=1)) for i in range(4)]
    assert first == again and len(set(first)) == 4


def test_adding_an_agent_keeps_other_agents_timing():
    """Agent 0's random slowdowns do not change when agents are added."""
    spec = ComputeSpec(gradient_time=1.0, straggler_agents=(0,),
                       slowdown=make_distribution({"dist": "exponential", "mean": 2}, "s"))
    small = ComputeModel(spec, [1] * 3, Streams(9))
    big = ComputeModel(spec, [1] * 30, Streams(9))
    assert [small.duration(0, Work(1)) for _ in range(5)] == \
        [big.duration(0, Work(1)) for _ in range(5)]


def test_hosts_off_counts_hosts_whose_state_is_off():
    """State profiles switch hosts off and on (repeats included); ``hosts_off`` counts the hosts
    off at each moment, so the runners check per agent only while some host is off."""
    cm = ComputeModel(ComputeSpec(gradient_time=1e-5), [10] * 5, Streams(0))
    assert cm.hosts_off == 0
    server = cm.add_host()
    seq = [(1, False), (3, False), (1, False), (server, False), (1, True), (1, True),
           (3, True), (server, True), (4, False)]
    want = [1, 2, 2, 3, 2, 2, 1, 0, 1]
    got = []
    for agent, on in seq:
        cm.set_state(agent, on)
        got.append(cm.hosts_off)
    assert got == want
    assert cm.hosts_off == cm.on.count(False)
