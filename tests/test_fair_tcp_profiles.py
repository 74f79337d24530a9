"""TCP sharing under a looping bandwidth profile ends (it never did: a reverse cross-traffic
flow's penalty went negative when the link's bandwidth rose, and max-min found no level);
max-min refuses penalties <= 0 instead of looping."""

import math
import subprocess
import sys
import textwrap

import pytest

from netsim.network.maxmin import maxmin_list

SCRIPT = textwrap.dedent("""
    import pathlib, sys
    import netsim
    from netsim.scenario import from_dict
    d = pathlib.Path(sys.argv[1])
    (d / "bw.txt").write_text("0 10e6\\n0.01 2e6\\n0.02 10e6\\nLOOPAFTER 0.01\\n")
    data = {"name": "tcp_loop", "seed": 3,
            "network": {"agents": 8, "topology": "erdos_renyi", "p": 0.4,
                        "links": {"bandwidth": "10 Mbit/s", "latency": "2 ms",
                                  "sharing": "fair", "model": "tcp"},
                        "profile": [{"links": "all", "bandwidth": "bw.txt"}]},
            "problem": {"kind": "logistic", "samples_per_agent": 30, "features": 12,
                        "regularization": 0.05},
            "algorithm": {"name": "lt-admm-vr", "tau": 3}, "stop": {"rounds": 40},
            "output": {"plots": False}}
    res = netsim.run(from_dict(data, base_dir=d))
    print(res.summary["end"], res.summary["rounds"])
""")


def test_tcp_with_a_looping_bandwidth_profile_ends(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["rounds", "40"]


@pytest.mark.parametrize("pen", [[1.0, -0.05], [0.0, 1.0], [math.nan, 1.0]])
def test_maxmin_refuses_penalties_that_are_not_positive(pen):
    with pytest.raises(ValueError, match="penalties > 0"):
        maxmin_list(pen, [math.inf] * 2, [(("a", 1.0),), (("a", 1.0),)], {"a": 3.0})
