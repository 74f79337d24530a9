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
from oracle.process_engine import run_on

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


def _plugin_module(tmp_path, monkeypatch, module, source, group, entry):
    """A one-module plugin distribution ``module``, installed on the path: its source, and
    metadata declaring the entry point ``entry`` ("name = module:attr") in ``group``."""
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(_install(tmp_path, module, {group: [entry]})))


@pytest.fixture
def extra(tmp_path, monkeypatch):
    """netsim-extra installed (metadata + package on sys.path) in this process."""
    site = _install(tmp_path, "netsim_extra", {
        "netsim.algorithms": ["extra = netsim_extra:EXTRA"],
        "netsim.topologies": ["ring_of_cliques = netsim_extra.topology:RING_OF_CLIQUES"]})
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
    of one), dropped messages, compression; the engine and the process oracle give the same
    bits."""
    sc = _scenario({"name": "extra", "eta": 0.2, "batch": 5,
                    "compressor": {"name": "quantizer", "bits": 8}}, rounds=40,
                   compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}})
    sc = sc.with_overrides({"network.links": {"loss": 0.1, "on_loss": "drop"}})
    out = {}
    for engine in ("batched", "process"):
        out[engine] = run_on(engine, sc)
    assert np.array_equal(out["batched"].iterates, out["process"].iterates)
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


def _ring_of_cliques_edges(n, size):
    """The expected edge set, written out independently of the plugin."""
    edges = set()
    starts = list(range(0, n, size))
    for s in starts:
        members = range(s, min(s + size, n))
        edges |= {(u, v) for u in members for v in members if u < v}
    for a, b in zip(starts, starts[1:] + starts[:1]):
        last = min(a + size, n) - 1
        edges.add((min(last, b), max(last, b)))
    return edges


def test_a_topology_plugin_is_listed_checked_and_run(extra, tmp_path):
    """netsim-extra's ring_of_cliques: `netsim list topologies` shows it without loading it,
    a scenario names it with its own parameter (checked, one-line errors), and the run's
    graph is the ring of cliques."""
    listed = _cli(["list", "topologies"], extra, tmp_path)
    assert listed.returncode == 0 and "ring_of_cliques" in listed.stdout
    assert "netsim_extra.topology:RING_OF_CLIQUES" in listed.stdout
    net = {"topology": "ring_of_cliques", "agents": 10, "size": 3}
    sc = from_dict({"name": "cliques", "network": net, "stop": {"rounds": 5},
                    "output": {"plots": False}})
    assert sc.data["network"]["size"] == 3
    sim = build(sc)
    assert {tuple(sorted(e)) for e in sim.graph.edges} == _ring_of_cliques_edges(10, 3)
    assert from_dict({"network": {"topology": "ring_of_cliques", "agents": 8}}
                     ).data["network"]["size"] == 4                      # its default
    res = netsim.run(sc)
    assert res.summary["rounds"] == 5 and res.summary["edges"] == len(
        _ring_of_cliques_edges(10, 3))
    with pytest.raises(netsim.errors.ScenarioError, match="network.size must be an integer "
                                                          "in 2..network.agents"):
        build(from_dict({"network": {**net, "size": 1}}))
    with pytest.raises(netsim.errors.ScenarioError, match="network.p"):
        from_dict({"network": {**net, "p": 0.5}})


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


def test_a_topology_plugin_of_the_wrong_type_is_a_one_line_error(tmp_path, monkeypatch):
    site = _install(tmp_path, "badtopo", {"netsim.topologies": ["bad = json:dumps"]})
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(netsim.errors.ScenarioError) as e:
        from_dict({"network": {"topology": "bad"}})
    msg = str(e.value)
    assert msg.startswith("network.topology names plugin 'bad'") and "\n" not in msg
    assert "is not a netsim.network.topology.Topology" in msg
    with pytest.raises(netsim.errors.ScenarioError, match="'edges', 'bad'; got 'nothing'"):
        from_dict({"network": {"topology": "nothing"}})


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
    _plugin_module(tmp_path, monkeypatch, "signcomp", (
        "import numpy as np\n"
        "from netsim.compression import Compressor\n"
        "def make(spec, dim, key):\n"
        "    def rows(V, rngs, states=None):\n"
        "        s = np.abs(V).mean(axis=1, keepdims=True)\n"
        "        return s * np.sign(V), V.shape[1] + 32, states\n"
        "    return Compressor('sign', lambda d: None, rows, lambda d: 1.0, False, {})\n"),
                   "netsim.compressors", "sign = signcomp:make")
    sc = _scenario({"name": "choco-sgd", "compressor": {"name": "sign",
                                                        "error_feedback": True}}, rounds=15,
                   compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}})
    out = {}
    for engine in ("batched", "process"):
        out[engine] = run_on(engine, sc)
    assert np.array_equal(out["batched"].iterates, out["process"].iterates)
    assert out["batched"].summary["bits"] == 15 * 2 * out["batched"].summary["edges"] * 37
    from netsim.compression.registry import list_compressors
    assert ("sign", "[plugin signcomp:make from signcomp 0.1.0]") in list_compressors()


def test_conflicting_and_shadowed_plugins_are_shown_and_never_guessed(tmp_path, monkeypatch):
    """Two packages registering one name: `netsim list` shows the conflict and a scenario
    naming it is a one-line error naming both (listing and loading once disagreed); a plugin
    named like a built-in is listed as not used, and the built-in runs."""
    from netsim import plugins
    from netsim.algorithms.registry import get_algorithm, list_algorithms

    a = _install(tmp_path / "a", "pkg_a", {"netsim.algorithms": ["gt = pkg_a:GT",
                                                               "lead = pkg_a:LEAD"]}) \
        if (tmp_path / "a").mkdir() is None else None
    b = _install(tmp_path / "b", "pkg_b", {"netsim.algorithms": ["gt = pkg_b:GT"]}) \
        if (tmp_path / "b").mkdir() is None else None
    monkeypatch.syspath_prepend(str(a))
    monkeypatch.syspath_prepend(str(b))
    listed = dict(list_algorithms())
    assert "CONFLICT" in listed["gt"] and "pkg_a:GT" in listed["gt"] and "pkg_b:GT" in listed["gt"]
    assert "not used, the built-in 'lead' takes precedence" in listed["lead (plugin)"]
    with pytest.raises(netsim.errors.ScenarioError,
                       match=r"algorithm.name names plugin 'gt', which several installed "
                             r"packages register .*pkg_[ab]:GT.*pkg_[ab]:GT"):
        get_algorithm("gt")
    assert get_algorithm("lead").name == "lead" and plugins.fingerprint("algorithms", "gt") is None


def test_an_edited_plugin_gets_a_new_run_id_and_is_recorded(extra, tmp_path, monkeypatch):
    """A newcomer edited a plugin and re-ran a sweep: it reused the stale run. The run id
    covers the plugin's version and module source; summary.json records them; built-in runs
    keep their ids (nothing is added for them)."""
    from netsim.plugins_used import used_by
    from netsim.results import run_id, write_result

    _plugin_module(tmp_path, monkeypatch, "gtedit", "from netsim_extra import EXTRA as GT\n",
                   "netsim.algorithms", "gt = gtedit:GT")
    sc = _scenario({"name": "gt", "eta": 0.2}, rounds=3)
    fp = used_by(sc.data)
    assert list(fp) == ["algorithm.name"]
    assert fp["algorithm.name"].startswith("gtedit 0.1.0 sha256:")
    before = run_id(sc)
    src = tmp_path / "gtedit.py"
    src.write_text(src.read_text() + "# edited\n")
    assert run_id(sc) != before
    folder = write_result(netsim.run(sc), tmp_path / "out")
    import json
    prov = json.loads((folder / "summary.json").read_text())["provenance"]
    assert prov["plugins"] == used_by(sc.data)
    assert used_by(_scenario({"name": "lead"}).data) == {}


def test_two_messages_to_one_neighbour_in_a_round_is_an_error_not_silently_late(
        extra, tmp_path, monkeypatch):
    """A newcomer's tracking method sent x and y as two broadcasts: on ideal links the second
    ones arrived after the round ended and were counted as late, silently. Now the engine (and the
    process oracle) refuse it naming the agent, the neighbour and the remedy (one value, e.g.
    (2, d))."""
    from netsim.runners.contract import MessageContractError

    _plugin_module(tmp_path, monkeypatch, "twomsg", (
        "import dataclasses\n"
        "from netsim_extra import EXTRA, ExtraKernel\n"
        "class Two(ExtraKernel):\n"
        "    def outgoing(self, ids):\n"
        "        return [outs + outs for outs in super().outgoing(ids)]\n"
        "TWO = dataclasses.replace(EXTRA, name='two', build=Two)\n"),
                   "netsim.algorithms", "two = twomsg:TWO")
    for engine in ("batched", "process"):
        with pytest.raises(MessageContractError,
                           match=r"agent \d's outgoing\(\) sent 2 messages to agent \d in one "
                                 r"round.*stacked \(2, d\) array"):
            run_on(engine, _scenario({"name": "two", "eta": 0.2}, rounds=3))


def test_gradient_methods_refuse_an_l1_term_unless_declared(extra, tmp_path, monkeypatch):
    """Gradient methods use the smooth f_i only, so on lasso they converge to the wrong
    point (EXTRA levelled off at rel_err 4.9e-6): a plugin that does not declare
    ``smooth_only=False`` and the built-in gradient methods are refused with one line;
    ADMM (exact local solves with the l1 term) runs."""
    lasso = {"kind": "lasso", "samples_per_agent": 20, "features": 5}
    for name in ("extra", "lead", "dgd", "cedas"):
        sc = from_dict({"name": "l", "network": {"agents": 4}, "problem": lasso,
                        "algorithm": {"name": name}, "stop": {"rounds": 2},
                        "output": {"plots": False}})
        with pytest.raises(netsim.errors.ScenarioError,
                           match="algorithm.name must be an algorithm that handles an l1 term"):
            build(sc)
    sc = from_dict({"name": "l", "network": {"agents": 4}, "problem": lasso,
                    "algorithm": {"name": "admm"}, "stop": {"rounds": 2},
                    "output": {"plots": False}})
    assert netsim.run(sc).summary["rounds"] == 2
