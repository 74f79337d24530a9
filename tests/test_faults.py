"""Injected faults, one test per type, each with its documented outcome (docs/faults.md):
agent crash (with and without recovery), link down/up, network partition, server crash."""

import numpy as np
import pytest

import netsim
from netsim.scenario import from_dict


def _w(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return name


PEER = {"network": {"agents": 6, "topology": "ring", "links": {"latency": "1 ms"}},
        "problem": {"kind": "least_squares"}, "algorithm": {"name": "admm"},
        "compute": {"solve_time": "5 ms"}, "stop": {"rounds": 60}}


def _run(data, tmp_path):
    return netsim.run(from_dict(data, base_dir=tmp_path))


def test_agent_crash_for_good_ends_stalled_with_the_trace_kept(tmp_path):
    """Lossless links: neighbours wait for the crashed agent forever; the watchdog ends the
    run as 'stalled' and the records before the crash are kept."""
    off = _w(tmp_path, "crash.txt", "0 1\n0.1 0\n")
    res = _run({**PEER, "compute": {**PEER["compute"],
                                    "profile": [{"agents": [2], "state": off}]}}, tmp_path)
    assert res.summary["end"] == "stalled"
    assert 5 <= res.summary["rounds"] < 60 and res.trace["time"][-1] <= 0.1 + 0.01


def test_agent_crash_with_recovery_changes_time_not_iterates(tmp_path):
    """Down from 0.1 s to 0.5 s, then back: on lossless links the run resumes; every
    iterate equals the fault-free run's (the agent's messages were only late)."""
    ref = _run(PEER, tmp_path)
    off = _w(tmp_path, "blip.txt", "0 1\n0.1 0\n0.5 1\n")
    res = _run({**PEER, "compute": {**PEER["compute"],
                                    "profile": [{"agents": [2], "state": off}]}}, tmp_path)
    assert res.summary["end"] == "rounds"
    assert np.array_equal(res.trace["rel_err"], ref.trace["rel_err"])
    assert res.trace["time"][-1] > ref.trace["time"][-1] + 0.35


def test_agent_crash_on_dropping_links_is_tolerated(tmp_path):
    """With on_loss = drop (receivers give up after a timeout), the others go on without the
    crashed agent's messages: the run ends normally, its error stays finite."""
    off = _w(tmp_path, "crash.txt", "0 1\n0.1 0\n")
    data = {**PEER, "network": {**PEER["network"],
                                "links": {"latency": "1 ms", "loss": 1e-9, "on_loss": "drop"}},
            "compute": {**PEER["compute"], "profile": [{"agents": [2], "state": off}]}}
    res = _run(data, tmp_path)
    assert res.summary["end"] == "stalled"        # the crashed agent never finishes a round
    assert res.summary["network"]["timeouts"] > 0
    assert np.all(np.isfinite(res.trace["rel_err"]))


def test_link_down_then_up_holds_messages(tmp_path):
    """One link down 0.1-0.3 s (on_down = hold): its messages wait and go when it is up; the
    iterates equal the fault-free run's, only later."""
    ref = _run(PEER, tmp_path)
    st = _w(tmp_path, "link.txt", "0.1 0\n0.3 1\n")
    res = _run({**PEER, "network": {**PEER["network"],
                                    "profile": [{"links": [[0, 1]], "state": st}]}}, tmp_path)
    assert np.array_equal(res.trace["rel_err"], ref.trace["rel_err"])
    assert res.trace["time"][-1] >= ref.trace["time"][-1] + 0.15


def test_network_partition_heals(tmp_path):
    """A ring cut in two halves (edges 2-3 and 5-0 down) for 0.2 s: with hold, the halves
    wait for each other and the run completes as without the partition, 0.2 s later; with
    drop + retransmit it also completes (the lost messages are re-sent)."""
    ref = _run(PEER, tmp_path)
    st = _w(tmp_path, "cut.txt", "0.05 0\n0.25 1\n")
    cut = {"links": [[2, 3], [5, 0]], "state": st}
    held = _run({**PEER, "network": {**PEER["network"], "profile": [cut]}}, tmp_path)
    assert np.array_equal(held.trace["rel_err"], ref.trace["rel_err"])
    links = {"latency": "1 ms", "on_down": "drop", "on_loss": "retransmit", "timeout": "20 ms"}
    dropped = _run({**PEER, "network": {**PEER["network"], "links": links,
                                        "profile": [cut]}}, tmp_path)
    assert dropped.summary["end"] == "rounds"
    assert dropped.summary["network"]["drops"] > 0
    assert np.array_equal(dropped.trace["rel_err"], ref.trace["rel_err"])


@pytest.mark.parametrize("profile,end", [("0 1\n0.02 0\n", "stalled"),
                                         ("0 1\n0.02 0\n0.6 1\n", "target")])
def test_server_crash(tmp_path, profile, end):
    """The server stops updating at 0.02 s: without recovery the workers idle and the run ends
    'stalled'; with recovery at 0.6 s it reaches the target."""
    f = _w(tmp_path, "srv.txt", profile)
    data = {"network": {"agents": 4, "links": {"latency": "1 ms"}},
            "problem": {"kind": "lasso", "samples_per_agent": 20, "features": 10},
            "algorithm": {"name": "async-admm", "P": 2, "tau": 3},
            "compute": {"solve_time": "5 ms", "profile": [{"agents": "server", "state": f}]},
            "stop": {"rounds": 2000, "target": 1e-8, "metric": "rel_objective_gap"}}
    res = _run(data, tmp_path)
    assert res.summary["end"] == end
    if end == "target":
        assert res.summary["target"]["time"] > 0.6


def test_a_slow_link_is_not_a_stall():
    """1 kbit/s links and 2000-dimensional models: every message takes 128 s, longer than the
    watchdog's 60 s floor; messages in flight are progress to come, so the run ends by its
    rounds with the true times (it used to end 'stalled after 0 rounds')."""
    data = {"seed": 1, "network": {"topology": "ring", "agents": 4,
                                   "links": {"bandwidth": "1 kbit/s"}},
            "problem": {"kind": "least_squares", "samples_per_agent": 5, "features": 2000},
            "algorithm": {"name": "admm"}, "stop": {"rounds": 3}}
    res = netsim.run(from_dict(data))
    assert res.summary["end"] == "rounds" and res.summary["rounds"] == 3
    per_round = 2000 * 64 / 1000                          # 128 s: one message per link
    assert res.trace["time"][1] >= per_round


def test_retransmissions_on_a_link_down_for_good_end_stalled(tmp_path):
    """A link that goes down for good with on_down = drop and on_loss = retransmit: its
    sender retransmits forever and nothing can progress; the run ends 'stalled' one quiet
    interval (stop.stall) after the last step, deterministically."""
    down = _w(tmp_path, "down.txt", "0 1\n0.05 0\n")
    data = {**PEER, "network": {**PEER["network"], "links": {
        "latency": "1 ms", "loss": 1e-9, "on_loss": "retransmit", "on_down": "drop"},
        "profile": [{"links": [[0, 1]], "state": down}]}, "stop": {"rounds": 60, "stall": "3 s"}}
    res = _run(data, tmp_path)
    assert res.summary["end"] == "stalled"
    assert res.summary["network"]["retransmissions"] > 100
    assert res.trace["time"][-1] <= 0.05 + 0.01
    again = _run(data, tmp_path)
    assert again.summary == {**res.summary, "runtime_s": again.summary["runtime_s"]}
