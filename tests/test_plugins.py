"""Third-party algorithms through entry points (netsim.plugins), with the worked example of
docs/extending.md: EXTRA in examples/netsim-extra. "Installed" here means a distribution's
metadata (a .dist-info folder with entry_points.txt) on the path, which is what
``pip install`` leaves behind; the package itself is imported from examples/."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import netsim
from netsim.scenario import from_dict
from netsim.simulate import build

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "netsim-extra"


def _install(tmp_path, name, entry_points):
    """A distribution ``name`` whose metadata declares ``entry_points`` (group -> lines)."""
    info = tmp_path / f"{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "".join(f"[{group}]\n" + "".join(f"{line}\n" for line in lines)
                for group, lines in entry_points.items()))
    return tmp_path


@pytest.fixture
def extra(tmp_path, monkeypatch):
    """netsim-extra installed (metadata + package on sys.path) in this process."""
    site = _install(tmp_path, "netsim_extra", {"netsim.algorithms": ["extra = netsim_extra:EXTRA"]})
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(site))
    return site


def _scenario(alg, rounds=30, **more):
    return from_dict({"name": "extra", "seed": 3,
                      "network": {"topology": "erdos_renyi", "agents": 6, "p": 0.5},
                      "problem": {"kind": "logistic", "samples_per_agent": 30, "features": 5,
                                  "regularization": 0.05},
                      "algorithm": alg, "stop": {"rounds": rounds},
                      "output": {"iterates": True, "plots": False}, **more})


def _extra_matrix_form(sim, eta, rounds):
    """EXTRA, all agents at once: X^1 = W X^0 - eta G(X^0), X^{k+2} = (I + W) X^{k+1} -
    (I + W)/2 X^k - eta (G(X^{k+1}) - G(X^k)); G from the closed-form logistic gradient."""
    from matrix_reference import full_grads

    from netsim.network.topology import metropolis_weights

    data = [(a.A, a.b, a.reg) for a in sim.problem.agents]
    W = metropolis_weights(sim.graph).toarray()
    eye = np.eye(W.shape[0])
    X0 = sim.x0
    X1 = W @ X0 - eta * full_grads("logistic", data, X0)
    out = [X0, X1]
    for _ in range(rounds - 1):
        Xp, X = out[-2], out[-1]
        out.append((eye + W) @ X - 0.5 * (eye + W) @ Xp
                   - eta * (full_grads("logistic", data, X) - full_grads("logistic", data, Xp)))
    return np.array(out)


def test_extra_matches_its_matrix_form(extra):
    """The plugin, run by netsim on ideal links, equals EXTRA's stacked recursion to 1e-12
    every round, and it converges to the problem's optimum (exact method)."""
    sc = _scenario({"name": "extra", "eta": 0.3, "batch": "all"}, rounds=30)
    sim = build(sc)
    res = netsim.run(sc)
    ref = _extra_matrix_form(sim, 0.3, 30)
    np.testing.assert_allclose(res.iterates, ref, rtol=0, atol=1e-12)
    assert np.abs(res.iterates[-1] - res.iterates[0]).max() > 1e-3
    long = netsim.run(_scenario({"name": "extra", "eta": 0.3, "batch": "all"}, rounds=400))
    assert long.summary["final"]["rel_err"] < 1e-8


def test_extra_under_asynchrony_and_losses_on_both_engines(extra, monkeypatch):
    """The plugin runs wherever a built-in algorithm does: continuous compute noise (groups
    of one), dropped messages, compression; both engines give the same bits."""
    sc = _scenario({"name": "extra", "eta": 0.2, "batch": 5,
                    "compressor": {"name": "quantizer", "bits": 8}}, rounds=40,
                   compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}})
    sc = sc.with_overrides({"network.links": {"loss": 0.1, "on_loss": "drop"}})
    out = {}
    for engine in ("batched", "reference"):
        monkeypatch.setenv("NETSIM_ENGINE", engine)
        out[engine] = netsim.run(sc)
    assert np.array_equal(out["batched"].iterates, out["reference"].iterates)
    assert out["batched"].summary["network"]["drops"] > 0


def _cli(args, site, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(EXAMPLE)])}
    return subprocess.run([sys.executable, "-m", "netsim", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_netsim_list_and_run_use_the_installed_plugin(extra, tmp_path):
    (tmp_path / "extra.toml").write_text(
        'name = "extra-ring"\n[network]\nagents = 8\ntopology = "ring"\n'
        '[problem]\nkind = "logistic"\n[algorithm]\nname = "extra"\neta = 0.2\n'
        '[stop]\nrounds = 20\n[output]\nplots = false\n')
    listed = _cli(["list", "algorithms"], extra, tmp_path)
    assert listed.returncode == 0 and "extra" in listed.stdout
    assert "netsim_extra:EXTRA" in listed.stdout
    ran = _cli(["run", "extra.toml", "--out", str(tmp_path / "out"), "--quiet"], extra,
               tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out").exists()


def test_a_broken_plugin_is_a_one_line_error(tmp_path):
    site = _install(tmp_path, "broken", {"netsim.algorithms": ["gone = no_such_module:THING",
                                                             "wrong = json:dumps"]})
    (tmp_path / "s.toml").write_text('name = "b"\n[algorithm]\nname = "gone"\n')
    (tmp_path / "w.toml").write_text('name = "w"\n[algorithm]\nname = "wrong"\n')
    for f, cause in (("s.toml", "ModuleNotFoundError"), ("w.toml", "not an AlgorithmInfo")):
        r = _cli(["run", f, "--quiet", "--out", str(tmp_path / "o")], site, tmp_path)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert "algorithm.name" in r.stderr and cause in r.stderr, r.stderr


def test_plugins_load_only_when_named(tmp_path, monkeypatch):
    """An installed but broken plugin changes nothing for scenarios that do not name it; a
    built-in name is never looked up among the plugins."""
    from netsim import plugins

    site = _install(tmp_path, "broken", {"netsim.algorithms": ["gone = no_such_module:X",
                                                             "lead = no_such_module:Y"]})
    monkeypatch.syspath_prepend(str(site))
    installed = plugins.available("algorithms")
    assert installed["gone"] == "no_such_module:X" and installed["lead"] == "no_such_module:Y"
    res = netsim.run(_scenario({"name": "lead"}, rounds=3))
    assert res.summary["rounds"] == 3
    with pytest.raises(netsim.errors.ScenarioError, match="algorithm.name must be one of"):
        _scenario({"name": "nothing-installed"})


def test_a_compressor_plugin_is_written_once_as_rows(tmp_path, monkeypatch):
    """A third-party compressor (group netsim.compressors): one ``rows`` function; netsim
    derives ``update`` and runs it on both engines alike, wrapped in error feedback."""
    (tmp_path / "signcomp.py").write_text(
        "import numpy as np\n"
        "from netsim.compression import Compressor\n"
        "def make(spec, dim, key):\n"
        "    def rows(V, rngs, states=None):\n"
        "        s = np.abs(V).mean(axis=1, keepdims=True)\n"
        "        return s * np.sign(V), V.shape[1] + 32, states\n"
        "    return Compressor('sign', lambda d: None, rows, lambda d: 1.0, False, {})\n")
    site = _install(tmp_path, "signcomp", {"netsim.compressors": ["sign = signcomp:make"]})
    monkeypatch.syspath_prepend(str(site))
    sc = _scenario({"name": "choco-sgd", "compressor": {"name": "sign",
                                                        "error_feedback": True}}, rounds=15,
                   compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}})
    out = {}
    for engine in ("batched", "reference"):
        monkeypatch.setenv("NETSIM_ENGINE", engine)
        out[engine] = netsim.run(sc)
    assert np.array_equal(out["batched"].iterates, out["reference"].iterates)
    assert out["batched"].summary["bits"] == 15 * 2 * out["batched"].summary["edges"] * 37
    from netsim.compression.registry import list_compressors
    assert ("sign", "[plugin signcomp:make]") in list_compressors()
