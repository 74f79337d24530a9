"""Fuzzing scenario files (hypothesis): valid ones run a few rounds (exit 0); invalid ones end
with exit code 2 and one line on stderr naming the key; never a traceback, never a hang.
The counts are printed at the end of the test session (see conftest.py)."""

import math
import signal

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from netsim.cli import main  # noqa: E402
from netsim.scenario import dump_toml  # noqa: E402

COUNTS = {"cases": 0, "valid_ok": 0, "invalid_clean": 0, "tracebacks": 0, "hangs": 0}

#: (algorithm, problem kind) pairs that are valid together
FAMILIES = [("admm", "least_squares"), ("admm", "lasso"), ("lt-admm-vr", "logistic"),
            ("lt-admm-cc", "logistic"), ("lead", "least_squares"), ("dgd", "logistic"),
            ("async-admm", "lasso"), ("qadmm", "least_squares"), ("admm-server", "logistic")]
TOPOLOGIES = ["ring", "path", "complete", "star", "small_world", "erdos_renyi"]

#: invalid mutations: (dotted key or None for special, value, key named in the message)
INVALID = [
    ("network.agents", "ten", "network.agents"), ("network.agents", 1, "network.agents"),
    ("network.agents", True, "network.agents"), ("network.agents", -4, "network.agents"),
    ("network.topology", "rign", "network.topology"),
    ("network.links.bandwidth", "-5 Mbit/s", "network.links.bandwidth"),
    ("network.links.bandwidth", "10 furlongs", "network.links.bandwidth"),
    ("network.links.bandwidth", math.nan, "network.links.bandwidth"),
    ("network.links.latency", "-1 ms", "network.links.latency"),
    ("network.links.latency", [1, 2], "network.links.latency"),
    ("network.links.loss", 1.5, "network.links.loss"),
    ("network.links.loss", math.nan, "network.links.loss"),
    ("network.links.on_loss", "maybe", "network.links.on_loss"),
    ("network.links.bandwith", "1 Mbit/s", "network.links.bandwith"),
    ("network.links.jitter", {"dist": "gaussian"}, "network.links.jitter.dist"),
    ("compute.gradient_time", "-1 us", "compute.gradient_time"),
    ("compute.stragglers.fraction", 2.0, "compute.stragglers.fraction"),
    ("compute.noise", {"dist": "pareto", "shape": -1, "scale": 1}, "compute.noise.shape"),
    ("problem.kind", "logistik", "problem.kind"),
    ("problem.samples_per_agent", 0, "problem.samples_per_agent"),
    ("problem.features", 2.5, "problem.features"),
    ("problem.regularization", -1, "problem.regularization"),
    ("problem.data", "missing.npz", "problem.data"),
    ("problem.data", "CORRUPT", "problem.data"),
    ("problem.partition", "random", "problem.partition"),
    ("algorithm.name", "lt-admm-cx", "algorithm.name"),
    ("algorithm.x0", 5, "algorithm.x0"),
    ("algorithm.batch", 0, "algorithm.batch"),
    ("algorithm.compressor.name", "zip", "algorithm.compressor.name"),
    ("algorithm.compressor", {"name": "quantizer", "bits": 0}, "algorithm.compressor.bits"),
    ("algorithm.compressor", {"name": "quantizer", "bits": 33}, "algorithm.compressor.bits"),
    ("algorithm.compressor", {"name": "rand_k", "k": 99}, "algorithm.compressor.k"),
    ("stop.rounds", 0, "stop.rounds"), ("stop.rounds", "many", "stop.rounds"),
    ("stop.metric", "rel_eror", "stop.metric"), ("stop.time", "-1 s", "stop.time"),
    ("stop.target", "small", "stop.target"), ("stop.bits", "lots", "stop.bits"),
    ("output.dir", "FILE", "output.dir"), ("output.every", 0, "output.every"),
    ("seed", -1, "seed"), ("name", "../escape", "name"),
    ("variant", [{"label": ""}], "variant[0].label"),
    ("sweep", {"algorithm.rho": []}, "sweep.algorithm.rho"),
    ("typo_section", {"a": 1}, "typo_section"),
    ("ALG_P", None, "algorithm.P"), ("ALG_TAU", None, "algorithm.tau"),
    ("DISCONNECTED", None, "network"), ("EMPTY_GRAPH", None, "network.file"),
]


class _Hang(BaseException):
    pass


def _hang(signum, frame):
    raise _Hang()


def _set(d, key, value):
    parts = key.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = value


@st.composite
def scenarios(draw):
    alg, kind = draw(st.sampled_from(FAMILIES))
    n = draw(st.integers(3, 6))
    data = {"name": "fz", "seed": draw(st.integers(0, 50)),
            "network": {"agents": n, "topology": draw(st.sampled_from(TOPOLOGIES)),
                        "links": {"bandwidth": draw(st.sampled_from(
                            ["inf", "1 Mbit/s", "100 kbit/s", 5e6])),
                            "latency": draw(st.sampled_from(["0 s", "1 ms", 0.002])),
                            "loss": draw(st.sampled_from([0.0, 0.05])),
                            "on_loss": "retransmit",
                            "sharing": draw(st.sampled_from(["fifo", "fair"]))}},
            "problem": {"kind": kind, "samples_per_agent": draw(st.integers(4, 12)),
                        "features": draw(st.integers(2, 5))},
            "algorithm": {"name": alg},
            "stop": {"rounds": draw(st.integers(1, 3))},
            "output": {"plots": False}}
    if data["network"]["topology"] == "small_world":
        data["network"]["k"] = 2
    if data["network"]["topology"] == "erdos_renyi":
        data["network"]["p"] = 0.9
    if alg in ("lt-admm-cc", "lead", "dgd") and draw(st.booleans()):
        data["algorithm"]["compressor"] = draw(st.sampled_from([
            {"name": "quantizer", "bits": 2}, {"name": "rand_k", "k": 1},
            {"name": "top_k", "fraction": 0.5}, {"name": "none", "float_bits": 32}]))
    if alg in ("async-admm", "qadmm"):
        data["algorithm"]["P"] = draw(st.integers(1, n))
        data["algorithm"]["tau"] = draw(st.sampled_from([1, 2, "inf"]))
    bad = draw(st.one_of(st.none(), st.sampled_from(INVALID)))
    return data, bad


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(case=scenarios())
def test_fuzzed_scenarios_run_or_fail_cleanly(case, tmp_path_factory, capsys):
    data, bad = case
    tmp = tmp_path_factory.mktemp("fz")
    out = tmp / "out"
    expect = None
    if bad is not None:
        key, value, expect = bad
        if key == "ALG_P":
            data["algorithm"] = {"name": "qadmm", "P": data["network"]["agents"] + 1}
        elif key == "ALG_TAU":
            data["algorithm"] = {"name": "async-admm", "tau": 0}
        elif key == "DISCONNECTED":
            (tmp / "g.csv").write_text("0,1\n2,3\n")
            data["network"].update({"topology": "edges", "file": "g.csv", "agents": 4})
            data["network"].pop("k", None)
            data["network"].pop("p", None)
            data["algorithm"] = {"name": "admm"}
        elif key == "EMPTY_GRAPH":
            (tmp / "empty.csv").write_text("")
            data["network"].update({"topology": "edges", "file": "empty.csv"})
            data["network"].pop("k", None)
            data["network"].pop("p", None)
        elif value == "CORRUPT":
            (tmp / "bad.npz").write_bytes(b"this is not a zip file")
            _set(data, key, "bad.npz")
        elif value == "FILE":
            (tmp / "afile").write_text("x")
            out = tmp / "afile"
            _set(data, key, str(out))
        else:
            _set(data, key, value)
    path = tmp / "s.toml"
    path.write_text(dump_toml(data))
    COUNTS["cases"] += 1
    signal.signal(signal.SIGALRM, _hang)
    signal.setitimer(signal.ITIMER_REAL, 60.0)      # a case that takes a minute has hung
    try:
        rc = main(["run", str(path), "--out", str(out), "--quiet"]) if bad is None or \
            bad[1] != "FILE" else main(["run", str(path), "--quiet"])
    except _Hang:
        COUNTS["hangs"] += 1
        raise AssertionError(f"hang (> 60 s) for {bad} in {data}") from None
    except BaseException as e:          # a traceback would reach the user
        COUNTS["tracebacks"] += 1
        raise AssertionError(f"uncaught {type(e).__name__}: {e} for {bad}") from e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
    err = capsys.readouterr().err.strip()
    if expect is None:
        assert rc == 0, err
        COUNTS["valid_ok"] += 1
    else:
        assert rc == 2, f"{bad}: rc {rc}, stderr {err!r}"
        lines = [ln for ln in err.splitlines()
                 if not ln.startswith(("netsim: note", "netsim: warning"))]
        assert len(lines) == 1 and lines[0].startswith("netsim: error:"), err
        assert expect in lines[0], f"{expect!r} not named in {lines[0]!r}"
        COUNTS["invalid_clean"] += 1



# --------------------------------------------------------------------------- issue 13 kinds
#: how a text file was saved: by an editor on Linux, Notepad (BOM), Windows (CRLF), both
ENCODINGS = {"plain": lambda t: t.encode(), "bom": lambda t: b"\xef\xbb\xbf" + t.encode(),
             "crlf": lambda t: t.replace("\n", "\r\n").encode(),
             "bom+crlf": lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode()}
_NUMBERS = ["0", "1", "0.5", "1e6", "1e-300", "1e308", "inf", "-1", "nan", "abc", "", "1,5",
            "10Mbit/s", "5ms", "1e-13"]
#: sizes that cannot fit a 4 GB budget, and the key the error must name
HUGE = [("network.agents", 10 ** 9, "network.agents"),
        ("problem.features", 10 ** 9, "problem.features"),
        ("problem.samples_per_agent", 10 ** 9, "problem.samples_per_agent")]
LABELS = ["$x$", "$\\notacommand$", "cost $\\frac{1}{2}$", "b" * 300, "données é", "a/b\\c",
          "  ", "50 %", "tab\there"]


@st.composite
def file_cases(draw):
    """A valid base scenario plus one of the new kinds: an encoding, a profile file, an edge
    file, a huge size, deep nesting or a special label."""
    data, _ = draw(scenarios())
    data["network"]["topology"] = "ring"
    data["network"].pop("k", None)
    data["network"].pop("p", None)
    kind = draw(st.sampled_from(["encoding", "profile", "edges", "huge", "nested", "label"]))
    files, expect = {}, None          # expect: None (must run), a key (must fail naming it),
    if kind == "profile":             # or "?" (run or a one-line error: content is random)
        lines = draw(st.lists(st.sampled_from(
            [f"{a} {b}" for a in ("0", "0.001", "1e-9", "2") for b in _NUMBERS]
            + ["LOOPAFTER 1e-300", "LOOPAFTER 0.01", "PERIODICITY 0.5", "PERIODICITY 1e-20",
               "STOCHASTIC", "# comment", "% comment", "", "0", "DET 0 UNIF 1 2"]),
            min_size=0, max_size=5))
        what = draw(st.sampled_from([("network", "links", "bandwidth"),
                                     ("network", "links", "latency"),
                                     ("network", "links", "state"),
                                     ("compute", "agents", "speed"),
                                     ("compute", "agents", "state")]))
        files["p.prof"] = "\n".join(lines) + "\n"
        data.setdefault(what[0], {})["profile"] = [{what[1]: "all", what[2]: "p.prof"}]
        if data["algorithm"]["name"] in ("async-admm", "qadmm", "admm-server") \
                and what[0] == "network":
            data["network"]["profile"][0]["links"] = "up"
        expect = "?"
    elif kind == "edges":
        n = data["network"]["agents"]
        rows = [f"{i},{(i + 1) % n}" for i in range(n)]
        col = draw(st.sampled_from(["", "bandwidth", "latency", "loss", "jitter"]))
        cells = [draw(st.sampled_from(_NUMBERS)) for _ in rows] if col else []
        trailing = "," if draw(st.booleans()) else ""
        head = f"u,v,{col}{trailing}\n" if col else ("u,v\n" if draw(st.booleans()) else "")
        body = "".join(r + (f",{c}" if col else "") + trailing + "\n"
                       for r, c in zip(rows, cells or rows))
        files["g.csv"] = head + body
        data["network"].update({"topology": "edges", "file": "g.csv"})
        if data["algorithm"]["name"] in ("async-admm", "qadmm", "admm-server"):
            data["algorithm"] = {"name": "admm"}
            data["problem"]["kind"] = "least_squares"
        expect = "?" if col else None
    elif kind == "huge":
        key, value, expect = draw(st.sampled_from(HUGE))
        _set(data, key, value)
    elif kind == "nested":
        depth = draw(st.integers(33, 400))
        data["sweep"] = {"seeds": "@SEEDS@"}      # replaced by the nested array in the text
        data["description"] = "x"
        return data, kind, files, "NESTED" + "[" * depth + "1" + "]" * depth
    elif kind == "label":
        data["variant"] = [{"label": draw(st.sampled_from(LABELS))}]
        data["output"]["plots"] = draw(st.booleans())
        if not data["variant"][0]["label"].strip():
            expect = "?"
    encoding = draw(st.sampled_from(sorted(ENCODINGS)))
    return data, kind, {k: ENCODINGS[encoding](v) for k, v in files.items()}, encoding, expect


FILE_COUNTS = {"files": 0, "ran": 0, "refused": 0, "tracebacks": 0, "hangs": 0}


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(case=file_cases())
def test_fuzzed_files_run_or_fail_cleanly(case, tmp_path_factory, capsys, monkeypatch):
    """BOM / CRLF files, profile and edge files with random cells, huge sizes, deep nesting,
    special labels: a run, or exit 2 with one line naming the key (or file and line)."""
    monkeypatch.setenv("NETSIM_MEMORY_GB", "4")
    tmp = tmp_path_factory.mktemp("ff")
    if case[1] == "nested":
        data, _, _, nested = case
        text = dump_toml(data).replace('seeds = "@SEEDS@"', "seeds = " + nested[6:])
        assert nested[6:] in text
        raw, expect = ENCODINGS["plain"](text), "nest"
    else:
        data, kind, files, encoding, expect = case
        for name, content in files.items():
            (tmp / name).write_bytes(content)
        raw = ENCODINGS[encoding](dump_toml(data))
    (tmp / "s.toml").write_bytes(raw)
    FILE_COUNTS["files"] += 1 + (len(case[2]) if case[1] != "nested" else 0)
    signal.signal(signal.SIGALRM, _hang)
    signal.setitimer(signal.ITIMER_REAL, 60.0)
    try:
        rc = main(["run", str(tmp / "s.toml"), "--out", str(tmp / "out"), "--quiet"])
    except _Hang:
        FILE_COUNTS["hangs"] += 1
        raise AssertionError(f"hang (> 60 s) for {case}") from None
    except BaseException as e:
        FILE_COUNTS["tracebacks"] += 1
        raise AssertionError(f"uncaught {type(e).__name__}: {e} for {case}") from e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
    err = capsys.readouterr().err.strip()
    lines = [ln for ln in err.splitlines()
             if not ln.startswith(("netsim: note", "netsim: warning", "netsim: PlotWarning"))]
    if rc == 0:
        assert expect in (None, "?"), f"ran but should name {expect!r}: {case}"
        assert not lines, err
        FILE_COUNTS["ran"] += 1
        return
    assert rc == 2 and expect is not None, f"rc {rc}, stderr {err!r} for {case}"
    assert len(lines) == 1 and lines[0].startswith("netsim: error:"), err
    assert expect == "?" or expect in lines[0], f"{expect!r} not named in {lines[0]!r}"
    FILE_COUNTS["refused"] += 1
