"""The teaching view's settings table says how rounds wait (asynchronous peer rounds) and
what drives the asynchrony (compute noise)."""

import pytest

import netsim
from netsim.scenario import from_dict
from netsim.viewlayout import settings

_BASE = {"seed": 1, "network": {"agents": 6, "topology": "ring"},
         "problem": {"kind": "least_squares"}, "stop": {"rounds": 8},
         "compute": {"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}}}


def _rows(alg):
    sc = from_dict({**_BASE, "algorithm": alg})
    res = netsim.run(sc)
    return dict(settings(sc.data, res.summary)), res


def test_asynchronous_rounds_show_the_wait_policy_and_staleness():
    rows, res = _rows({"name": "admm", "wait": {"neighbours": 1, "delay_bound": 3}})
    hist = {int(k): v for k, v in res.summary["async"]["staleness"].items()}
    mean = sum(k * v for k, v in hist.items()) / sum(hist.values())
    assert rows["wait"] == (f"waits for 1 neighbour's value; uses values at most 2 rounds "
                            f"old (delay bound 3); ahead = hold; staleness mean {mean:.2f}, "
                            f"max {max(hist)}")
    assert max(hist) <= 2                      # what the row says holds in the run
    assert "noise lognormal mean 1.0 sigma 0.3" in rows["compute"]


def test_synchronous_rounds_say_so():
    rows, _ = _rows({"name": "admm"})
    assert rows["wait"] == "every neighbour's value of the round (synchronous rounds)"


@pytest.mark.parametrize("wait, says", [
    ({"neighbours": 2, "delay_bound": 1}, "delay bound 1 with ahead = hold: every "
                                          "neighbour's value (synchronous)"),
    ({"neighbours": 1, "delay_bound": 2}, "uses values at most 1 round old (delay bound 2)"),
    ({"neighbours": 1, "delay_bound": "inf"}, "values of any age (no delay bound)")])
def test_the_wait_row_states_the_delay_bound_as_the_runner_applies_it(wait, says):
    rows, res = _rows({"name": "admm", "wait": wait})
    assert says in rows["wait"]
    hist = {int(k): v for k, v in res.summary["async"]["staleness"].items()}
    d = wait.get("delay_bound")
    if d != "inf":
        assert max(hist) <= d - 1

