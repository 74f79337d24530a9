"""The input cases of issue 13 (../shared/cases/inputs/, copied to tests/data/inputs/): every
input gets a run or a one-line error naming the key (or file and line), never a traceback,
a hang or a silently changed parameter; and the kind of each case, wherever it can occur."""

import errno
import json
import math
import os
import pathlib
import shutil

import numpy as np
import pytest

from netsim.cli import main
from netsim.errors import NetsimError, ScenarioError
from netsim.scenario import from_dict, load
from netsim.simulate import build, run, run_variants

DATA = pathlib.Path(__file__).parent / "data" / "inputs"


@pytest.fixture
def cases(tmp_path, monkeypatch):
    """A private copy of the cases (runs write next to them), and a fixed memory budget so
    that the outcome does not depend on the machine."""
    dst = tmp_path / "cases"
    shutil.copytree(DATA, dst)
    monkeypatch.setenv("NETSIM_MEMORY_GB", "8")
    return dst


def _cli(monkeypatch, capsys, folder, *argv):
    """Run the CLI in ``folder``; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(folder)
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _one_line_error(code, err):
    lines = [ln for ln in err.splitlines() if ln.startswith("netsim: error")]
    assert code == 2 and len(lines) == 1, err
    return lines[0]


# --------------------------------------------------------------------------- text files
def test_bom_scenario_runs(cases, monkeypatch, capsys):
    code, out, err = _cli(monkeypatch, capsys, cases, "run", "bom_scenario.toml", "--out",
                          "res", "-q")
    assert code == 0 and "c02_bom: ended by rounds after 5 rounds" in out


def _variants(text: str):
    """The same text as written by Notepad (BOM), Windows (CRLF), an old Mac (CR)."""
    return {"plain": text.encode(), "bom": b"\xef\xbb\xbf" + text.encode(),
            "crlf": text.replace("\n", "\r\n").encode(),
            "bom+crlf": b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
            "cr": text.replace("\n", "\r").encode()}


def test_every_text_file_reads_the_same_with_bom_and_crlf(tmp_path):
    """Scenario, edge list and profile, each with a BOM and / or CRLF line ends (and the edge
    list with trailing commas): the same graph, links and profiles as the plain files."""
    scen = ('name = "t"\n[network]\ntopology = "edges"\nagents = 3\nfile = "g.csv"\n'
            '[stop]\nrounds = 2\n[output]\nplots = false\n'
            '[[network.profile]]\nlinks = "all"\nbandwidth = "bw.prof"\n'
            '[[compute.profile]]\nagents = "all"\nspeed = "sp.prof"\n')
    edges = "u,v,bandwidth,\n0,1,1e6,\n1,2,,\n2,0,2 Mbit/s,\n"
    prof = "# bit/s\n0 1e6\n0.5 2e6\nLOOPAFTER 0.5\n"
    speed = "0 1\n1 0.5\n"
    got = {}
    for kind in ("plain", "bom", "crlf", "bom+crlf", "cr"):
        d = tmp_path / kind
        d.mkdir()
        (d / "s.toml").write_bytes(_variants(scen)[kind])
        (d / "g.csv").write_bytes(_variants(edges)[kind])
        (d / "bw.prof").write_bytes(_variants(prof)[kind])
        (d / "sp.prof").write_bytes(_variants(speed)[kind])
        sim = build(load(d / "s.toml"))
        got[kind] = (sorted(sim.graph.edges(data=True)), sorted(sim.network.links.items()))
        from netsim.network.profiles import read_profile
        got[kind] += (read_profile(d / "bw.prof", "k", "rate"), read_profile(d / "sp.prof", "k"))
    assert got["plain"][0][0] == (0, 1, {"bandwidth": 1e6})
    assert got["plain"][2].period == 1.0
    for kind in got:
        assert got[kind] == got["plain"], kind


def test_unreadable_files_are_one_line_errors(tmp_path):
    """Not UTF-8, a directory, a device, a file too large: refused with the path (and the
    line for bad bytes), never the content."""
    from netsim import textfiles

    bad = tmp_path / "latin1.prof"
    bad.write_bytes(b"0 1\n# caf\xe9 secret\n")
    with pytest.raises(ScenarioError, match=r"latin1.prof' line 2 has a byte"):
        textfiles.read_text(bad, "k", "profile file")
    assert "secret" not in str(pytest.raises(ScenarioError, textfiles.read_text, bad, "k").value)
    with pytest.raises(ScenarioError, match="regular"):
        textfiles.read_text(tmp_path, "k")
    with pytest.raises(ScenarioError, match="regular"):
        textfiles.read_text("/dev/zero", "k")                      # would never end
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(textfiles.MAX_TEXT_BYTES + 1)                   # sparse: no disk used
    with pytest.raises(ScenarioError, match="at most 256 MiB"):
        textfiles.read_text(big, "k")


def test_deeply_nested_toml_is_one_line_error(tmp_path):
    for text in ("a = " + "[" * 5000 + "]" * 5000, "[sweep]\nx = " + "[" * 40 + "1" + "]" * 40):
        p = tmp_path / "deep.toml"
        p.write_text(text)
        with pytest.raises(ScenarioError, match="nest|nested") as e:
            load(p)
        assert "\n" not in str(e.value)


# --------------------------------------------------------------------------- parameters
def test_small_world_odd_k_refused(cases, monkeypatch, capsys):
    line = _one_line_error(*_cli(monkeypatch, capsys, cases, "run", "small_world_odd_k.toml",
                                 "-q")[::2])
    assert "network.k must be an even integer in [2, 9]" in line and "got 3" in line


def test_small_world_even_k_builds_degree_k():
    sc = from_dict({"network": {"topology": "small_world", "agents": 10, "k": 4, "p": 0.0}})
    assert {d for _, d in build(sc).graph.degree} == {4}


@pytest.mark.parametrize("fraction,dim,k", [(0.1, 30, 3), (0.25, 10, 3), (0.3, 10, 3),
                                            (0.5, 5, 3), (1.0, 7, 7), (0.24, 10, 2)])
def test_sparsifier_fraction_gives_the_rounded_count(fraction, dim, k):
    """k = fraction x dim rounded half up, exactly (0.1 x 30 is 3, not ceil(3.0000000000000004)
    = 4), and that is the number of entries actually sent."""
    from netsim.compression.registry import make_compressor

    for name in ("rand_k", "top_k"):
        comp = make_compressor({"name": name, "fraction": fraction}, dim)
        out, _ = comp.update(np.arange(1.0, dim + 1), comp.init(dim), np.random.default_rng(0))
        assert np.count_nonzero(out.value) == k
        assert out.bits == k * 32 + k * math.ceil(math.log2(dim))


def test_sparsifier_fraction_giving_zero_is_refused():
    from netsim.compression.registry import make_compressor

    with pytest.raises(ScenarioError, match=r"fraction must be a number giving k = round"):
        make_compressor({"name": "top_k", "fraction": 0.01}, 20)


@pytest.mark.parametrize("case,key", [("lognormal_sigma_overflow", "jitter.sigma"),
                                      ("lognormal_mu_overflow", "jitter.mu")])
def test_lognormal_overflow_names_the_key(cases, monkeypatch, capsys, case, key):
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / case, "run", "min.toml",
                                 "-q")[::2])
    assert f"network.links.{key} must be" in line


@pytest.mark.parametrize("file,value", [("min.toml", "inf"), ("gradtime_huge.toml", "1e+307")])
def test_huge_compute_time_refused(cases, monkeypatch, capsys, file, value):
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / "gradient_time_inf", "run", file,
                                 "-q")[::2])
    assert "compute.gradient_time must be a finite time <= 1e+06 s" in line and value in line


@pytest.mark.parametrize("name,default", [("my scen.toml", "my_scen"),
                                          ("données.toml", "donnees")])
def test_default_name_from_stem_is_made_valid(cases, monkeypatch, capsys, name, default):
    code, out, _ = _cli(monkeypatch, capsys, cases / "default_name_from_stem", "run", name,
                        "--out", "res", "-q", "--set", "stop.rounds=2")
    assert code == 0 and out.startswith(f"{default}: ended by rounds")
    assert (cases / "default_name_from_stem" / "res" / default).is_dir()


# --------------------------------------------------------------------------- data files
@pytest.mark.parametrize("case,needle", [
    ("bandwidth_profile_zero", "network.profile[0].bandwidth ('{}' line 2) must have a "
                               "bandwidth > 0; got '0'"),
    ("edge_bandwidth_zero", "network.file '{}' line 2 column bandwidth: must be a rate > 0"),
    ("edge_loss_text", "network.file '{}' line 2 column loss: must be a probability in [0, 1);"
                       " got a 3-character text (not shown)"),
])
def test_bad_cells_name_file_line_and_value(cases, monkeypatch, capsys, case, needle):
    folder = cases / case
    data = next(p for p in folder.iterdir() if p.suffix in (".prof", ".csv"))
    line = _one_line_error(*_cli(monkeypatch, capsys, folder, "run", "min.toml", "-q")[::2])
    assert needle.format(data.resolve() if data.suffix == ".csv" else folder / data.name) in \
        line.replace(str(folder.resolve()), str(folder))


def test_loopafter_tiny_refused_and_validate_says_so(cases, monkeypatch, capsys):
    folder = cases / "loopafter_tiny_hang"
    for cmd in ("run", "validate"):
        line = _one_line_error(*_cli(monkeypatch, capsys, folder, cmd, "min.toml")[::2])
        assert "loop_tiny.prof' line 2) must repeat with a period" in line
        assert "at least 1e-12 s; got 1e-300 s" in line


@pytest.mark.parametrize("text,period", [("0 1\n2 0\nLOOPAFTER 3\n", 5.0),
                                         ("0 1\n2 0\nPERIODICITY 3\n", 3.0),
                                         ("1 1\n3 3\nLOOPAFTER 2\n", 5.0)])
def test_profile_keywords_mean_what_simgrid_means(tmp_path, text, period):
    """SimGrid (ProfileBuilder.cpp, Profile_test.cpp): LOOPAFTER d repeats after the last
    event + d; PERIODICITY p repeats with period p. '1 1 / 3 3 / LOOPAFTER 2' fires at
    1, 3, 6, 8, 11, ... (SimGrid's own test)."""
    from netsim.network.profiles import read_profile

    p = tmp_path / "p"
    p.write_text(text)
    prof = read_profile(p, "k")
    assert prof.period == period
    if text.startswith("1 1"):
        fired = [d + n * prof.period for n in range(3) for d, _ in prof.events]
        assert fired == [1, 3, 6, 8, 11, 13]


@pytest.mark.parametrize("text,needle", [
    ("0 1\n5 2\nPERIODICITY 3\n", "PERIODICITY >= the last date"),
    ("0 1\nLOOPAFTER 1\nPERIODICITY 2\n", "must not repeat"),
    ("STOCHASTIC\nDET 0 UNIF 1 2\n", "stochastic"),
    ("0 1\nLOOPAFTER 0\n", "at least 1e-12 s"),
    ("0 1\n1 0\nLOOPAFTER -1\n", "LOOPAFTER a delay >= 0"),
])
def test_profile_keyword_errors(tmp_path, text, needle):
    from netsim.network.profiles import read_profile

    p = tmp_path / "p"
    p.write_text(text)
    with pytest.raises(ScenarioError, match="line") as e:
        read_profile(p, "k")
    assert needle in str(e.value)


def test_profile_error_names_path_and_line_not_content(cases, monkeypatch, capsys, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("# header\nroot:x:0:0:hunter2:/root:/bin/bash\n")
    code, _, err = _cli(monkeypatch, capsys, cases / "profile_echoes_file", "run", "min.toml",
                        "-q", "--set", f"compute.profile=[{{agents = [0], state = '{secret}'}}]")
    line = _one_line_error(code, err)
    assert f"'{secret}' line 2" in line and "hunter2" not in line and "bin/bash" not in line


def test_npz_header_declaring_huge_arrays_is_refused_before_loading(tmp_path, monkeypatch):
    """An .npz whose header declares 10^12 floats (the data is not there): refused from the
    header, naming the key and the size; nothing is allocated."""
    import zipfile

    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10 ** 6, 10 ** 6)
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        with z.open("A.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, header)
        with z.open("b.npy", "w") as f:
            np.lib.format.write_array(f, np.ones(10 ** 6))
    sc = from_dict({"network": {"agents": 4}, "problem": {"kind": "least_squares",
                                                            "data": "huge.npz"}},
                   base_dir=tmp_path)
    with pytest.raises(ScenarioError, match=r"problem.data = 'huge.npz' needs about 1.6e\+04 GB"):
        build(sc, memory=1e9)                   # a 1 GB budget (NETSIM_MEMORY_GB=1)


# --------------------------------------------------------------------------- memory
@pytest.mark.parametrize("file,key", [("agents1e7.toml", "network.agents = 10000000"),
                                      ("agents1e9.toml", "network.agents = 1000000000"),
                                      ("complete1e5.toml", "network.topology = 'complete'"),
                                      ("features1e9.toml", "problem.features = 1000000000"),
                                      ("samples1e9.toml", "problem.samples_per_agent = "
                                                          "1000000000"),
                                      ("bw_1bit.toml", "problem.features = 20000")])
def test_memory_estimated_before_allocating(cases, monkeypatch, capsys, file, key):
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / "memory_exhaustion", "validate",
                                 file)[::2])
    assert key in line and "GB" in line and "over the memory budget of 8 GB" in line


def test_iterates_too_large_refused_before_the_run(cases, monkeypatch, capsys):
    monkeypatch.setenv("NETSIM_MEMORY_GB", "2")
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / "iterates_exhaust_memory", "run",
                                 "iterates_big.toml", "-q")[::2])
    assert "output.iterates = true needs about 7.23 GB (iterates: 7.2 GB)" in line
    assert not (cases / "iterates_exhaust_memory" / "results").exists()


def test_memory_budget_setting(monkeypatch):
    from netsim import budget
    from netsim.simulate import memory_from_env

    monkeypatch.setenv("NETSIM_MEMORY_GB", "1.5")
    assert memory_from_env() == 1.5e9
    assert budget.budget_bytes(memory_from_env()) == 1.5e9
    monkeypatch.setenv("NETSIM_MEMORY_GB", "lots")
    with pytest.raises(ScenarioError, match="NETSIM_MEMORY_GB must be a number of gigabytes"):
        memory_from_env()
    monkeypatch.delenv("NETSIM_MEMORY_GB")
    assert memory_from_env() is None
    assert 0 < budget.budget_bytes() <= budget._usable_memory()


# --------------------------------------------------------------------------- results
def test_mathtext_label_plots_as_text(cases, monkeypatch, capsys):
    code, out, _ = _cli(monkeypatch, capsys, cases / "label_mathtext", "run", "min.toml",
                        "--out", "res", "-q")
    assert code == 0
    run_dir = next((cases / "label_mathtext" / "res" / "min").iterdir())
    assert {p.name for p in run_dir.glob("*.png")} == {
        "rel_err_vs_time.png", "rel_err_vs_bits.png", "rel_err_vs_rounds.png"}


def test_plot_failure_keeps_the_run(cases, monkeypatch):
    import netsim.run_plots
    from netsim.results import PlotWarning

    def broken(*a, **k):
        raise RuntimeError("no backend")
    monkeypatch.setattr(netsim.run_plots, "plot_run", broken)
    res = run_variants(load(cases / "label_mathtext" / "min.toml"))[0]
    with pytest.warns(PlotWarning, match="figures not written"):
        folder = res.write(cases / "out")
    assert {"summary.json", "trace.csv", "scenario.toml"} <= {p.name for p in folder.iterdir()}
    assert not list(folder.parent.glob(".tmp-*"))


def test_long_label_and_long_name(cases, monkeypatch, capsys):
    code, out, _ = _cli(monkeypatch, capsys, cases / "long_label", "run", "min.toml", "--out",
                        "res", "-q")
    assert code == 0
    (run_dir,) = (cases / "long_label" / "res" / "min").iterdir()
    assert run_dir.name == "b" * 48 + "-" + run_dir.name[-10:]
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / "long_label", "run",
                                 "longname.toml", "-q")[::2])
    assert "name must be at most 100 characters" in line and "300 characters" in line


@pytest.mark.parametrize("file", ["mlp.toml", "srv_crash.toml"])
def test_summary_is_strict_json(cases, monkeypatch, capsys, file):
    """No bare NaN / Infinity: non-finite numbers are the strings "nan", "inf", "-inf"."""
    code, _, _ = _cli(monkeypatch, capsys, cases / "summary_nan_json", "run", file, "--out",
                      "res", "-q")
    assert code == 0
    (path,) = (cases / "summary_nan_json" / "res").glob("*/*/summary.json")

    def refuse(token):
        raise AssertionError(f"bare {token} in {path}")
    s = json.loads(path.read_text(), parse_constant=refuse)
    values = s["final"].values()
    assert "nan" in values and all(isinstance(v, (int, float)) or v == "nan" for v in values)


def test_target_inf_refused(cases, monkeypatch, capsys):
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / "summary_nan_json", "run",
                                 "min.toml", "-q")[::2])
    assert "stop.target must be a finite number" in line


def test_full_disk_is_one_line_and_leaves_nothing(cases, monkeypatch):
    """ENOSPC while writing: a NetsimError line, no run folder, no temporary folder."""
    import netsim.results.write

    res = run(load(cases / "bom_scenario.toml"))

    def full(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(netsim.results.write, "write_csv", full)
    with pytest.raises(NetsimError, match="the disk is full .*nothing half-written") as e:
        res.write(cases / "out")
    assert "\n" not in str(e.value)
    assert list((cases / "out" / "c02_bom").iterdir()) == []


def test_file_or_link_where_the_run_folder_goes(cases):
    from netsim.results import run_id

    res = run(load(cases / "bom_scenario.toml"))
    parent = cases / "out" / "c02_bom"
    parent.mkdir(parents=True)
    target = parent / run_id(res.scenario)
    target.write_text("mine")
    with pytest.raises(NetsimError, match="a file or link is where the run folder goes"):
        res.write(cases / "out")
    assert target.read_text() == "mine"
    target.unlink()
    target.symlink_to(cases)
    with pytest.raises(NetsimError, match="a file or link is where the run folder goes"):
        res.write(cases / "out")
    assert target.is_symlink()


# --------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("argv,needle", [
    (["animate", "bom_scenario.toml", "--fps", "0", "--out", "a.gif"], "--fps must be"),
    (["sweep", "bom_scenario.toml", "--workers", "100000"], "--workers must be an integer in"),
    (["sweep", "bom_scenario.toml", "--executor", "dask", "--scheduler", "nohost"],
     "--scheduler must be a Dask scheduler address"),
    (["sweep", "bom_scenario.toml", "--scheduler", "tcp://h:8786"], "needs --executor dask"),
])
def test_cli_values_are_one_line_errors(cases, monkeypatch, capsys, argv, needle):
    line = _one_line_error(*_cli(monkeypatch, capsys, cases, *argv)[::2])
    assert needle in line


def test_validate_checks_every_sweep_point_and_file(cases, monkeypatch, capsys):
    """A sweep whose second point names a missing profile and whose third cannot fit in
    memory: validate names each (the base scenario alone is fine)."""
    base = (cases / "bom_scenario.toml").read_text(encoding="utf-8-sig")
    (cases / "sw.toml").write_text(base + '[sweep]\n"network.agents" = [4, 1000000000]\n')
    line = _one_line_error(*_cli(monkeypatch, capsys, cases, "validate", "sw.toml")[::2])
    assert "sweep point network.agents=1000000000" in line and "memory budget" in line
    (cases / "v.toml").write_text(base + '[[variant]]\nlabel = "a"\n[[variant]]\nlabel = "b"\n'
                                  '[[variant.network.profile]]\nlinks = "all"\n'
                                  'latency = "missing.prof"\n')
    line = _one_line_error(*_cli(monkeypatch, capsys, cases, "validate", "v.toml")[::2])
    assert "network.profile[0].latency must name an existing profile file" in line


# --------------------------------------------------------------------------- accounting
@pytest.mark.parametrize("error_feedback", [False, True])
def test_bits_without_scale_under_retransmission(error_feedback):
    """qadmm with 30 % loss and retransmission: every transmission (retries and lost ones
    too) carries q bits per entry plus a 32-bit scale per vector; bits_without_scale is the
    q-bit part of every transmission, also with the error_feedback wrapper."""
    n, dim, q = 4, 6, 3
    res = run(from_dict({
        "network": {"agents": n, "links": {"loss": 0.3, "on_loss": "retransmit",
                                           "latency": "1 ms"}},
        "problem": {"kind": "least_squares", "samples_per_agent": 10, "features": dim},
        "algorithm": {"name": "qadmm", "compressor": {"name": "dither", "bits": q,
                                                      "error_feedback": error_feedback}},
        "stop": {"rounds": 15}, "output": {"plots": False}}))
    assert res.summary["network"]["retransmissions"] > 0
    vectors = {(u, v): 2 if v == n else 1 for u, v, *_ in res.links}   # uplink: dx, du
    payload = sum(m * vectors[(u, v)] * q * dim for u, v, _, m, _ in res.links)
    assert res.summary["server"]["bits_without_scale"] == payload
    assert res.trace["bits_without_scale"][-1] <= payload
    assert sum(b for _, _, b, _, _ in res.links) - payload == \
        32 * res.summary["server"]["scale_headers"]


@pytest.mark.parametrize("spec,key", [
    ({"dist": "pareto", "shape": 1e-300, "scale": 1}, "noise.shape"),
    ({"dist": "exponential", "mean": 1e308}, "noise.mean"),
    ({"dist": "lognormal", "mu": -1000.0, "sigma": 1}, "noise.mu"),
])
def test_distributions_whose_draws_overflow_are_refused(spec, key):
    """Every accepted distribution draws finite floats (no inf step times)."""
    with pytest.raises(ScenarioError, match=f"compute.{key} must be"):
        from_dict({"compute": {"noise": spec}})


def test_plot_of_a_damaged_run_folder_is_one_line(cases, monkeypatch, capsys):
    res = run(load(cases / "bom_scenario.toml"))
    folder = res.write(cases / "out")
    (folder / "summary.json").write_text('{"name": ')
    line = _one_line_error(*_cli(monkeypatch, capsys, cases, "plot", str(folder))[::2])
    assert "is damaged (JSONDecodeError)" in line


@pytest.mark.parametrize("key", ["network.links.latency", "network.links.timeout"])
def test_infinite_link_times_refused(key):
    """A link that would never deliver (or never time out) is refused, not run to a stall."""
    data = {"network": {"links": {}}}
    data["network"]["links"][key.split(".")[-1]] = "inf"
    with pytest.raises(ScenarioError, match=f"{key} must be a time >= 0.*'inf' is not allowed"):
        from_dict(data)


def test_mlp_too_large_refused_before_building(cases, monkeypatch, capsys):
    """hidden = 10^8 (an mlp of 7.5e9 parameters): refused from the scenario, before the
    network is allocated, naming problem.hidden."""
    line = _one_line_error(*_cli(monkeypatch, capsys, cases / "summary_nan_json", "validate",
                                 "mlp.toml", "--set", "problem.hidden=100000000")[::2])
    assert "problem.hidden = 100000000 needs about" in line and "memory budget of 8 GB" in line


def test_a_pipe_named_as_a_data_file_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "d.npz")
    os.mkfifo(tmp_path / "p.prof")
    for data, key in ([{"problem": {"kind": "least_squares", "data": "d.npz"}}, "problem.data"],
                      [{"algorithm": {"name": "admm", "x0": "d.npz"}}, "algorithm.x0"],
                      [{"compute": {"profile": [{"agents": "all", "speed": "p.prof"}]}},
                       "compute.profile[0].speed"]):
        with pytest.raises(ScenarioError, match="regular") as e:
            build(from_dict({"network": {"agents": 3}, **data}, base_dir=tmp_path))
        assert str(e.value).startswith(key)


def test_quantizer_billing_convention_is_stated_with_the_bits():
    """The b-bit quantizer emits 2^b + 1 levels (counted here) and is billed b bits per entry;
    summary.json says so next to the bits."""
    from netsim.compression.registry import make_compressor

    comp = make_compressor({"name": "quantizer", "bits": 2}, 4000)
    out, _ = comp.update(np.random.default_rng(1).standard_normal(4000), None,
                         np.random.default_rng(2))
    levels = np.unique(np.round(out.value / np.max(np.abs(out.value)) * 2))
    assert len(levels) == 2 ** 2 + 1 and out.bits == 4000 * 2 + 32
    res = run(from_dict({"network": {"agents": 3}, "stop": {"rounds": 1},
                         "problem": {"samples_per_agent": 5, "features": 3},
                         "algorithm": {"name": "lead",
                                       "compressor": {"name": "quantizer", "bits": 2}}}))
    assert res.summary["bits_convention"].startswith("quantizer: 2^2 + 1 = 5 levels per entry "
                                                     "billed 2 bits")
