"""Time-varying links and hosts: SimGrid-format profile files."""


import numpy as np
import pytest
import simpy

import netsim
from netsim.errors import ScenarioError
from netsim.network.fair import FairNetwork
from netsim.network.links import LinkSpec
from netsim.network.profiles import Profile, drive, read_profile
from netsim.network.transport import Network
from netsim.rng import Streams
from netsim.scenario import from_dict
from netsim.simtime import STEP, Alarm, seconds, ticks


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_profile_and_loop(tmp_path):
    p = read_profile(_write(tmp_path, "bw", "# comment\n0 10e6\n5 1Mbit/s\n\n7.5 10e6\n"
                            "LOOPAFTER 2.5\n"), "k", "rate")
    assert p.events == ((0.0, 10e6), (5.0, 1e6), (7.5, 10e6)) and p.period == 10.0
    assert [p.value_at(t, -1) for t in (0, 4.9, 5, 7.4, 9.9, 10, 15.1, 27.6)] == \
        [10e6, 10e6, 1e6, 1e6, 10e6, 10e6, 1e6, 10e6]
    once = read_profile(_write(tmp_path, "s", "2 0\n4 1\n"), "k")
    assert once.value_at(1, 7) == 7 and once.value_at(3, 7) == 0 and once.value_at(99, 7) == 1


@pytest.mark.parametrize("text,needle", [("0 1\n2\n", "bad' line 2"),
                                         ("3 1\n1 0\n", "non-decreasing"),
                                         ("0 -1\n", ">= 0"), ("", "at least one"),
                                         ("0 1\nLOOPAFTER x\n", "LOOPAFTER")])
def test_bad_profiles_name_file_and_line(tmp_path, text, needle):
    with pytest.raises(ScenarioError) as e:
        read_profile(_write(tmp_path, "bad", text), "network.profile[0].state")
    assert "network.profile[0].state" in str(e.value) and needle in str(e.value)


def test_drive_repeats_a_looping_profile():
    env = simpy.Environment()
    seen = []
    env.process(drive(env, Profile(((0.0, 1.0), (1.0, 0.0)), loop_after=1.0),
                      lambda v: seen.append((seconds(env.now), v))))
    env.run(until=ticks(5.5))
    assert seen == [(0, 1), (1, 0), (2, 1), (3, 0), (4, 1), (5, 0)]


def _net(cls, spec, profile_events=None, state_events=None):
    env = simpy.Environment()
    net = cls(env, {(0, 1): spec}, Streams(0))
    got = {}
    net.attach(1, lambda src, tag, k: got.__setitem__(k, seconds(env.now)))
    if profile_events:
        env.process(drive(env, Profile(tuple(profile_events)),
                          lambda v: net.set_bandwidth((0, 1), v)))
    if state_events:
        env.process(drive(env, Profile(tuple(state_events)),
                          lambda v: net.set_state((0, 1), v > 0)))
    return env, net, got


def test_bandwidth_change_fifo_and_fair():
    """FIFO: a message uses the bandwidth of the moment it is handed over. Fair: a transfer
    in progress slows down at the change (1 Mbit at 1 Mbit/s, halved at 0.5 s: done at 1.5 s)."""
    env, net, got = _net(Network, LinkSpec(bandwidth=1e6), [(0.5, 0.5e6)])
    net.send(0, 1, "a", 1e6)
    Alarm(env, ticks(0.6), STEP).callbacks.append(lambda _e: net.send(0, 1, "b", 1e5))
    env.run()
    assert got["a"] == pytest.approx(1.0) and got["b"] == pytest.approx(1.0 + 0.2)
    env, net, got = _net(FairNetwork, LinkSpec(bandwidth=1e6), [(0.5, 0.5e6)])
    net.send(0, 1, "a", 1e6)
    env.run()
    assert got["a"] == pytest.approx(1.5, abs=2e-12)


@pytest.mark.parametrize("cls", [Network, FairNetwork])
def test_link_down_holds_or_drops(cls):
    """A link down from 0.1 to 0.3 s: with hold, a message handed over at 0.15 s leaves at
    0.3 s; with drop + retransmit it is lost, re-sent after the timeout, and arrives."""
    env, net, got = _net(cls, LinkSpec(bandwidth=1e6, latency=0.01),
                         state_events=[(0.1, 0), (0.3, 1)])
    Alarm(env, ticks(0.15), STEP).callbacks.append(lambda _e: net.send(0, 1, "m", 1e4))
    env.run()
    assert got["m"] == pytest.approx(0.3 + 0.01 + 0.01, rel=1e-9)
    spec = LinkSpec(bandwidth=1e6, latency=0.01, on_down="drop", on_loss="retransmit",
                    timeout=0.2)
    env, net, got = _net(cls, spec, state_events=[(0.1, 0), (0.3, 1)])
    Alarm(env, ticks(0.15), STEP).callbacks.append(lambda _e: net.send(0, 1, "m", 1e4))
    env.run()
    assert net.total_drops == 1 and net.retransmissions == 1
    assert got["m"] == pytest.approx(0.35 + 0.01 + 0.01, rel=1e-9)


def test_host_profiles_in_a_run(tmp_path):
    """Agent 0 off until 1 s: no round finishes before it is back; all agents at half speed:
    every record takes twice as long (deterministic compute)."""
    _write(tmp_path, "off.txt", "0 0\n1.0 1\n")
    _write(tmp_path, "slow.txt", "0 0.5\n")
    base = {"network": {"agents": 4, "links": {"latency": "1 ms"}},
            "problem": {"kind": "least_squares"}, "algorithm": {"name": "admm"},
            "compute": {"solve_time": "10 ms"}, "stop": {"rounds": 5}}
    ref = netsim.run(from_dict(base, base_dir=tmp_path))
    off = netsim.run(from_dict({**base, "compute": {"solve_time": "10 ms", "profile": [
        {"agents": [0], "state": "off.txt"}]}}, base_dir=tmp_path))
    slow = netsim.run(from_dict({**base, "compute": {"solve_time": "10 ms", "profile": [
        {"speed": "slow.txt"}]}}, base_dir=tmp_path))
    assert off.trace["time"][1] >= 1.0
    assert np.array_equal(off.trace["rel_err"], ref.trace["rel_err"])
    compute = np.diff(ref.trace["time"]) - 1e-3          # one latency per round
    assert np.allclose(np.diff(slow.trace["time"]) - 1e-3, 2 * compute, rtol=1e-9)


def test_link_profile_in_a_scenario(tmp_path):
    """A bandwidth profile on all links slows the run; a missing file names the key."""
    _write(tmp_path, "bw.txt", "0 1e5\n")
    base = {"network": {"agents": 4, "links": {"bandwidth": "10 Mbit/s"}},
            "problem": {"kind": "least_squares"}, "algorithm": {"name": "admm"},
            "stop": {"rounds": 5}}
    fast = netsim.run(from_dict(base, base_dir=tmp_path))
    slow = netsim.run(from_dict({**base, "network": {**base["network"], "profile": [
        {"links": "all", "bandwidth": "bw.txt"}]}}, base_dir=tmp_path))
    per_round = 20 * 64 * (1 / 1e5 - 1 / 1e7)   # one 20 x 64-bit message per link and round
    assert slow.trace["time"][-1] - fast.trace["time"][-1] == pytest.approx(5 * per_round)
    with pytest.raises(ScenarioError, match=r"network\.profile\[0\]\.latency"):
        netsim.run(from_dict({**base, "network": {**base["network"], "profile": [
            {"latency": "missing.txt"}]}}, base_dir=tmp_path))
    with pytest.raises(ScenarioError, match=r"network\.profile\[0\]\.bandwith"):
        from_dict({**base, "network": {**base["network"], "profile": [{"bandwith": "x"}]}})


def test_watchdog_ends_a_run_that_cannot_progress(tmp_path):
    """An agent switched off for good, while a looping link profile keeps events coming:
    the run ends as 'stalled' (after stop.stall of simulated time without any step)
    instead of running forever; the trace up to then is kept."""
    _write(tmp_path, "off.txt", "0 1\n0.05 0\n")
    _write(tmp_path, "bw.txt", "0 1e6\n0.5 2e6\nLOOPAFTER 0.5\n")
    data = {"network": {"agents": 4, "links": {"latency": "1 ms"},
                        "profile": [{"bandwidth": "bw.txt"}]},
            "compute": {"solve_time": "10 ms", "profile": [{"agents": [0], "state": "off.txt"}]},
            "problem": {"kind": "least_squares"}, "algorithm": {"name": "admm"},
            "stop": {"rounds": 100}}
    res = netsim.run(from_dict(data, base_dir=tmp_path))
    assert res.summary["end"] == "stalled" and 2 <= res.summary["rounds"] < 100
    res = netsim.run(from_dict({**data, "stop": {"rounds": 100, "stall": "2 s"}},
                               base_dir=tmp_path))
    assert res.summary["end"] == "stalled"
    with pytest.raises(ScenarioError, match="stop.stall"):
        from_dict({"stop": {"stall": "-1 s"}})
