"""Scenario.base(): a file's scenario without its [[variant]]s."""

import netsim
from netsim.scenario import from_dict

FILE = {
    "name": "b",
    "network": {"agents": 4},
    "algorithm": {"name": "lt-admm", "tau": 3},
    "variant": [{"label": "lead", "algorithm": {"name": "lead", "eta": 0.1}},
                {"label": "tau 7", "algorithm": {"tau": 7}}],
}


def test_base_drops_the_variants_and_keeps_what_the_file_states():
    sc = from_dict(FILE)
    base = sc.base()
    assert "variant" not in base.data and base.label == ""
    assert base.data["algorithm"]["name"] == "lt-admm" and base.data["algorithm"]["tau"] == 3
    assert sc.variants()[1].data["algorithm"]["tau"] == 7
    assert base.data == from_dict({k: v for k, v in FILE.items() if k != "variant"}).data
    assert sc.data["variant"]                      # the scenario itself is unchanged


def test_base_of_a_scenario_without_variants_is_itself_and_runs():
    sc = from_dict({k: v for k, v in FILE.items() if k != "variant"})
    assert sc.base() is sc
    res = netsim.run(from_dict({**FILE, "stop": {"rounds": 2}}).base())
    assert res.summary["rounds"] == 2 and res.summary["algorithm"] == "lt-admm"
