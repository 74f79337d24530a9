"""The teaching view's settings table says how rounds wait (asynchronous peer rounds) and
what drives the asynchrony (compute noise)."""

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
    assert rows["wait"] == (f"each round waits for 1 neighbour's value, none older than 3 "
                            f"rounds (ahead = hold); staleness mean {mean:.2f}, "
                            f"max {max(hist)}")
    assert "noise lognormal mean 1.0 sigma 0.3" in rows["compute"]


def test_synchronous_rounds_say_so():
    rows, _ = _rows({"name": "admm"})
    assert rows["wait"] == "every neighbour's value of the round (synchronous rounds)"
