"""Stability warnings name the violated condition before the run (and are recorded)."""

import pathlib
import warnings

import netsim
from netsim.guards import StabilityWarning

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _warnings(path, over):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        sc = netsim.load(ROOT / path, {**over, "stop.rounds": 200}).base()
        res = netsim.run(sc)
    return [str(x.message) for x in w if issubclass(x.category, StabilityWarning)], res


def test_default_scenarios_do_not_warn():
    msgs, res = _warnings("scenarios/quickstart.toml", {})
    assert msgs == [] and res.summary["warnings"] == []


def test_degree_condition_warns_and_the_run_indeed_diverges():
    msgs, res = _warnings("scenarios/topology/topology_study.toml",
                          {"algorithm.rho": 1.0, "network.topology": "complete"})
    assert any("tau * beta * rho * d_max" in m and "3.75" in m for m in msgs)
    assert res.summary["end"] == "diverged" and res.summary["warnings"] == msgs


def test_gamma_above_one_over_2l_warns():
    msgs, _ = _warnings("scenarios/quickstart.toml", {"algorithm.gamma": 2.0})
    assert any("algorithm.gamma = 2 > 1/(2L)" in m for m in msgs)


def test_rand_k_reference_step_warns():
    msgs, _ = _warnings("scenarios/paper/fig_compressors.toml",
                        {"algorithm.name": "lt-admm-cc", "algorithm.eta": 1.0,
                         "algorithm.compressor": {"name": "rand_k", "k": 5}})
    assert any("algorithm.eta = 1" in m and "omega = 3" in m for m in msgs)


def test_qadmm_two_bits_warns():
    msgs, _ = _warnings("scenarios/paper/qadmm_lasso.toml",
                        {"algorithm.compressor": {"name": "dither", "bits": 2}})
    assert any("bits = 2 for qadmm" in m for m in msgs)


def test_cli_prints_one_warning_line(capsys, tmp_path):
    from netsim.cli import main
    rc = main(["run", str(ROOT / "scenarios/quickstart.toml"), "--set", "algorithm.gamma=2.0",
               "--set", "stop.rounds=3", "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err.splitlines()
    assert rc == 0 and any(e.startswith("netsim: warning: algorithm.gamma = 2") for e in err)
