"""Issue 19: the ``[algorithm] wait`` policy, the asynchronous peer runner and its staleness
records (docs/async.md)."""

import math
import pathlib

import numpy as np
import pytest

import netsim
from netsim.errors import ScenarioError
from netsim.monitor import TRACE_COLUMNS
from netsim.waitpolicy import WaitPolicy, parse_wait

CASE = pathlib.Path(__file__).parent / "data" / "async" / "ring8.toml"


def _run(**over):
    return netsim.run(CASE, **over)


# ------------------------------------------------------------------------------ parsing
def test_parse_wait_values():
    assert parse_wait("all") is None
    assert parse_wait({"neighbours": 2, "delay_bound": 3}) == WaitPolicy(2, 3, "hold")
    assert parse_wait({"neighbours": 2, "delay_bound": 3, "ahead": "use"}).ahead == "use"
    assert parse_wait({"neighbours": 1, "delay_bound": "inf"}).delay_bound == math.inf


@pytest.mark.parametrize("value, key, fragment", [
    ("some", "algorithm.wait", '"all" or a table'),
    (3, "algorithm.wait", '"all" or a table'),
    ({"neighbours": 0, "delay_bound": 2}, "algorithm.wait.neighbours", "integer >= 1"),
    ({"neighbours": True, "delay_bound": 2}, "algorithm.wait.neighbours", "integer >= 1"),
    ({"neighbours": 1, "delay_bound": 0}, "algorithm.wait.delay_bound", '"inf"'),
    ({"neighbours": 1, "delay_bound": 1.5}, "algorithm.wait.delay_bound", '"inf"'),
    ({"neighbours": 1, "delay_bound": "infinite"}, "algorithm.wait.delay_bound", '"inf"'),
    ({"neighbours": 1}, "algorithm.wait.delay_bound", "must be given"),
    ({"neighbours": 1, "delay_bound": 2, "tau": 3}, "algorithm.wait.tau", "not a key"),
    ({"neighbours": 1, "delay_bound": 2, "ahead": "skip"}, "algorithm.wait.ahead",
     '"hold" or "use"'),
])
def test_bad_wait_values_give_one_line_errors(value, key, fragment):
    with pytest.raises(ScenarioError) as e:
        netsim.load(CASE, {"algorithm.wait": value})
    msg = str(e.value)
    assert e.value.key == key and fragment in msg and "\n" not in msg


def test_neighbours_above_the_smallest_degree_is_refused():
    with pytest.raises(ScenarioError, match=r"algorithm.wait.neighbours must be an integer "
                                            r"in 1..2 .*got 3"):
        _run(**{"algorithm.wait": {"neighbours": 3, "delay_bound": 2}})


@pytest.mark.parametrize("name", ["dgd", "lead", "lt-admm-cc", "admm-server"])
def test_algorithms_needing_synchronized_rounds_refuse_a_policy(name):
    with pytest.raises(ScenarioError, match=r'algorithm.wait must be "all" for '
                                            rf"algorithm.name = '{name}'.*admm, lt-admm, "
                                            r"lt-admm-vr\); got"):
        netsim.load(CASE, {"algorithm.name": name,
                           "algorithm.wait": {"neighbours": 1, "delay_bound": 2}})


def test_all_is_the_default_and_not_stored():
    assert "wait" not in netsim.load(CASE).data["algorithm"]
    assert "wait" not in netsim.load(CASE, {"algorithm.wait": "all"}).data["algorithm"]
    sc = netsim.load(CASE, {"algorithm.wait": {"neighbours": 1, "delay_bound": "inf"}})
    assert sc.data["algorithm"]["wait"] == {"neighbours": 1, "delay_bound": "inf",
                                            "ahead": "hold"}


# ------------------------------------------------------------------- synchronous = today
@pytest.mark.parametrize("over", [
    {},
    {"algorithm.name": "lt-admm", "algorithm.batch": 4},
    {"network.links.loss": 0.2, "network.links.on_loss": "retransmit"},
])
def test_delay_bound_1_reproduces_the_synchronous_run_bit_for_bit(over):
    """The asynchronous runner with D = 1 (any K) waits for every neighbour's round-k message:
    today's columns equal those of ``wait = "all"`` (the batched engine) exactly."""
    sync = _run(**over)
    for k in (1, 2):
        asyn = _run(**over, **{"algorithm.wait": {"neighbours": k, "delay_bound": 1}})
        assert asyn.summary["async"]["delay_bound"] == 1
        for c in TRACE_COLUMNS:
            assert np.array_equal(np.asarray(sync.trace[c]), np.asarray(asyn.trace[c])), c
        assert set(asyn.trace["staleness_max"][1:]) == {0}      # record 0: no update (nan)
        # every bit sent by the record's instant: at least the bits of rounds <= k
        assert np.all(asyn.trace["bits_now"][1:] >= asyn.trace["bits"][1:])
        assert math.isnan(asyn.trace["staleness_max"][0])
        assert "staleness_max" not in sync.trace


# ------------------------------------------------------------------------- staleness
@pytest.mark.parametrize("D, ahead", [(2, "hold"), (4, "hold"), (2, "use"), (4, "use")])
def test_recorded_staleness_stays_below_the_delay_bound(D, ahead):
    r = _run(**{"algorithm.wait": {"neighbours": 1, "delay_bound": D, "ahead": ahead}})
    ups = np.array(r.updates, dtype=float)
    cols = list(r.update_columns)
    st = ups[:, cols.index("staleness")]
    assert st.max() == D - 1                       # the bound is reached, never exceeded
    lead = ups[:, cols.index("round")] - ups[:, cols.index("used_round")]
    assert np.array_equal(st, np.maximum(lead, 0))
    # "hold" uses no message from a neighbour's later round; "use" does (staleness 0)
    assert (lead.min() < 0) == (ahead == "use")
    hist = r.summary["async"]["staleness"]
    assert sum(hist.values()) == len(ups) and max(int(s) for s in hist) == D - 1
    # trace columns: per record k, over every value used in the round-k updates
    rounds = ups[:, cols.index("round")]
    for k, smax, smean in zip(r.trace["round"], r.trace["staleness_max"],
                              r.trace["staleness_mean"]):
        if k == 0:
            continue
        sel = st[rounds == k]
        assert smax == sel.max() and smean == pytest.approx(sel.mean(), rel=1e-12)


def test_asynchrony_emerges_from_timing():
    """With a 10x straggler, K = 1 and no bound, its neighbours run ahead: at the last record
    the straggler's values are many rounds old and agents' rounds spread apart."""
    r = _run(**{"algorithm.wait": {"neighbours": 1, "delay_bound": "inf"}})
    assert max(r.trace["staleness_max"][1:]) >= 10
    assert r.summary["async"]["superseded"] > 0


def test_updates_csv_is_written(tmp_path):
    r = _run(**{"algorithm.wait": {"neighbours": 1, "delay_bound": 2}, "stop.rounds": 5,
                "output.plots": False})
    out = r.write(tmp_path / "out")
    lines = (out / "updates.csv").read_text().splitlines()
    assert lines[0] == "agent,round,time,neighbour,used_round,staleness,fresh,timed_out"
    assert len(lines) - 1 == len(r.updates) == 5 * 8 * 2


def test_loss_timeout_overrides_the_delay_bound():
    """On dropping links a wait ends at the loss timeout; values then D or more rounds old are
    used and counted in stale_timeouts (flagged timed_out), apart from the bound."""
    r = _run(**{"algorithm.wait": {"neighbours": 2, "delay_bound": 1},
                "network.links.loss": 0.3, "network.links.on_loss": "drop"})
    ups = np.array(r.updates, dtype=float)
    cols = list(r.update_columns)
    over = ups[:, cols.index("timed_out")] == 1
    assert r.summary["async"]["stale_timeouts"] == int(over.sum()) > 0
    assert np.all(ups[over, cols.index("staleness")] >= 1)
    assert np.all(ups[~over, cols.index("staleness")] == 0)
    assert r.summary["network"]["timeouts"] > 0


def test_async_columns_are_defined_in_the_docs():
    import re

    from netsim.runners.asynchronous import ASYNC_COLUMNS, UPDATE_COLUMNS
    root = pathlib.Path(__file__).parent.parent
    metrics = (root / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert set(ASYNC_COLUMNS) <= set(re.findall(r"^\| `([a-z_]+)` \|", metrics, re.M))
    page = (root / "docs" / "async.md").read_text(encoding="utf-8")
    assert set(UPDATE_COLUMNS) <= set(re.findall(r"^\| `([a-z_]+)` \|", page, re.M))


@pytest.mark.parametrize("D", [2, 4])
def test_study_scenario_staleness_bound(D):
    """The study's scenario (one 10x straggler, 16-agent ring, lossless): every recorded
    staleness is at most D - 1, and the bound is reached."""
    study = pathlib.Path(__file__).parent.parent / "scenarios" / "async" / "straggler_ring.toml"
    r = netsim.run(study, **{"algorithm.wait.delay_bound": D, "stop.rounds": 40,
                             "output.plots": False})
    hist = {int(s): c for s, c in r.summary["async"]["staleness"].items()}
    assert max(hist) == D - 1 and r.summary["async"]["stale_timeouts"] == 0
    assert np.nanmax(r.trace["staleness_max"]) == D - 1


@pytest.mark.parametrize("ahead", ["hold", "use"])
def test_rel_err_now_is_the_error_of_the_latest_models(ahead):
    """rel_err_now at record k = rel_err of each agent's latest finished model at the record's
    time, rebuilt from agents.csv (finish times) and the round-k models of iterates."""
    r = _run(**{"algorithm.wait": {"neighbours": 1, "delay_bound": 3, "ahead": ahead},
                "stop.rounds": 30, "output.iterates": True, "output.messages": True,
                "output.plots": False})
    sim_problem = netsim.simulate.build(r.scenario).problem
    x_star = sim_problem.x_star
    X = r.iterates                                     # (records, agents, dim), round-k models
    rounds = [int(k) for k in r.trace["round"]]
    den = float(((X[0] - x_star) ** 2).sum())
    done = {}                                          # agent -> [(t_done, round)]
    for i, k, t in r.agents:
        done.setdefault(i, []).append((t, k))
    checked = 0
    for rec, (k, t_rec) in enumerate(zip(rounds, r.trace["time"])):
        if k == 0:
            continue
        latest = [max(kk for tt, kk in done[i] if tt <= t_rec) for i in range(X.shape[1])]
        if max(latest) > rounds[-1]:
            continue                                   # a model never recorded in iterates
        err = sum(float(((X[rounds.index(li), i] - x_star) ** 2).sum())
                  for i, li in enumerate(latest)) / den
        assert r.trace["rel_err_now"][rec] == pytest.approx(err, rel=1e-9, abs=1e-300)
        checked += 1
        if any(li > k for li in latest):
            checked += 100                             # some agent ahead: a real difference
    assert checked > 100


def test_a_written_async_run_reads_back_with_its_columns(tmp_path):
    from netsim.tables import read
    r = _run(**{"algorithm.wait": {"neighbours": 1, "delay_bound": 2}, "stop.rounds": 4,
                "output.plots": False})
    back = read(r.write(tmp_path / "a"))
    assert back.update_columns == tuple(r.update_columns)
    assert len(back.updates) == len(r.updates) == 4 * 8 * 2
    assert list(back.trace["staleness_max"][1:]) == list(r.trace["staleness_max"][1:])


@pytest.mark.parametrize("ahead", ["hold", "use"])
def test_lt_admm_vr_converges_exactly_in_asynchronous_rounds(ahead):
    """LT-ADMM-VR (SAGA) with stale edge variables still converges to x* (variance reduction
    is exact: no noise floor), with the staleness bound kept."""
    r = _run(**{"algorithm.name": "lt-admm-vr", "algorithm.wait":
                {"neighbours": 1, "delay_bound": 3, "ahead": ahead}, "stop.rounds": 100,
                "output.plots": False})
    err = r.trace["rel_err"]
    assert err[-1] < 1e-7 and err[-1] < 1e-2 * err[50]     # linear rate, no floor
    assert max(int(s) for s in r.summary["async"]["staleness"]) == 2


def test_a_run_can_stop_on_the_gods_eye_error_of_asynchronous_rounds():
    """stop.metric = "rel_err_now" (every agent's latest model at the record's instant) ends
    an asynchronous run when that error reaches the target, at a record where it does and
    not before; synchronous runs refuse the metric with one line."""
    wait = {"neighbours": 1, "delay_bound": "inf", "ahead": "use"}
    res = _run(**{"algorithm.wait": wait, "stop.rounds": 400, "stop.target": 1e-6,
                  "stop.metric": "rel_err_now"})
    now = res.trace["rel_err_now"]
    assert res.summary["end"] == "target" and now[-1] <= 1e-6 and np.all(now[1:-1] > 1e-6)
    assert res.summary["target"]["time"] == res.trace["time"][-1]
    with pytest.raises(ScenarioError, match="stop.metric must be a trace column of this run; "
                                            "'rel_err_now' exists only for asynchronous"):
        _run(**{"stop.target": 1e-6, "stop.metric": "rel_err_now"})


def test_agents_that_go_on_after_the_last_record_are_reported(tmp_path):
    """A tester's find: agent 0 crashes for good at 10 ms; the others go on to round 60 but
    records stop (the slowest agent never ends a round), so time and bits of the summary
    are the last record's. The async block says how far the agents went (from updates.csv)."""
    (tmp_path / "off.prof").write_text("0 1\n0.01 0\n", encoding="utf-8")
    res = netsim.run(netsim.scenario.from_dict({
        "name": "crash", "seed": 1, "network": {"agents": 6, "links": {"latency": "0.1 ms"}},
        "compute": {"gradient_time": "100 us",
                    "profile": [{"agents": [0], "state": "off.prof"}]},
        "problem": {"kind": "least_squares", "samples_per_agent": 10, "features": 3},
        "algorithm": {"name": "lt-admm", "batch": "all",
                      "wait": {"neighbours": 1, "delay_bound": "inf", "ahead": "use"}},
        "stop": {"rounds": 60}, "output": {"plots": False}}, None, tmp_path))
    a, s = res.summary["async"], res.summary
    assert s["end"] == "stalled" and s["rounds"] < 5
    assert a["rounds_max"] == 60 and a["time_end"] > 10 * s["time"]
    assert a["bits_end"] == sum(row[2] for row in res.links)        # every bit sent
    last = max(t for _i, _k, t, *_ in res.updates)
    assert a["time_end"] == last and a["bits_end"] > s["bits"]


def test_an_american_spelling_gets_a_did_you_mean():
    with pytest.raises(ScenarioError, match="algorithm.wait.neighbors is not a key of the wait "
                                            "policy.*did you mean 'neighbours'"):
        parse_wait({"neighbors": 1, "delay_bound": 2})
