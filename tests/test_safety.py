"""Scenario and data files are parsed, never evaluated; outputs stay inside the output dir."""

import numpy as np
import pytest

import netsim
from netsim.errors import ScenarioError
from netsim.scenario import from_dict


def test_pickled_npz_is_refused_not_unpickled(tmp_path):
    """An .npz holding an object array (which would need unpickling) is an error naming
    problem.data; nothing in it is executed."""
    np.savez(tmp_path / "evil.npz", A=np.array([object()], dtype=object), b=np.zeros(1))
    with pytest.raises(ScenarioError, match="problem.data"):
        netsim.run(from_dict({"problem": {"kind": "least_squares", "data": "evil.npz"},
                              "stop": {"rounds": 1}}, base_dir=tmp_path))
    np.savez(tmp_path / "x0.npz", x0=np.array([object()], dtype=object))
    with pytest.raises(ScenarioError, match="algorithm.x0"):
        netsim.run(from_dict({"algorithm": {"name": "admm", "x0": "x0.npz"},
                              "problem": {"kind": "least_squares"}, "stop": {"rounds": 1}},
                             base_dir=tmp_path))


@pytest.mark.parametrize("name", ["../up", "/abs", "a/b", "..", "."])
def test_names_cannot_escape_the_output_dir(name):
    with pytest.raises(ScenarioError, match="^name "):
        from_dict({"name": name})


def test_expressions_in_values_are_strings_not_code(tmp_path):
    """A value that looks like code is just an invalid value."""
    with pytest.raises(ScenarioError, match="network.links.bandwidth"):
        from_dict({"network": {"links": {"bandwidth": "__import__('os').system('true')"}}})
    with pytest.raises(ScenarioError, match="compute.noise"):
        from_dict({"compute": {"noise": {"dist": "eval", "expr": "1+1"}}})
