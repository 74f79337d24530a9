"""Scenario loading: defaults, unknown keys with suggestions, overrides, TOML round trip."""

import pytest

from netsim.errors import ScenarioError
from netsim.scenario import dump_toml, from_dict, load, parse_override

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib


def test_defaults_are_filled_in():
    """An empty scenario resolves to the documented defaults."""
    sc = from_dict({})
    d = sc.data
    assert d["seed"] == 0
    assert d["network"]["topology"] == "ring" and d["network"]["agents"] == 10
    assert d["network"]["links"]["on_loss"] == "drop"
    assert d["algorithm"]["compressor"] == {"name": "none"}
    assert d["stop"]["rounds"] == 1000 and d["stop"]["metric"] == "rel_err"


def test_unknown_key_suggests_the_near_one():
    """A typo names the dotted key and suggests the right spelling."""
    with pytest.raises(ScenarioError) as e:
        from_dict({"network": {"links": {"bandwith": "1 Mbit/s"}}})
    msg = str(e.value)
    assert "network.links.bandwith" in msg and "did you mean 'bandwidth'" in msg


def test_algorithm_parameters_are_per_algorithm():
    """tau is a key of lt-admm, not of admm."""
    from_dict({"algorithm": {"name": "lt-admm", "tau": 3}})
    with pytest.raises(ScenarioError, match="algorithm.tau"):
        from_dict({"algorithm": {"name": "admm", "tau": 3}})


def test_source_file_is_named(tmp_path):
    """Errors from a file start with the file's path."""
    f = tmp_path / "bad.toml"
    f.write_text("[stop]\nrounds = 0\n")
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert str(e.value).startswith(str(f)) and "stop.rounds" in str(e.value)


def test_name_defaults_to_file_stem(tmp_path):
    """name = the file's stem when not given."""
    f = tmp_path / "my-run.toml"
    f.write_text("")
    assert load(f).name == "my-run"


@pytest.mark.parametrize("text,expect", [
    ("algorithm.tau=5", ("algorithm.tau", 5)),
    ("network.links.latency=5 ms", ("network.links.latency", "5 ms")),
    ('network.links.latency="5 ms"', ("network.links.latency", "5 ms")),
    ("output.plots=false", ("output.plots", False)),
    ("stop.target=1e-8", ("stop.target", 1e-8)),
])
def test_parse_override(text, expect):
    """--set values are read as TOML, or as a plain string."""
    assert parse_override(text) == expect


def test_override_applied_and_validated(tmp_path):
    """Overrides go through the same validation as the file."""
    f = tmp_path / "s.toml"
    f.write_text("")
    assert load(f, {"algorithm.tau": 7}).data["algorithm"]["tau"] == 7
    with pytest.raises(ScenarioError, match="algorithm.tau"):
        load(f, {"algorithm.tau": -1})


def test_resolved_toml_round_trips():
    """dump_toml(resolved) parses back to the same data and resolves to itself."""
    sc = from_dict({"name": "x", "network": {"topology": "erdos_renyi", "p": 0.5,
                                             "links": {"jitter": {"dist": "uniform",
                                                                  "low": "0 ms", "high": "1 ms"}}},
                    "sweep": {"algorithm.tau": [1, 2]},
                    "variant": [{"label": "a", "algorithm": {"name": "admm"}}]})
    text = dump_toml(sc.data)
    back = tomllib.loads(text)
    assert back == sc.data
    assert from_dict(back).data == sc.data


def test_variants_merge_over_the_base():
    """Each [[variant]] is the base scenario with its tables merged in, labelled."""
    sc = from_dict({"algorithm": {"name": "lt-admm", "tau": 2},
                    "network": {"agents": 6},
                    "variant": [{"label": "big tau", "algorithm": {"tau": 9}},
                                {"label": "ring", "network": {"topology": "ring"}}]})
    a, b = sc.variants()
    assert a.label == "big tau" and a.data["algorithm"]["name"] == "lt-admm"
    assert a.data["algorithm"]["tau"] == 9
    assert b.data["algorithm"]["tau"] == 2 and b.data["network"]["agents"] == 6
    assert b.data["network"]["topology"] == "ring"
    assert "variant" not in a.data


def test_variant_switching_algorithm_starts_the_table_afresh():
    """A variant that changes algorithm.name replaces the table (the old algorithm's step
    sizes mean something else, or nothing, to the new one) but keeps compressor, batch, x0."""
    sc = from_dict({"algorithm": {"name": "lt-admm-cc", "tau": 2, "gamma": 0.05,
                                  "compressor": {"name": "quantizer", "bits": 2}},
                    "variant": [{"label": "lead", "algorithm": {"name": "lead", "eta": 0.04}},
                                {"label": "8-bit", "algorithm": {
                                    "compressor": {"name": "quantizer", "bits": 8}}}]})
    lead, eight = sc.variants()
    assert lead.data["algorithm"]["name"] == "lead"
    assert "tau" not in lead.data["algorithm"]
    assert lead.data["algorithm"]["gamma"] == 1.0          # LEAD's default, not LT-ADMM-CC's 0.05
    assert lead.data["algorithm"]["compressor"] == {"name": "quantizer", "bits": 2}
    assert eight.data["algorithm"]["tau"] == 2
    assert eight.data["algorithm"]["compressor"]["bits"] == 8


def test_switch_keeps_parameters_with_a_shared_definition():
    """tau means the same in lt-admm and lt-admm-vr, P and tau the same in async-admm and
    qadmm: they carry over a switch (variants and --set alike)."""
    sc = from_dict({"algorithm": {"name": "lt-admm", "tau": 2, "gamma": 0.01},
                    "variant": [{"label": "vr", "algorithm": {"name": "lt-admm-vr"}}]})
    (vr,) = sc.variants()
    assert vr.data["algorithm"]["tau"] == 2 and vr.data["algorithm"]["gamma"] == 0.01
    q = from_dict({"network": {"agents": 8},
                   "algorithm": {"name": "qadmm", "P": 4, "tau": 3, "error_feedback": False}})
    a = q.with_overrides({"algorithm.name": "async-admm", "algorithm.rho": 2.0})
    assert (a.data["algorithm"]["P"], a.data["algorithm"]["tau"]) == (4, 3)
    assert a.data["algorithm"]["rho"] == 2.0 and "error_feedback" not in a.data["algorithm"]


def test_variant_labels_must_be_unique():
    """Two variants with one label are rejected."""
    with pytest.raises(ScenarioError, match="variant"):
        from_dict({"variant": [{"label": "a"}, {"label": "a"}]})


def test_bool_is_not_an_integer():
    """true is not accepted where an integer is expected."""
    with pytest.raises(ScenarioError, match="network.agents"):
        from_dict({"network": {"agents": True}})
