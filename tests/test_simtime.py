"""Integer simulated time (netsim/simtime.py): the rounding rule, the same-instant order, and
the cases that float time got wrong (tests/data/time/, copied from ../shared/cases/time/):
a message arriving exactly at its deadline is in time; an agent-round times out exactly when
one of its messages was dropped; a result arriving while the server computes belongs to the
next round."""

import collections
import decimal
import math
import pathlib

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle.process_engine import run_on

import netsim
from netsim.errors import ScenarioError
from netsim.network.links import LinkSpec
from netsim.network.profiles import Profile, drive
from netsim.network.transport import Network
from netsim.rng import Streams
from netsim.simtime import ARRIVAL, DEADLINE, PROFILE, STEP, TICKS_PER_S, Alarm, seconds, ticks

DATA = pathlib.Path(__file__).with_name("data") / "time"
#: netsim's engine and the event-driven oracle (tests/oracle/process_engine.py)
ENGINES = ("batched", "process")


def _run(name, engine, monkeypatch, **over):
    return run_on(engine, DATA / name, **over)


def test_ticks_round_to_nearest_with_ties_to_even():
    assert ticks(0.1) == 10 ** 11 and ticks(0.3) == 3 * 10 ** 11
    assert ticks(320 / 1600) == 2 * 10 ** 11
    assert ticks(2.5e-12) == 2 and ticks(3.5e-12) == 4 and ticks(0.4e-12) == 0
    assert ticks(math.inf) == math.inf
    assert ticks(1e15) == round(1e15 * 1e12)                  # the longest duration
    for bad in (1e15 * 1.0000001, 1e300, math.nan, -math.inf):
        with pytest.raises(ScenarioError, match="at most 1e"):
            ticks(bad)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 15 - 1))
def test_seconds_print_as_the_exact_decimal_below_1000_s(t):
    """Below 1000 s a time has at most 15 significant digits: the double's shortest repr (what
    trace.csv holds) is the exact decimal number of seconds."""
    text = repr(seconds(t))
    assert decimal.Decimal(text) * TICKS_PER_S == t


@pytest.mark.parametrize("engine", ENGINES)
def test_message_arriving_at_its_deadline_is_in_time(engine, monkeypatch):
    """0.1 s + 320 bit / 1600 bit/s = 0.3 s = the timeout: every round alike, none late, the
    40th ends at exactly 12 s (float time: 8 rounds dropped everything, 11.999999999999982)."""
    res = _run("deadline_equals_arrival.toml", engine, monkeypatch)
    net = res.summary["network"]
    assert res.summary["end"] == "rounds" and res.summary["rounds"] == 40
    assert net["timeouts"] == 0 and net["late"] == 0 and net["drops"] == 0
    assert list(res.trace["time"]) == [k * 3 / 10 for k in range(41)]
    assert res.trace["time"][-1] == 12.0
    assert {ticks(ta) - ticks(ts) for _, _, _, ts, ta, _, _ in res.messages} == {ticks(0.3)}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_agent_round_times_out_exactly_when_a_message_was_dropped(engine, monkeypatch):
    """Zero latency, infinite bandwidth, 30 % loss: every delivered message arrives at its send
    instant, which is its receiver's deadline instant; all are used (none late), and the
    agent-rounds that time out are exactly those with a dropped incoming message."""
    res = _run("same_instant.toml", engine, monkeypatch)
    dropped = set()
    for src, dst, bits, ts, ta, lost, rnd in res.messages:
        if lost:
            dropped.add((dst, rnd))
        else:
            assert ta == ts
    net = res.summary["network"]
    assert net["late"] == 0
    assert net["drops"] > 0 and len(dropped) > 0
    # an agent missing a message must time out, so dropped <= timed out; equal counts: equal sets
    assert net["timeouts"] == len(dropped)


def test_both_engines_agree_on_the_same_instant_case(monkeypatch):
    a = _run("same_instant.toml", "batched", monkeypatch)
    b = _run("same_instant.toml", "process", monkeypatch)
    for c in a.trace:
        assert np.array_equal(a.trace[c], b.trace[c], equal_nan=True), c
    assert a.messages == b.messages


def test_result_arriving_while_the_server_computes_waits_for_the_next_round():
    """server_time = 4 ms: a result that arrives during round 5's computation is not in round
    5's z (err_max 0.061809, not 0.061277), and round 6 differs from round 5."""
    res = netsim.run(DATA / "server_time_round.toml")
    err = res.trace["err_max"]
    assert err[5] == pytest.approx(0.061809, abs=5e-7)
    assert err[6] != err[5]
    assert res.updates is not None
    times = {r: t for r, t, _, _ in res.updates}
    # every absorbed result arrived before its round started: no round absorbs a result whose
    # worker was still computing (the straggler's results enter the round after they arrive)
    assert sorted(times) == list(range(1, len(times) + 1))


def test_results_arriving_at_the_instant_a_server_round_starts_are_in_it():
    """P = 1 and two workers whose results arrive at the same instant: round 1 absorbs both
    (the round starts in the STEP phase, after every arrival of the instant)."""
    data = {"name": "tie", "seed": 0, "network": {"agents": 3, "links": {"latency": "1 ms"}},
            "compute": {"solve_time": "10 ms", "stragglers": {"agents": [2], "slowdown": 3}},
            "problem": {"kind": "lasso", "samples_per_agent": 20, "features": 5,
                        "regularization": 0.01},
            "algorithm": {"name": "async-admm", "P": 1, "tau": "inf"},
            "stop": {"rounds": 3}, "output": {"plots": False}}
    res = netsim.run(netsim.scenario.from_dict(data))
    assert res.trace["active"][1] == 2
    assert sorted(w for r, _, w, _ in res.updates if r == 1) == [0, 1]


def test_a_profile_change_applies_to_a_send_at_the_same_instant():
    """Bandwidth 1 Mbit/s -> 0.5 Mbit/s at 0.5 s; a message handed over at exactly 0.5 s (a
    STEP event, scheduled before the profile's event) uses the new bandwidth."""
    env = simpy.Environment()
    net = Network(env, {(0, 1): LinkSpec(bandwidth=1e6)}, Streams(0))
    got = {}
    net.attach(1, lambda src, tag, k: got.__setitem__(k, env.now))
    Alarm(env, ticks(0.5), STEP).callbacks.append(lambda _e: net.send(0, 1, "m", 1000))
    env.process(drive(env, Profile(((0.5, 0.5e6),)), lambda v: net.set_bandwidth((0, 1), v)))
    env.run()
    assert got["m"] == ticks(0.5) + ticks(1000 / 0.5e6)


def test_phases_order_same_instant_events():
    """Events of one instant run by phase, whatever the order they were scheduled in."""
    env = simpy.Environment()
    seen = []
    for phase in (DEADLINE, STEP, ARRIVAL, PROFILE):
        Alarm(env, 7, phase).callbacks.append(lambda _e, p=phase: seen.append(p))
    env.run()
    assert seen == [PROFILE, ARRIVAL, STEP, DEADLINE] and env.now == 7


def test_stop_time_keeps_what_happens_at_that_instant(monkeypatch):
    """stop.time = 3 s and a round ends at exactly 3 s: that round is recorded, end = time."""
    res = _run("deadline_equals_arrival.toml", "batched", monkeypatch,
               **{"stop.time": 3.0, "stop.rounds": 100})
    assert res.summary["end"] == "time" and res.summary["rounds"] == 10
    assert res.trace["time"][-1] == 3.0


def test_a_loop_period_below_one_tick_is_refused():
    env = simpy.Environment()
    with pytest.raises(ScenarioError, match="at least one tick"):
        drive(env, Profile(((0.0, 1.0),), loop_after=1e-300), lambda v: None)


def test_messages_csv_rows_are_sorted_by_send_time_then_sender(monkeypatch):
    res = _run("same_instant.toml", "batched", monkeypatch)
    keys = [(ts, src) for src, _, _, ts, _, _, _ in res.messages]
    assert keys == sorted(keys)
    per_sender = collections.defaultdict(list)
    for m in res.messages:
        per_sender[m[0]].append(m[6])
    assert all(r == sorted(r) for r in per_sender.values())     # each sender's own order kept


@pytest.mark.parametrize("engine", ENGINES)
def test_queued_messages_keep_the_closed_form_and_the_tie_rule(engine, monkeypatch):
    """Three messages queued on a 4800 bit/s uplink take 320/4800 s each (not a whole number
    of ps): the queue sums the durations of its busy period before rounding, so the third
    leaves at exactly 0.2 s and arrives at the 0.3 s deadline, in time, every round (rounding
    each duration gave 0.300000000001 s: 80 late messages)."""
    res = _run("queued_uplink_deadline.toml", engine, monkeypatch)
    net = res.summary["network"]
    assert net["late"] == 0 and net["timeouts"] == 0
    assert res.trace["time"][-1] == 12.0


def test_k_back_to_back_messages_end_at_k_bits_over_bandwidth():
    env = simpy.Environment()
    net = Network(env, {(0, 1): LinkSpec(bandwidth=4800.0)}, Streams(0))
    got = []
    net.attach(1, lambda src, tag, k: got.append(env.now))
    for k in range(7):
        net.send(0, 1, k, 320)
    env.run()
    assert got == [round((k + 1) * 320 * TICKS_PER_S / 4800) for k in range(7)]
