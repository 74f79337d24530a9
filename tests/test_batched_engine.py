"""The peer algorithms give the same results bit for bit: on the batched engine (callbacks,
agents stepped together by the stacked kernels), on the event-driven oracle
tests/oracle/process_engine.py (one SimPy process per agent, the same kernels stepping groups
of one; netsim's "reference engine" until issue 15) and as the per-agent oracle classes of
tests/oracle/ (the code the kernels replaced) on that oracle: trace, summary (except the
wall-clock runtime), per-link ledger, messages and iterates, and the final state.
Scenarios cover every kernel and estimator, ragged data, wrapped compressors, lockstep and
asynchronous timing (jitter, heterogeneity, stragglers, groups of one), losses with timeouts
and retransmissions, uplinks, zero compute time and target stops."""

import math
import pathlib

import numpy as np
import pytest
from oracle.build import AgentLoop, oracle_agents
from oracle.process_engine import ProcessRunner, forced

import netsim
import netsim.simulate
from netsim.algorithms.gossip_batch import LeadBatch
from netsim.algorithms.lt_batch import AdmmBatch, LtBatch, LtCcBatch, LtCcEdgeBatch
from netsim.scenario import from_dict
from netsim.simulate import build

BASE = {
    "name": "engines", "seed": 3,
    "network": {"agents": 8, "topology": "erdos_renyi", "p": 0.4,
                "links": {"bandwidth": "10 Mbit/s", "latency": "2 ms"}},
    "problem": {"kind": "logistic", "samples_per_agent": 30, "features": 12,
                "regularization": 0.05},
    "algorithm": {"name": "lt-admm-vr", "tau": 3},
    "stop": {"rounds": 40},
    "output": {"plots": False, "messages": True, "iterates": True},
}


GOSSIP = ("lead", "cedas", "choco-sgd", "cold", "dpdc", "dgd")


def _merge(base, over):
    out = dict(base)
    for k, v in over.items():
        if k == "algorithm" and v.get("name") in GOSSIP + ("admm",):  # no tau: a new table
            out[k] = v
        elif k == "network" and "topology" in v:                        # no p: a new table
            out[k] = {"agents": 8, "links": base["network"]["links"], **v}
        else:
            out[k] = _merge(base.get(k, {}), v) if isinstance(v, dict) else v
    return out


ASYNC = {"compute": {"heterogeneity": {"dist": "uniform", "low": 0.5, "high": 2.0},
                     "noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}},
         "network": {"links": {"jitter": {"dist": "exponential", "mean": "1 ms"}}}}

CASES = {
    "lt-admm-vr saga lockstep": {},
    "lt-admm-vr svrg batch 3 async": _merge(ASYNC, {"algorithm": {"estimator": "svrg",
                                                                  "batch": 3}}),
    "lt-admm minibatch 2": {"algorithm": {"name": "lt-admm", "batch": 2}},
    "lt-admm full batch": {"algorithm": {"name": "lt-admm", "batch": "all"}},
    "lt-admm quantized edges": {"algorithm": {"name": "lt-admm",
                                              "compressor": {"name": "quantizer", "bits": 3}}},
    "lt-admm 32-bit floats": {"algorithm": {"name": "lt-admm",
                                            "compressor": {"name": "none", "float_bits": 32}}},
    "least squares": {"problem": {"kind": "least_squares"}},
    "lt-admm-cc": {"algorithm": {"name": "lt-admm-cc", "compressor":
                                 {"name": "quantizer", "bits": 2}}},
    "lt-admm-cc async dither": _merge(ASYNC, {"algorithm": {
        "name": "lt-admm-cc", "compressor": {"name": "dither", "bits": 3}}}),
    "lt-admm-cc no EF, eta 0.5": {"algorithm": {"name": "lt-admm-cc", "error_feedback": False,
                                                "eta": 0.5}},
    "lt-admm-cc design B": {"algorithm": {"name": "lt-admm-cc", "design": "B"}},
    "lt-admm-cc design B async, drop losses, no EF": _merge(ASYNC, {
        "algorithm": {"name": "lt-admm-cc", "design": "B", "error_feedback": False,
                      "compressor": {"name": "quantizer", "bits": 3}},
        "network": {"links": {"loss": 0.1, "on_loss": "drop"}}}),
    "lt-admm-cc design B, drop losses, rand-k": {
        "algorithm": {"name": "lt-admm-cc", "design": "B", "eta": 0.5,
                      "compressor": {"name": "rand_k", "k": 6}},
        "network": {"links": {"loss": 0.1, "on_loss": "drop"}}},
    "lt-admm-cc rand-k": {"algorithm": {"name": "lt-admm-cc", "eta": 0.5,
                                        "compressor": {"name": "rand_k", "k": 6}}},
    "lt-admm top-k edges with error feedback (edge residuals)": {"algorithm": {
        "name": "lt-admm", "compressor": {"name": "top_k", "k": 4, "error_feedback": True}}},
    "lead async, error feedback": _merge(ASYNC, {"algorithm": {
        "name": "lead", "compressor": {"name": "quantizer", "bits": 2,
                                       "error_feedback": True}}}),
    "lt-admm top-k edges": {"algorithm": {"name": "lt-admm",
                                          "compressor": {"name": "top_k", "k": 4}}},
    "choco-sgd top-k": {"algorithm": {"name": "choco-sgd",
                                      "compressor": {"name": "top_k", "fraction": 0.5}}},
    "lt-admm-cc qsgd (2-norm scale)": {"algorithm": {
        "name": "lt-admm-cc", "compressor": {"name": "qsgd", "bits": 4}}},
    "lead": {"algorithm": {"name": "lead", "compressor": {"name": "quantizer"}}},
    "lead full gradient, async, drop losses": _merge(ASYNC, {
        "algorithm": {"name": "lead", "batch": "all", "compressor": {"name": "quantizer",
                                                                    "bits": 2}},
        "network": {"links": {"loss": 0.1, "on_loss": "drop"}}}),
    "cedas": {"algorithm": {"name": "cedas", "batch": 2, "compressor": {"name": "quantizer"}}},
    "cedas stragglers, losses": {"algorithm": {"name": "cedas"},
                                 "compute": {"stragglers": {"fraction": 0.25, "slowdown": 3.0}},
                                 "network": {"links": {"loss": 0.1, "on_loss": "drop"}}},
    "choco-sgd": {"algorithm": {"name": "choco-sgd", "compressor": {"name": "dither"}}},
    "cold (identity)": {"algorithm": {"name": "cold"}},
    "cold quantized (contractive wrapper)": {"algorithm": {
        "name": "cold", "compressor": {"name": "quantizer"}}},
    "dpdc": {"algorithm": {"name": "dpdc", "compressor": {"name": "quantizer", "bits": 3}}},
    "dgd": {"algorithm": {"name": "dgd", "compressor": {"name": "quantizer", "bits": 6}}},
    "dgd with losses": {"algorithm": {"name": "dgd"},
                        "network": {"links": {"loss": 0.2, "on_loss": "drop"}}},
    "admm exact": {"algorithm": {"name": "admm"}},
    "ragged sample counts, saga, partial groups": {
        "problem": {"kind": "logistic", "data": "breast_cancer"},
        "compute": {"stragglers": {"fraction": 0.25, "slowdown": 3.0}}},
    "ragged sample counts, lead, full batch for some agents": {
        "algorithm": {"name": "lead", "batch": 71},
        "problem": {"kind": "logistic", "data": "breast_cancer"}},
    "ragged, lt-admm minibatch 2, async": _merge(ASYNC, {
        "algorithm": {"name": "lt-admm", "batch": 2},
        "problem": {"kind": "least_squares", "data": "breast_cancer"}}),
    "admm exact lasso, async": _merge(ASYNC, {"algorithm": {"name": "admm"},
                                              "problem": {"kind": "lasso"}}),
    "admm exact least squares, quantized": {"algorithm": {
        "name": "admm", "compressor": {"name": "quantizer", "bits": 6}},
        "problem": {"kind": "least_squares"}},
    # continuous compute noise: every group has one agent (the slice path of each method)
    **{f"{m} async (groups of one)": _merge(ASYNC, {"algorithm": {
        "name": m, "compressor": {"name": "quantizer", "bits": 4}}})
       for m in GOSSIP + ("lt-admm",)},
    "drop losses with timeouts": {"network": {"links": {"loss": 0.1, "on_loss": "drop"}}},
    "lt-admm-cc drop losses": {"algorithm": {"name": "lt-admm-cc"},
                               "network": {"links": {"loss": 0.1, "on_loss": "drop"}}},
    "retransmit, in order, jitter": {"network": {"links": {
        "loss": 0.1, "on_loss": "retransmit", "in_order": True,
        "jitter": {"dist": "uniform", "low": "0 ms", "high": "3 ms"}}}},
    "stragglers": {"compute": {"stragglers": {"fraction": 0.25, "slowdown": 5.0}}},
    "uplink": {"network": {"links": {"uplink": "20 Mbit/s"}}},
    "zero compute, ideal links": {"compute": {"gradient_time": "0 s"},
                                  "network": {"links": {"bandwidth": "inf",
                                                        "latency": "0 s"}}},
    "target stop, ring": {"network": {"topology": "ring"},
                          "stop": {"rounds": 400, "target": 1e-6}},
    "time stop": {"stop": {"time": "30 ms"}},
}


def _run(data, engine, monkeypatch):
    """``engine``: "batched" (netsim) or "process" (the event-driven oracle)."""
    if engine == "process":
        with forced():
            return netsim.run(from_dict(data))
    return netsim.run(from_dict(data), engine=engine)


def _run_oracle(data, monkeypatch):
    """The per-agent oracle objects on the process-per-agent oracle (the run's own build, with
    the kernel swapped for them before the run starts)."""
    original = netsim.simulate.build

    def build_with_oracle(scenario, progress=None, engine="auto", cache=None):
        sim = original(scenario, progress, runner=ProcessRunner)
        sim.agents = sim.runner.kernel = AgentLoop(oracle_agents(scenario, sim))
        return sim
    with monkeypatch.context() as m:
        m.setattr(netsim.simulate, "build", build_with_oracle)
        return netsim.run(from_dict(data))


def _assert_same_results(ref, bat, case):
    assert list(ref.trace) == list(bat.trace)
    for c in ref.trace:
        assert _same(ref.trace[c], bat.trace[c]), (case, c)
    s_ref = {k: v for k, v in ref.summary.items() if k != "runtime_s"}
    s_bat = {k: v for k, v in bat.summary.items() if k != "runtime_s"}
    assert s_ref == s_bat
    assert ref.links == bat.links
    assert ref.messages == bat.messages
    assert _same(ref.iterates, bat.iterates)


def _same(a, b):
    """Equal bit for bit (NaN equal to NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return a.shape == b.shape and np.array_equal(a.view(np.uint64) if a.dtype == float
                                                     else a, b.view(np.uint64)
                                                     if b.dtype == float else b)
    return np.array_equal(a, b)


@pytest.mark.parametrize("case", list(CASES))
def test_engines_agree_bit_for_bit(case, monkeypatch):
    data = _merge(BASE, CASES[case])
    ref = _run(data, "process", monkeypatch)
    bat = _run(data, "batched", monkeypatch)
    _assert_same_results(ref, bat, case)
    _assert_same_results(_run_oracle(data, monkeypatch), ref, case)
    assert len(ref.trace["round"]) > 2


def test_each_algorithm_is_one_kernel_class():
    """Every peer algorithm is built as its stacked kernel, whatever the compressor."""
    def kernel(over):
        return type(build(from_dict(_merge(BASE, over))).agents)
    assert kernel({}) is LtBatch
    assert kernel({"algorithm": {"name": "lt-admm-cc"}}) is LtCcBatch
    assert kernel({"algorithm": {"name": "lt-admm-cc", "design": "B"}}) is LtCcEdgeBatch
    assert kernel({"algorithm": {"name": "lead"}}) is LeadBatch
    assert kernel({"algorithm": {"name": "admm"}}) is AdmmBatch
    assert kernel({"algorithm": {"name": "lt-admm", "compressor":
                                 {"name": "qsgd", "bits": 4}}}) is LtBatch


def test_one_engine_and_the_oracle_hook():
    """netsim has one peer-round engine, whatever the links; build's ``runner=`` test hook
    swaps in the oracle for synchronous peer rounds only; "reference" is gone with a one-line
    error saying what is allowed and where that engine went."""
    from netsim.runners.asynchronous import AsyncPeerRunner
    from netsim.runners.batched import BatchedPeerRunner
    from netsim.runners.server import ServerRunner

    assert netsim.simulate.ENGINES == ("auto", "batched")
    assert type(build(from_dict(BASE)).runner) is BatchedPeerRunner
    assert type(build(from_dict(BASE), engine="batched").runner) is BatchedPeerRunner
    fair = _merge(BASE, {"network": {"links": {"sharing": "fair"}}})
    assert type(build(from_dict(fair)).runner) is BatchedPeerRunner      # one engine for all
    assert type(build(from_dict(BASE), runner=ProcessRunner).runner) is ProcessRunner
    asyn = _merge(BASE, {"algorithm": {"name": "lt-admm",
                                       "wait": {"neighbours": 1, "delay_bound": 2}}})
    assert type(build(from_dict(asyn), runner=ProcessRunner).runner) is AsyncPeerRunner
    server = _merge(BASE, {"algorithm": {"name": "qadmm"}})
    assert type(build(from_dict(server), runner=ProcessRunner).runner) is ServerRunner
    with pytest.raises(ValueError, match="NETSIM_ENGINE .* must be one of auto, batched; "
                                         "got 'fast'$"):
        build(from_dict(BASE), engine="fast")
    with pytest.raises(ValueError, match="NETSIM_ENGINE .* must be one of auto, batched; got "
                                         r"'reference' \(the process-per-agent reference "
                                         "engine is now a test-only oracle, "
                                         "tests/oracle/process_engine.py;") as e:
        netsim.run(from_dict(BASE), engine="reference")
    assert "\n" not in str(e.value)


def test_forced_runs_the_oracle_and_restores_the_engine(monkeypatch):
    """``oracle.process_engine.forced()`` makes netsim.run build with ProcessRunner inside the
    block only; NETSIM_ENGINE is read by netsim.run, never by build."""
    from netsim.runners.batched import BatchedPeerRunner

    seen = []
    original = netsim.simulate.build

    def spy(scenario, progress=None, engine="auto", cache=None, **kw):
        sim = original(scenario, progress, engine=engine, **kw)
        seen.append((engine, type(sim.runner)))
        return sim
    small = _merge(BASE, {"stop": {"rounds": 2}})
    monkeypatch.setattr(netsim.simulate, "build", spy)
    with forced():
        netsim.run(from_dict(small))
    netsim.run(from_dict(small))
    monkeypatch.setenv("NETSIM_ENGINE", "batched")
    netsim.run(from_dict(small))
    monkeypatch.setenv("NETSIM_ENGINE", "fast")
    assert type(original(from_dict(small)).runner) is BatchedPeerRunner    # build ignores it
    with pytest.raises(ValueError, match="got 'fast'"):
        netsim.run(from_dict(small))
    assert seen[:3] == [("auto", ProcessRunner), ("auto", BatchedPeerRunner),
                        ("batched", BatchedPeerRunner)]
    assert netsim.simulate.build is spy


@pytest.mark.parametrize("value", ["fast", "reference"])
def test_a_bad_engine_variable_is_a_one_line_error(value, tmp_path):
    """NETSIM_ENGINE=fast (never valid) or reference (gone in issue 15): exit 2 and one line
    naming the variable and the allowed values, no traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NETSIM_ENGINE": value}
    out = subprocess.run([sys.executable, "-m", "netsim", "run", "scenarios/quickstart.toml",
                          "--out", str(tmp_path), "--quiet"], capture_output=True, text=True,
                         env=env, cwd=pathlib.Path(__file__).resolve().parent.parent)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "NETSIM_ENGINE" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert f"must be one of auto, batched; got '{value}'" in out.stderr


def test_kernel_state_equals_the_oracle_agents_state():
    """After a batched run the stacked state (x, z, u, u^, z~ of LT-ADMM-CC) equals, bit for
    bit, the per-agent oracle objects' state after the same run on the process oracle."""
    data = _merge(BASE, {"algorithm": {"name": "lt-admm-cc"}, "stop": {"rounds": 7}})
    sim = build(from_dict(data), engine="batched")
    sim.runner.start()
    sim.env.run(until=sim.stop_event)
    k = sim.agents
    sc = from_dict(data)
    osim = build(sc, runner=ProcessRunner)
    osim.runner.kernel = AgentLoop(oracle_agents(sc, osim))
    osim.runner.start()
    osim.env.run(until=osim.stop_event)
    for i, a in enumerate(osim.runner.kernel.agents):
        e = slice(k.off[i], k.off[i] + k.deg[i])
        for mine, theirs in ((k.X[i], a.x), (k.Z[e], a.z), (k.U[i], a.u), (k.UH[e], a.u_hat),
                             (k.ZM[e], a.z_mirror)):
            assert np.array_equal(mine, theirs)
    assert math.isfinite(float(k.X[0, 0]))


def test_asynchronous_cases_step_partial_groups():
    """The async cases above do exercise the general path: groups of every size, in any
    order, while ideal lockstep runs step everybody at once."""
    sizes = {}
    for case in ("lt-admm-cc async dither", "lt-admm-vr saga lockstep", "stragglers",
                 "drop losses with timeouts"):
        sim = build(from_dict(_merge(BASE, CASES[case])), engine="batched")
        seen = sizes[case] = set()
        k = sim.runner.kernel
        inner = k.local_steps

        def local_steps(ids, seen=seen, inner=inner):
            seen.add(len(ids))
            return inner(ids)
        k.local_steps = local_steps
        sim.runner.start()
        sim.env.run(until=sim.stop_event)
    print(sizes)
    assert sizes["lt-admm-vr saga lockstep"] == {8}           # lockstep: everybody at once
    assert sizes["lt-admm-cc async dither"] == {8, 1}         # continuous noise: one by one
    assert sizes["stragglers"] & set(range(2, 8))             # partial groups
    assert sizes["drop losses with timeouts"] & set(range(2, 8))


SHARED = {
    "fair": {"network": {"links": {"sharing": "fair"}}},
    "fair, async": _merge(ASYNC, {"network": {"links": {"sharing": "fair"}}}),
    "tcp + uplink": {"network": {"links": {"sharing": "fair", "model": "tcp",
                                           "uplink": "20 Mbit/s"}}},
    "tcp, retransmit": {"network": {"links": {"sharing": "fair", "model": "tcp", "loss": 0.1,
                                              "on_loss": "retransmit"}}},
    "fair, drop": {"network": {"links": {"sharing": "fair", "loss": 0.1, "on_loss": "drop"}}},
    "bandwidth profile": {"network": {"profile": [{"bandwidth": "bw.txt"}]}},
    "fair + bandwidth profile": {"network": {"links": {"sharing": "fair"},
                                             "profile": [{"bandwidth": "bw.txt"}]}},
    "link down, hold": {"network": {"topology": "ring",
                                    "profile": [{"links": [[0, 1]], "state": "blip.txt"}]}},
    "link down, drop + retransmit": {"network": {
        "topology": "ring", "links": {"bandwidth": "10 Mbit/s", "latency": "2 ms",
                                      "on_down": "drop", "on_loss": "retransmit", "loss": 1e-9},
        "profile": [{"links": [[0, 1]], "state": "blip.txt"}]}},
    "host off then on": {"compute": {"profile": [{"agents": [2], "state": "blip.txt"}]}},
    "host speed, async": _merge(ASYNC, {"compute": {"profile": [{"speed": "speed.txt"}]}}),
}


@pytest.mark.parametrize("case", list(SHARED))
def test_engines_agree_on_sharing_and_profiles(case, monkeypatch, tmp_path):
    """Fair / TCP sharing and link / host profiles: the batched engine gives the process
    oracle's results bit for bit (flows are ordered by send time, sender and the sender's own
    count, and profile events run before everything else of their instant, so neither depends
    on the order in which the engines act at one instant)."""
    (tmp_path / "bw.txt").write_text("0 10e6\n0.01 2e6\n0.02 10e6\nLOOPAFTER 0.01\n")
    (tmp_path / "blip.txt").write_text("0 1\n0.01 0\n0.03 1\n")
    (tmp_path / "speed.txt").write_text("0 1\n0.005 0.5\n0.02 2\n")
    data = _merge(BASE, SHARED[case])
    with forced():
        ref = netsim.run(from_dict(data, base_dir=tmp_path))
    bat = netsim.run(from_dict(data, base_dir=tmp_path), engine="batched")
    for c in ref.trace:
        assert _same(ref.trace[c], bat.trace[c]), (case, c)
    assert ({k: v for k, v in ref.summary.items() if k != "runtime_s"}
            == {k: v for k, v in bat.summary.items() if k != "runtime_s"})
    assert ref.links == bat.links
    assert ref.messages == bat.messages
    assert len(ref.trace["round"]) > 2


def test_netsim_has_no_second_engine_and_imports_nothing_from_tests():
    """Issue 15: the process-per-agent engine is a test oracle only; no netsim module imports
    tests/ (``oracle``, ``tests``) or the old ``netsim.runners.peer``."""
    import ast

    root = pathlib.Path(netsim.__file__).parent
    assert not (root / "runners" / "peer.py").exists()
    bad = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [(path.name, n) for n in names
                    if n.split(".")[0] in ("oracle", "tests") or n == "netsim.runners.peer"]
    assert bad == []
