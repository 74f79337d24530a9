"""Lossy links keep lockstep groups (issue 15): after a drop or a retransmission the agents
of one instant still finish in one kernel call (those whose messages were already in, and
those whose receive timeouts expire together), and the messages that get through share one
delivery event per instant, with every output exactly as with one event per agent and per
message (the engine-equivalence tests compare both engines on lossy runs as well)."""

from __future__ import annotations

import numpy as np
import pytest

import netsim
from netsim.network.transport import Network
from netsim.runners.batched import BatchedPeerRunner
from netsim.scenario import from_dict

N, ROUNDS = 60, 15


def _scenario(on_loss, latency="1 ms", compute=None):
    return from_dict({
        "name": f"lossy_{on_loss}", "seed": 2,
        "network": {"agents": N, "topology": "ring",
                    "links": {"bandwidth": "10 Mbit/s", "latency": latency, "loss": 0.05,
                              "on_loss": on_loss}},
        "problem": {"kind": "logistic", "samples_per_agent": 10, "features": 8,
                    "regularization": 0.05},
        "algorithm": {"name": "lt-admm-cc", "rho": 0.2,
                      "compressor": {"name": "quantizer", "bits": 4}},
        "compute": compute or {},
        "stop": {"rounds": ROUNDS}, "output": {"plots": False, "messages": True}})


def _run(monkeypatch, sc, per_agent):
    """The run, the sizes of its finishing groups and its scheduled event count;
    ``per_agent``: one deadline event per agent and one delivery event per message (the
    behaviour before grouping)."""
    sizes, events = [], [0]
    with monkeypatch.context() as m:
        finish = BatchedPeerRunner._finish_group
        m.setattr(BatchedPeerRunner, "_finish_group",
                  lambda self, group: (sizes.append(len(group)), finish(self, group))[1])
        init = Network.__init__

        def network_init(self, env, *a, **k):
            init(self, env, *a, **k)
            if per_agent and self._coalesce_lossy:
                self._coalesce_lossy = self._coalesce = False
            schedule = env.schedule

            def counted(event, priority=1, delay=0):
                events[0] += 1
                return schedule(event, priority, delay)
            env.schedule = counted
        m.setattr(Network, "__init__", network_init)
        if per_agent:
            m.setattr(BatchedPeerRunner, "_zero_latency_in", lambda self, i: True)
        res = netsim.run(sc)
    return res, sizes, events[0]


def _same(a, b):
    assert a.trace.keys() == b.trace.keys()
    for k in a.trace:
        np.testing.assert_array_equal(a.trace[k], b.trace[k], err_msg=k)
    assert a.messages == b.messages and a.links == b.links and a.agents == b.agents
    sa = {k: v for k, v in a.summary.items() if k != "runtime_s"}
    sb = {k: v for k, v in b.summary.items() if k != "runtime_s"}
    assert sa == sb


@pytest.mark.parametrize("on_loss", ["drop", "retransmit"])
def test_lossy_lockstep_rounds_stay_grouped_with_the_same_results(monkeypatch, on_loss):
    sc = _scenario(on_loss)
    new, sizes, events = _run(monkeypatch, sc, per_agent=False)
    old, _sizes_old, events_old = _run(monkeypatch, sc, per_agent=True)
    _same(new, old)
    assert new.summary["network"]["drops"] > 10            # losses did happen
    assert sum(sizes) == N * ROUNDS
    # one kernel call per finishing instant (at most two: agents whose messages were in
    # when they sent, then those completed by arrivals or timeouts), not one per agent:
    # the instants are what the timing makes distinct, every agent of one goes together
    instants = {t for _i, _k, t in new.agents}
    assert len(sizes) <= 2 * len(instants), (len(sizes), len(instants))
    assert len(instants) < N * ROUNDS / 4          # the timing does keep agents together
    # deliveries share events: fewer events than messages
    assert events < 0.5 * len(new.messages) < events_old


def test_zero_latency_links_keep_one_deadline_per_agent(monkeypatch):
    # zero compute time and zero latency: a message sent at a deadline arrives in time, so
    # deadlines are not grouped there; results as with one event per agent
    sc = _scenario("drop", latency="0 s", compute={"gradient_time": "0 s"})
    new, _s, _e = _run(monkeypatch, sc, per_agent=False)
    old, _s2, _e2 = _run(monkeypatch, sc, per_agent=True)
    _same(new, old)
