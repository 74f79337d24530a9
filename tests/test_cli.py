"""The command line: results files, determinism, and one-line errors with exit code 2."""

import json
import subprocess
import sys
import textwrap

import pytest

from netsim.cli import main

SMALL = """
name = "small"
seed = 4
[network]
topology = "ring"
agents = 5
[network.links]
bandwidth = "1 Mbit/s"
latency = "2 ms"
jitter = { dist = "uniform", low = "0 ms", high = "1 ms" }
[problem]
kind = "logistic"
samples_per_agent = 20
features = 4
[algorithm]
name = "lt-admm-vr"
tau = 2
[stop]
rounds = 25
[output]
plots = false
messages = true
iterates = true
"""


def _write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_run_writes_every_result_file(tmp_path, capsys):
    """`netsim run` writes scenario.toml, trace.csv, summary.json, messages.csv, iterates.npz."""
    f = _write(tmp_path, SMALL)
    assert main(["run", str(f), "--out", str(tmp_path / "out"), "-q"]) == 0
    runs = list((tmp_path / "out" / "small").iterdir())
    assert len(runs) == 1
    names = {p.name for p in runs[0].iterdir()}
    assert {"scenario.toml", "trace.csv", "summary.json", "messages.csv", "iterates.npz",
            "links.csv"} <= names
    header = (runs[0] / "trace.csv").read_text().splitlines()[0].split(",")
    for col in ("round", "time", "bits", "messages", "gradients", "err_max", "err_rms",
                "err_mean", "rel_err", "consensus", "objective_gap", "accuracy"):
        assert col in header
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert summary["end"] == "rounds" and summary["rounds"] == 25
    msgs = (runs[0] / "messages.csv").read_text().splitlines()
    assert msgs[0].startswith("src,dst,bits,t_send,t_arrive,dropped")
    assert len(msgs) - 1 == summary["messages"] == 25 * 10
    assert "ended by rounds" in capsys.readouterr().out


def test_resolved_scenario_reproduces_the_run(tmp_path):
    """Running the written scenario.toml again gives a byte-identical trace.csv."""
    f = _write(tmp_path, SMALL)
    main(["run", str(f), "--out", str(tmp_path / "a"), "-q"])
    run_a = next((tmp_path / "a" / "small").iterdir())
    main(["run", str(run_a / "scenario.toml"), "--out", str(tmp_path / "b"), "-q"])
    run_b = next((tmp_path / "b" / "small").iterdir())
    assert run_a.name == run_b.name
    assert (run_a / "trace.csv").read_bytes() == (run_b / "trace.csv").read_bytes()
    assert (run_a / "messages.csv").read_bytes() == (run_b / "messages.csv").read_bytes()


def test_same_seed_twice_byte_identical_trace(tmp_path):
    """Same scenario + seed twice, in separate processes => byte-identical trace.csv."""
    f = _write(tmp_path, SMALL)
    outs = []
    for k, hashseed in enumerate(("0", "12345")):
        out = tmp_path / f"o{k}"
        subprocess.run([sys.executable, "-m", "netsim", "run", str(f), "--out", str(out), "-q"],
                       check=True, env={"PYTHONHASHSEED": hashseed, "PATH": "/usr/bin:/bin"},
                       capture_output=True)
        outs.append(next((out / "small").iterdir()) / "trace.csv")
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_set_override_changes_the_run(tmp_path):
    """--set algorithm.tau=4 is applied and recorded in the resolved scenario."""
    f = _write(tmp_path, SMALL)
    assert main(["run", str(f), "--out", str(tmp_path), "-q", "--set", "algorithm.tau=4",
                 "--set", "stop.rounds=3"]) == 0
    run = next((tmp_path / "small").iterdir())
    text = (run / "scenario.toml").read_text()
    assert "tau = 4" in text and "rounds = 3" in text


BAD = [
    ("[network.links]\nbandwith = '1 Mbit/s'\n", "network.links.bandwith", "bandwidth"),
    ("[network.links]\nbandwidth = '10 Mbit/sec'\n", "network.links.bandwidth", "Mbit/sec"),
    ("[network.links]\nbandwidth = '-5 Mbit/s'\n", "network.links.bandwidth", "-5"),
    ("[network.links]\nlatency = '5 kg'\n", "network.links.latency", "5 kg"),
    ("[network.links]\nloss = 1.5\n", "network.links.loss", "1.5"),
    ("[network]\ntopology = 'rign'\n", "network.topology", "ring"),
    ("[network]\nagents = 0\n", "network.agents", "0"),
    ("[network]\ntopology = 'edges'\nfile = 'nope.csv'\n", "network.file", "nope.csv"),
    ("[problem]\ndata = 'missing.npz'\n", "problem.data", "missing.npz"),
    ("[problem]\nsampels_per_agent = 3\n", "problem.sampels_per_agent", "samples_per_agent"),
    ("[algorithm]\nname = 'lt-admm-vr'\ntau = 0\n", "algorithm.tau", "0"),
    ("[algorithm]\nname = 'foo'\n", "algorithm.name", "foo"),
    ("[algorithm.compressor]\nname = 'quantizer'\nbits = 0\n", "algorithm.compressor.bits", "0"),
    ("[stop]\nrounds = 'many'\n", "stop.rounds", "many"),
    ("[stop]\nmetric = 'rel_eror'\n", "stop.metric", "rel_err"),
    ("[output]\nplots = 'yes'\n", "output.plots", "yes"),
    ("[compute]\ngradient_time = '-1 us'\n", "compute.gradient_time", "-1"),
    ("seed = -3\n", "seed", "-3"),
    ("colour = 'red'\n", "colour", "colour"),
    ("[network\n", "", "TOML"),
]


@pytest.mark.parametrize("text,key,mention", BAD)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, text, key, mention):
    """Bad input: exit code 2, exactly one stderr line naming the key and the value."""
    f = _write(tmp_path, text)
    code = main(["run", str(f), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert key in err and mention in err, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("trace.csv"))


def test_disconnected_edge_file_is_rejected(tmp_path, capsys):
    """A disconnected graph from an edge file ends with exit 2 naming network.topology."""
    (tmp_path / "g.csv").write_text("0,1\n2,3\n")
    f = _write(tmp_path, "[network]\ntopology = 'edges'\nagents = 4\nfile = 'g.csv'\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "network.topology" in err and "connected" in err


def test_missing_scenario_file(capsys):
    """A scenario path that does not exist: exit 2, one line."""
    assert main(["run", "/nonexistent/x.toml", "-q"]) == 2
    assert "not found" in capsys.readouterr().err


def test_validate_and_list(tmp_path, capsys):
    """`validate` accepts a good file; `list` names the registered components."""
    f = _write(tmp_path, SMALL)
    assert main(["validate", str(f)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("lt-admm-vr", "admm", "quantizer", "rand_k", "erdos_renyi", "logistic"):
        assert name in out


def test_console_script_entry_point():
    """`python -m netsim --version` works (the console script calls the same main)."""
    out = subprocess.run([sys.executable, "-m", "netsim", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("netsim ")
