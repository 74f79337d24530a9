"""The sweeps/ cases of issue 13 (../shared/cases/README.md) and the run-id / CSV rules:
every finished run listed once, never a stale, half-written or temporary result."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from netsim import results
from netsim.cli import main
from netsim.errors import ScenarioError
from netsim.results import (
    ResultsError,
    clean_stale_tmp,
    decode_cell,
    encode_cell,
    format_number,
    inputs_read,
    run_id,
    write_csv,
)
from netsim.scenario import dump_toml, from_dict, load
from netsim.sweeps import count_points, iter_points, read_runs, run_sweep

TINY = {
    "name": "tiny", "seed": 1,
    "network": {"topology": "ring", "agents": 4},
    "problem": {"kind": "least_squares", "samples_per_agent": 10, "features": 3},
    "algorithm": {"name": "admm"},
    "stop": {"rounds": 5},
    "output": {"plots": False},
}


def _sweep(tmp_path, sweep, name="tiny", **extra):
    data = {**TINY, "name": name, "sweep": sweep, **extra}
    path = tmp_path / f"{name}.toml"
    path.write_text(dump_toml(data))
    return load(path)


def _listed(root):
    with open(root / "runs.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert all(len(r) == len(rows[0]) for r in rows)          # no shifted columns
    return read_runs(root / "runs.csv")


# --------------------------------------------------------------- stale_data_cache
def test_editing_a_data_file_gives_new_run_ids_and_fresh_results(tmp_path):
    """stale_data_cache: after the .npz is edited the sweep reruns both points (0 already
    done) and runs.csv lists only the runs of the new content."""
    r = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", A=r.standard_normal((40, 4)), b=r.standard_normal(40))
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0, 2.0]},
                problem={"kind": "least_squares", "data": "d.npz"})
    root, c1 = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    first = {row["run_id"]: row["final_rel_err"] for row in _listed(root)}
    assert c1["ran"] == 2
    r = np.random.default_rng(99)
    np.savez(tmp_path / "d.npz", A=100 * r.standard_normal((80, 6)), b=r.standard_normal(80))
    root, c2 = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: c2[k] for k in ("points", "skipped", "ran", "errors")} == {
        "points": 2, "skipped": 0, "ran": 2, "errors": 0}
    rows = _listed(root)
    assert len(rows) == 2 and not set(first) & {row["run_id"] for row in rows}
    for row in rows:
        s = json.loads((root / row["run_id"] / "summary.json").read_text())
        assert s["dim"] == 6 if "dim" in s else True
        sc_run = (root / row["run_id"] / "scenario.toml").read_text()
        assert 'data = "d.npz"' in sc_run


def test_a_file_edited_during_a_sweep_never_lands_under_the_old_id(tmp_path, monkeypatch):
    """The data file is edited while the first point runs: that point is an error (its
    results would not match its id); the second point, expanded after the edit, runs; a
    re-run runs the first with the new content."""
    import netsim.simulate
    real = netsim.simulate.run
    r = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", A=r.standard_normal((40, 4)), b=r.standard_normal(40))

    def editing(sc, *a, **k):
        res = real(sc, *a, **k)
        if sc.data["algorithm"]["rho"] == 1.0:
            np.savez(tmp_path / "d.npz", A=r.standard_normal((40, 4)),
                     b=r.standard_normal(40))
        return res
    monkeypatch.setattr(netsim.simulate, "run", editing)
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0, 2.0]},
                problem={"kind": "least_squares", "data": "d.npz"})
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 2, "skipped": 0, "ran": 1, "errors": 1}
    rows = _listed(root)
    assert rows[0]["end"] == "error" and "input file changed" in rows[0]["error"]
    assert not (root / rows[0]["run_id"]).exists()
    monkeypatch.setattr(netsim.simulate, "run", real)
    _, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 2, "skipped": 1, "ran": 1, "errors": 0}


def test_every_file_a_run_reads_is_in_its_id(tmp_path):
    """inputs_read finds data, edge list, network and compute profiles and x0; editing any
    one of them changes the run id; moving the folder does not."""
    (tmp_path / "d.npz").write_bytes(b"a")
    (tmp_path / "e.csv").write_text("0,1\n1,2\n2,3\n3,0\n")
    (tmp_path / "bw.prof").write_text("0 1e6\n")
    (tmp_path / "sp.prof").write_text("0 1\n")
    (tmp_path / "x0.npz").write_bytes(b"x")
    data = {**TINY,
            "network": {"topology": "edges", "file": "e.csv", "agents": 4,
                        "profile": [{"links": "all", "bandwidth": "bw.prof"}]},
            "compute": {"profile": [{"agents": "all", "speed": "sp.prof"}]},
            "problem": {"kind": "least_squares", "data": "d.npz"},
            "algorithm": {"name": "admm", "x0": "x0.npz"}}
    sc = from_dict(data, None, tmp_path)
    keys = [k for k, _ in inputs_read(sc)]
    assert keys == ["problem.data", "network.file", "network.profile[0].bandwidth",
                    "compute.profile[0].speed", "algorithm.x0"]
    ids = {run_id(sc)}
    for name in ("d.npz", "e.csv", "bw.prof", "sp.prof", "x0.npz"):
        with open(tmp_path / name, "a") as f:
            f.write("\n# edited\n")
        ids.add(run_id(sc))
    assert len(ids) == 6
    last = run_id(sc)
    moved = tmp_path / "moved"
    moved.mkdir()
    for name in ("d.npz", "e.csv", "bw.prof", "sp.prof", "x0.npz"):
        (tmp_path / name).rename(moved / name)
    assert run_id(from_dict(data, None, moved)) == last
    assert run_id(sc) not in ids                    # now missing: hashed as such


def _write_v1(point, out):
    """A run folder as netsim wrote it before the version-2 rule."""
    import netsim
    from netsim.results import run_id_v1, write_result
    return write_result(netsim.run(point.scenario), out, rid=run_id_v1(point.scenario))


def test_version_1_folders_are_migrated_once(tmp_path):
    """The one-time migration: folders written under version-1 ids (hash of the scenario
    text without [output], no file content) are renamed to their version-2 ids when their
    scenario.toml is the point's resolved scenario, and count as done; a version-1 folder
    made with other output keys (every = 2: another trace) is not reused."""
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0, 2.0]})
    points = list(iter_points(sc))
    v1 = [_write_v1(p, tmp_path / "o").name for p in points]
    assert not set(v1) & {p.run_id for p in points}
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 2, "skipped": 2, "ran": 0, "errors": 0}
    assert sorted(q.name for q in root.iterdir() if q.is_dir()) == sorted(
        p.run_id for p in points)
    for row in _listed(root):
        summary = json.loads((root / row["run_id"] / "summary.json").read_text())
        assert summary["run_id"] == row["run_id"]
    every2 = next(iter_points(_sweep(tmp_path, {"algorithm.rho": [3.0]}, name="e",
                                     output={"plots": False, "every": 2})))
    plain = next(iter_points(_sweep(tmp_path, {"algorithm.rho": [3.0]}, name="e")))
    from netsim.results import run_id_v1
    assert run_id_v1(every2.scenario) == run_id_v1(plain.scenario)
    assert every2.run_id != plain.run_id
    _write_v1(plain, tmp_path / "o")
    sc2 = _sweep(tmp_path, {"algorithm.rho": [3.0]}, name="e",
                 output={"plots": False, "every": 2})
    _, counts = run_sweep(sc2, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 1, "skipped": 0, "ran": 1, "errors": 0}


def test_ids_ignore_key_order_and_output_dir_but_not_other_output_keys():
    a = from_dict({**TINY, "algorithm": {"name": "admm", "compressor": {
        "name": "top_k", "k": 2}}})
    b = from_dict({**TINY, "algorithm": {"name": "admm", "compressor": {
        "k": 2, "name": "top_k"}}})
    assert run_id(a) == run_id(b)
    assert run_id(from_dict({**TINY, "output": {"plots": False, "dir": "elsewhere"}})) == \
        run_id(from_dict(TINY))
    assert run_id(from_dict({**TINY, "output": {"plots": False, "every": 2}})) != \
        run_id(from_dict(TINY))


def test_old_folders_of_file_reading_runs_are_not_reused_nor_listed(tmp_path):
    """The documented outcome for version-1 ids of runs that read a file: such a folder is
    never taken as done (its input content is unknown) and runs.csv does not list it."""
    import hashlib
    r = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", A=r.standard_normal((40, 4)), b=r.standard_normal(40))
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0]},
                problem={"kind": "least_squares", "data": "d.npz"})
    point = next(iter_points(sc))
    data = dict(point.scenario.data)
    data.pop("output")
    legacy = "run-" + hashlib.sha256(dump_toml(data).encode()).hexdigest()[:10]
    assert legacy != point.run_id
    root = tmp_path / "o" / "tiny"
    root.mkdir(parents=True)
    (root / legacy).mkdir()
    (root / legacy / "summary.json").write_text('{"end": "rounds"}')
    _, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 1, "skipped": 0, "ran": 1, "errors": 0}
    assert [row["run_id"] for row in _listed(root)] == [point.run_id]
    assert not list(root.glob(".sweep-*.lock"))       # the sweep's lock file is removed


# --------------------------------------------------------------- sweep_seed_singular
def test_sweep_seed_is_refused_pointing_to_seeds(tmp_path, capsys):
    with pytest.raises(ScenarioError, match=r"sweep.seed .*seeds = \[\.\.\.\]"):
        from_dict({**TINY, "sweep": {"seed": [1, 2, 3]}})
    path = tmp_path / "s.toml"
    path.write_text(dump_toml({**TINY, "sweep": {"seed": [1, 2, 3]}}))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seeds" in err
    sc = _sweep(tmp_path, {"seeds": [1, 2, 3]})
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    header = (root / "runs.csv").read_text().splitlines()[0].split(",")
    assert counts["ran"] == 3 and header.count("seed") == 1
    assert [r["seed"] for r in read_runs(root / "runs.csv")] == [1, 2, 3]


# --------------------------------------------------------------- runs_csv_unquoted_lists
def test_runs_csv_reads_back_to_the_swept_values(tmp_path):
    """runs_csv_unquoted_lists: list and table values are quoted; every row has the
    header's number of cells; read_runs returns the values that were swept."""
    agents = [[0], [1, 2]]
    slow = [2.0, {"dist": "uniform", "low": 1.0, "high": 3.0}]
    sc = _sweep(tmp_path, {"compute.stragglers.agents": agents,
                           "compute.stragglers.slowdown": slow},
                stop={"rounds": 5, "target": 1e-3})
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert counts["ran"] == 4
    rows = _listed(root)
    assert [(r["compute.stragglers.agents"], r["compute.stragglers.slowdown"])
            for r in rows] == [(a, s) for a in agents for s in slow]
    for r in rows:
        s = json.loads((root / r["run_id"] / "summary.json").read_text())
        assert r["label"] == "" and r["seed"] == 1 and r["end"] == s["end"]
        assert r["rounds"] == s["rounds"] and r["time"] == s["time"]
        assert r["target_reached"] is s["target"]["reached"]
        assert r["final_rel_err"] == s["final"]["rel_err"]


@pytest.mark.parametrize("value", [None, True, False, 0, -3, 1.5, 1e-300, float("inf"),
                                   "ring", "", "1", "true", "nan", "1e3", " 2", '"q"',
                                   "a,b", 'say "hi"', "line\nbreak", "[x", [1, [2, 3]],
                                   {"dist": "uniform", "low": 1}, [], "Infinity"])
def test_cells_read_back_to_what_was_written(tmp_path, value):
    path = tmp_path / "c.csv"
    write_csv(path, ["a", "b"], [[value, 7]], cell=encode_cell)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows[1]) == 2
    assert decode_cell(rows[1][0]) == value and type(decode_cell(rows[1][0])) is type(value)


def test_numeric_csv_bytes_are_format_number_joined(tmp_path):
    """trace.csv, links.csv, messages.csv: the csv-module writer writes exactly the text of
    format_number joined by commas (the bytes of earlier versions)."""
    rows = [[1, 0.1 + 0.2, np.float64(1e-17), np.int64(5), True, np.bool_(False),
             float("nan"), float("inf"), -0.0]] * 3
    write_csv(tmp_path / "t.csv", ["a", "b", "c", "d", "e", "f", "g", "h", "i"], rows)
    expect = "a,b,c,d,e,f,g,h,i\n" + "".join(
        ",".join(format_number(v) for v in r) + "\n" for r in rows)
    assert (tmp_path / "t.csv").read_bytes() == expect.encode()


# --------------------------------------------------------------- one_bad_point_aborts_sweep
def test_a_point_that_raises_is_an_error_row_and_the_others_run(tmp_path, monkeypatch,
                                                                 capsys):
    """one_bad_point_aborts_sweep: a point whose file is missing (ScenarioError at build)
    and a point whose run raises (any exception) are recorded as end = error with their
    message; the other points run; exit code 1."""
    import netsim.simulate
    real = netsim.simulate.run

    def flaky(sc, *a, **k):
        if sc.data["algorithm"]["rho"] == 3.0:
            raise ZeroDivisionError("float division by zero")
        return real(sc, *a, **k)
    monkeypatch.setattr(netsim.simulate, "run", flaky)
    (tmp_path / "x0.npz").write_bytes(b"")
    sc = _sweep(tmp_path, {"algorithm.x0": ["zeros", "missing.npz"],
                           "algorithm.rho": [1.0, 2.0, 3.0]})
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 6, "skipped": 0, "ran": 2, "errors": 4}
    rows = _listed(root)
    ends = [(r["algorithm.x0"], r["algorithm.rho"], r["end"]) for r in rows]
    assert [e[2] for e in ends] == ["rounds", "rounds", "error", "error", "error", "error"]
    assert "ZeroDivisionError: float division by zero" in rows[2]["error"]
    assert "algorithm.x0" in rows[3]["error"] and "\n" not in rows[3]["error"]
    assert all(r["error"] == "" for r in rows[:2])
    monkeypatch.setattr(netsim.simulate, "run", real)
    path = tmp_path / "tiny.toml"
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "-q"]) == 1
    out = capsys.readouterr()
    assert "(2 already done, 1 run now, 3 failed)" in out.out and "runs failed" in out.err


def test_an_invalid_point_is_an_error_row_and_expand_names_it(tmp_path):
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0, -1.0, 2.0]})
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 3, "skipped": 0, "ran": 2, "errors": 1}
    rows = _listed(root)
    assert rows[1]["end"] == "error" and "algorithm.rho=-1.0" in rows[1]["error"]
    with pytest.raises(ScenarioError, match="algorithm.rho=-1.0"):
        list(iter_points(sc))


# --------------------------------------------------------------- damaged summary.json
def test_damaged_summary_is_redone(tmp_path):
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0, 2.0, 3.0]})
    root, _ = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    rows = _listed(root)
    text = (root / rows[1]["run_id"] / "summary.json").read_text()
    (root / rows[1]["run_id"] / "summary.json").write_text(text[: len(text) // 2])
    (root / rows[2]["run_id"] / "summary.json").write_text("")
    root, counts = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 3, "skipped": 1, "ran": 2, "errors": 0}
    assert _listed(root) == rows


# --------------------------------------------------------------- plot_reads_tmp_folder
def test_temporary_folders_are_never_results_and_are_cleaned(tmp_path):
    """plot_reads_tmp_folder: a temporary folder left by a killed writer (complete-looking
    files included) is not plotted and is removed by the next sweep; a live writer's one is
    kept."""
    from netsim.plots import _collect
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0, 2.0]})
    root, _ = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    real = sorted(p for p in root.iterdir() if p.is_dir())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    import socket
    killed = root / f".tmp-{socket.gethostname()}-{dead}-0123abcd"
    live = root / f".tmp-{socket.gethostname()}-{os.getpid()}-0123abcd"
    legacy = root / ".tmp-k2j3h4g5"                  # mkdtemp name of earlier versions
    for t in (killed, live, legacy):
        t.mkdir()
        for f in real[0].iterdir():
            (t / f.name).write_bytes(f.read_bytes())
    assert sorted(_collect([root])) == real
    assert sorted(_collect([root / "runs.csv"])) == real
    index = (root / "runs.csv").read_bytes()
    (root / "runs.csv").unlink()
    assert sorted(_collect([root])) == real          # a folder without index: no tmp either
    (root / "runs.csv").write_bytes(index)
    assert main(["plot", str(root), "--x", "rounds", "--y", "rel_err"]) == 0
    run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    assert not killed.exists() and not legacy.exists() and live.exists()
    assert clean_stale_tmp(root) == 0
    killed.mkdir()                                   # `netsim run` cleans them too
    path = tmp_path / "tiny.toml"
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "-q"]) == 0
    assert not killed.exists() and live.exists()


# --------------------------------------------------------------- grid_1e6
def test_a_million_point_grid_expands_lazily(tmp_path):
    """grid_1e6: counted without expanding; the first points come at once and iterating
    does not hold the points (memory stays flat)."""
    import time
    import tracemalloc
    sc = _sweep(tmp_path, {"algorithm.rho": [0.1 + i / 1000 for i in range(1000)],
                           "algorithm.batch": list(range(1, 1001))},
                problem={"kind": "least_squares", "samples_per_agent": 1000, "features": 2},
                stop={"rounds": 1})
    t = time.perf_counter()
    assert count_points(sc) == 10 ** 6
    it = iter_points(sc)
    next(it)
    assert time.perf_counter() - t < 2.0
    import gc
    tracemalloc.start()
    for _ in range(50):
        next(it)
    gc.collect()
    first, _ = tracemalloc.get_traced_memory()
    for _ in range(200):
        next(it)
    gc.collect()
    second, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert second - first < 200 * 250          # the seen-id set only: < 250 bytes a point


# --------------------------------------------------------------- umask, full disk
def test_result_files_follow_the_umask(tmp_path):
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0]})
    old = os.umask(0o002)
    try:
        root, _ = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    finally:
        os.umask(old)
    run = next(p for p in root.iterdir() if p.is_dir())
    assert run.stat().st_mode & 0o777 == 0o775
    assert (run / "summary.json").stat().st_mode & 0o777 == 0o664
    assert (root / "runs.csv").stat().st_mode & 0o777 == 0o664


def _dead_pid() -> int:
    """The pid of a process that has ended (a worker killed mid-write)."""
    import subprocess
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_full_disk_is_one_line_and_keeps_finished_runs(tmp_path, monkeypatch, capsys):
    """disk_full: ENOSPC while writing the third run stops the sweep with one line; the two
    finished runs are kept and listed; nothing half-written is left, also not the temporary
    folder of a parallel worker stopped mid-write (it was left with --workers 2); a re-run
    resumes."""
    import errno
    import socket
    real = results.write._write_files
    calls = []
    dead = _dead_pid()

    def full(result, tmp, rid):
        calls.append(rid)
        if len(calls) == 3:
            (tmp / "trace.csv").write_text("round,time\n0,")      # a half-written file
            # what a parallel worker stopped mid-write leaves: its own temporary folder
            (tmp.parent / f".tmp-{socket.gethostname()}-{dead}-0b4173a6").mkdir()
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(result, tmp, rid)
    monkeypatch.setattr(results.write, "_write_files", full)
    path = tmp_path / "tiny.toml"
    path.write_text(dump_toml({**TINY, "sweep": {"algorithm.rho": [1.0, 2.0, 3.0, 4.0]}}))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "disk is full" in err and "Traceback" not in err
    root = tmp_path / "o" / "tiny"
    assert not list(root.glob(".tmp-*"))
    rows = _listed(root)
    assert len(rows) == 2 and all((root / r["run_id"] / "summary.json").is_file()
                                  for r in rows)
    assert len([p for p in root.iterdir() if p.is_dir()]) == 2
    monkeypatch.setattr(results.write, "_write_files", real)
    _, counts = run_sweep(load(path), tmp_path / "o", executor="serial", progress=False)
    assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == \
        {"points": 4, "skipped": 2, "ran": 2, "errors": 0}


def test_full_disk_while_writing_runs_csv_keeps_the_old_index(tmp_path, monkeypatch):
    import errno
    sc = _sweep(tmp_path, {"algorithm.rho": [1.0]})
    root, _ = run_sweep(sc, tmp_path / "o", executor="serial", progress=False)
    before = (root / "runs.csv").read_bytes()
    real_replace = os.replace

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "replace", full)
    from netsim.sweeps import write_index
    with pytest.raises(ResultsError, match="disk is full"):
        write_index(root, [{"run_id": "x", "label": "", "seed": 1, "end": "rounds"}], [])
    monkeypatch.setattr(os, "replace", real_replace)
    assert (root / "runs.csv").read_bytes() == before and not list(root.glob(".tmp-*"))


# --------------------------------------------------------------- concurrent writers
def _write_many(args):
    out, n = args
    import netsim
    res = netsim.run(from_dict(TINY))
    errors = 0
    for _ in range(n):
        try:
            res.write(out)
        except Exception:                   # noqa: BLE001 - counted, the test asserts 0
            errors += 1
    return errors


def test_concurrent_writers_of_one_run_id_never_fail(tmp_path):
    """concurrent_sweeps (race_api.py): two processes writing the same run id 40 times
    each: 0 errors, one complete folder, no temporary folder left."""
    import multiprocessing as mp
    with mp.get_context("fork").Pool(2) as pool:
        errs = pool.map(_write_many, [(str(tmp_path), 40)] * 2)
    assert errs == [0, 0]
    folders = [p for p in (tmp_path / "tiny").iterdir() if p.is_dir()]
    assert len(folders) == 1 and results.is_complete(folders[0])
    assert not list((tmp_path / "tiny").glob(".tmp-*"))
