"""Fault injection for sweeps (issue 13): Ctrl-C (SIGINT to the process group) and SIGKILL
at moments drawn from a fixed seed, two sweeps at once on one folder, a different sweep with
the same name refused; afterwards every finished run is listed once in runs.csv, every run
folder is complete and no temporary file is left. (The full disk is in
test_sweep_cases.py.)"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np

from netsim.results import is_complete
from netsim.sweeps import read_runs

SCEN = """
name = "flt"
seed = 1
[network]
topology = "ring"
agents = 6
[problem]
kind = "logistic"
samples_per_agent = 30
features = 10
[algorithm]
name = "lt-admm-vr"
[stop]
rounds = {rounds}
[output]
plots = false
[sweep]
"algorithm.rho" = {rhos}
"""


def _write(tmp_path, name="s.toml", rounds=300, n=10):
    path = tmp_path / name
    path.write_text(SCEN.format(rounds=rounds, rhos=[0.5 + 0.1 * i for i in range(n)]))
    return path


def _cmd(path, out, *extra):
    return [sys.executable, "-m", "netsim", "sweep", str(path), "--out", str(out), *extra]


def _children(pid):
    """Pids of the direct children of ``pid`` (Linux /proc)."""
    kids = []
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:                                     # a zombie is dead
        return (pathlib.Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
                != "Z")
    except OSError:
        return False


def _check_consistent(root):
    """Invariants after any fault: every run folder complete, runs.csv (if any) lists
    complete folders only, each once."""
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for f in folders:
        assert is_complete(f), f
        lines = (f / "trace.csv").read_text().splitlines()
        assert all(line.count(",") == lines[0].count(",") for line in lines)
    listed = []
    if (root / "runs.csv").exists():
        listed = [r["run_id"] for r in read_runs(root / "runs.csv")]
        assert len(listed) == len(set(listed))
        assert all(is_complete(root / r) for r in listed)
    return {f.name for f in folders}, listed


def test_sigint_and_sigkill_at_random_moments_then_resume(tmp_path):
    """Four interruptions of a processes sweep at seeded moments (Ctrl-C to the whole
    process group, or SIGTERM to the parent: exit 130 within seconds with runs.csv written;
    SIGKILL of the parent: its workers die too), then a re-run completes: 24 runs, each
    listed once."""
    rng = np.random.default_rng(13)
    faults = []
    path = _write(tmp_path, rounds=900, n=24)   # long enough that the faults land mid-sweep
    out = tmp_path / "o"
    root = out / "flt"
    for kind in ("SIGINT", "SIGKILL", "SIGTERM", "SIGKILL"):
        before = len(_check_consistent(root)[0]) if root.exists() else 0
        proc = subprocess.Popen(_cmd(path, out, "--workers", "2", "-q"),
                                start_new_session=True, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60 and not (root.exists() and len(
                [p for p in root.iterdir() if p.is_dir() and p.name.startswith("run-")])
                > before):
            time.sleep(0.02)                     # the pool is running: a run landed
        time.sleep(rng.uniform(0.0, 0.6))
        if proc.poll() is not None:
            break                                # finished before the fault: fine
        faults.append(kind)
        workers = _children(proc.pid)
        if kind in ("SIGINT", "SIGTERM"):
            if kind == "SIGINT":
                os.killpg(proc.pid, signal.SIGINT)       # Ctrl-C: the whole group
            else:
                os.kill(proc.pid, signal.SIGTERM)        # `kill PID`: the parent only
            t = time.monotonic()
            err = proc.communicate(timeout=20)[1]
            took = time.monotonic() - t
            assert took < 10 and "Traceback" not in err, (kind, took, proc.returncode, err)
            done, listed = _check_consistent(root)
            assert set(listed) == done                  # what finished, listed
            if len(done) == 24 and "finished runs listed in" not in err:
                # the signal came as the sweep ended: its status stands (0), or an
                # interruption after runs.csv was complete (130); never killed by the signal
                assert proc.returncode in (0, 130), err
                faults.pop()
                break
            assert proc.returncode == 130 and "finished runs listed in" in err, err
        else:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=20)
            if not workers:
                # the pool had already shut down: the sweep had run every point and was
                # exiting (CI once met this after workers began reusing problem set-up)
                done, listed = _check_consistent(root)
                assert len(done) == 24
                faults.pop()
                break
            t = time.monotonic()
            while time.monotonic() - t < 5 and any(_alive(w) for w in workers):
                time.sleep(0.05)
            assert not any(_alive(w) for w in workers)  # the workers died with the parent
            _check_consistent(root)
    res = subprocess.run(_cmd(path, out, "--workers", "2", "-q"), capture_output=True,
                         text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    done, listed = _check_consistent(root)
    assert len(done) == 24 and sorted(listed) == sorted(done)
    assert not list(root.glob(".tmp-*"))
    assert faults[:2] == ["SIGINT", "SIGKILL"]
    if len(faults) == 4:
        assert faults[2] == "SIGTERM"


def test_two_sweeps_on_one_folder_both_finish(tmp_path):
    """concurrent_sweeps: the same sweep started twice at once on one folder (serial and
    processes): both exit 0, every point is listed once, nothing temporary is left."""
    path = _write(tmp_path, rounds=100, n=16)
    out = tmp_path / "o"
    a = subprocess.Popen(_cmd(path, out, "--executor", "serial", "-q"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(_cmd(path, out, "--workers", "2", "-q"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = out / "flt"
    for p in (a, b):
        _, e = p.communicate(timeout=120)
        assert p.returncode == 0, e
    done, listed = _check_consistent(root)
    rows = read_runs(root / "runs.csv")
    assert len(rows) == 16 and len(set(listed)) == 16 and set(listed) <= done
    assert [r["algorithm.rho"] for r in rows] == [0.5 + 0.1 * i for i in range(16)]
    assert not list(root.glob(".tmp-*"))
    for r in rows:
        s = json.loads((root / r["run_id"] / "summary.json").read_text())
        assert s["run_id"] == r["run_id"] and s["rounds"] == r["rounds"] == 100


def test_million_point_sweep_shows_progress_at_once_and_stops_on_ctrl_c(tmp_path):
    """grid_1e6: `netsim sweep` of a 10^6-point grid shows its progress bar (x/1000000)
    within seconds, its memory stays small, and Ctrl-C stops it with runs.csv listing the
    runs that finished."""
    path = tmp_path / "g.toml"
    path.write_text(f"""
name = "g"
[network]
agents = 4
[problem]
kind = "least_squares"
samples_per_agent = 5
features = 2
[stop]
rounds = 1
[output]
plots = false
[sweep]
"algorithm.rho" = {[round(0.1 + i / 1000, 4) for i in range(1000)]}
seeds = {list(range(1000))}
""")
    out = tmp_path / "o"
    proc = subprocess.Popen(_cmd(path, out, "--workers", "2", "--progress"),
                            start_new_session=True,
                            stderr=subprocess.PIPE)
    os.set_blocking(proc.stderr.fileno(), False)
    t0, buf, shown = time.monotonic(), b"", None
    root = out / "g"
    while time.monotonic() - t0 < 30:
        try:
            buf += os.read(proc.stderr.fileno(), 1 << 16)
        except BlockingIOError:
            pass
        if shown is None and b"/1000000" in buf:
            shown = time.monotonic() - t0
        if shown is not None and root.exists() and sum(1 for _ in root.glob("run-*")) >= 20:
            break
        time.sleep(0.05)
    status = pathlib.Path(f"/proc/{proc.pid}/status").read_text()
    rss_kb = int(next(line for line in status.splitlines()
                      if line.startswith("VmRSS")).split()[1])
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=20)
    proc.stderr.close()
    assert shown is not None and shown < 10, buf[-500:]
    assert proc.returncode == 130 and rss_kb < 400_000
    done, listed = _check_consistent(root)
    assert len(listed) >= 20 and set(listed) == done


def test_a_different_sweep_with_the_same_name_is_refused_while_one_runs(tmp_path):
    """Two different scenarios named alike on one folder: while one sweep runs (holds its
    lock) the other is refused with one line; after it, the other runs and runs.csv lists
    the other's points."""
    from netsim.errors import ScenarioError
    from netsim.scenario import load
    from netsim.sweeps import run_sweep
    from netsim.sweeps.runner import sweep_lock as _sweep_lock

    first = load(_write(tmp_path, "a.toml", rounds=5, n=2))
    second = load(_write(tmp_path, "b.toml", rounds=6, n=2))
    root = tmp_path / "o" / "flt"
    root.mkdir(parents=True)
    with _sweep_lock(root, first):
        import pytest
        with pytest.raises(ScenarioError, match="name must differ from a sweep of another"):
            run_sweep(second, tmp_path / "o", executor="serial", progress=False)
        run_sweep(first, tmp_path / "o", executor="serial", progress=False)   # the same: ok
    _, counts = run_sweep(second, tmp_path / "o", executor="serial", progress=False)
    assert counts["ran"] == 2
    assert [r["rounds"] for r in read_runs(root / "runs.csv")] == [6, 6]


def test_ctrl_c_stops_a_dask_sweep(tmp_path):
    """Ctrl-C (SIGINT to the process group) during a Dask LocalCluster sweep: exit 130
    within seconds, no traceback from the workers, runs.csv lists what finished."""
    import pytest
    pytest.importorskip("dask.distributed")
    path = _write(tmp_path, n=24)
    out = tmp_path / "o"
    root = out / "flt"
    proc = subprocess.Popen(_cmd(path, out, "--executor", "dask", "--workers", "2", "-q"),
                            start_new_session=True, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60 and not (root.exists() and list(root.glob("run-*"))):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    t = time.monotonic()
    err = proc.communicate(timeout=30)[1]
    assert proc.returncode == 130 and time.monotonic() - t < 10, err
    assert "Traceback" not in err and "finished runs listed in" in err
    done, listed = _check_consistent(root)
    assert listed and set(listed) <= done



def test_a_signal_after_the_command_ended_keeps_its_exit_status(tmp_path):
    """The race CI once hit: SIGTERM (or Ctrl-C) arriving after a command finished, while the
    process exits, leaves the command's status (0): not killed by the signal, no traceback."""
    for sig in ("SIGTERM", "SIGINT"):
        code = ("import os, signal, sys, time\n"
                "from netsim.cli import console\n"
                "sys.argv = ['netsim', 'list', 'topologies']\n"
                "c = console()\n"
                f"os.kill(os.getpid(), signal.{sig})\n"
                "sys.exit(c)\n")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, check=False)
        assert res.returncode == 0 and "Traceback" not in res.stderr, (sig, res.stderr)
        assert "ring" in res.stdout


def test_sigterm_stops_a_single_run_like_ctrl_c(tmp_path):
    """`kill PID` on `netsim run`: exit 130 with a one-line message, no traceback."""
    path = _write(tmp_path, rounds=10**6, n=1)
    proc = subprocess.Popen([sys.executable, "-m", "netsim", "run", str(path), "--out",
                             str(tmp_path / "o"), "-q"], stderr=subprocess.PIPE, text=True)
    t = time.monotonic()
    while time.monotonic() - t < 60 and not list((tmp_path / "o").rglob(".tmp-*")):
        time.sleep(0.02)                     # the run has started writing
    os.kill(proc.pid, signal.SIGTERM)
    err = proc.communicate(timeout=30)[1]
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("netsim: interrupted")


def test_dask_workers_drop_only_the_heartbeat_error_of_a_closed_scheduler():
    """A sweep stopped by Ctrl-C closes its scheduler while workers may be mid-heartbeat;
    that one Dask ERROR (CommClosedError, with a traceback) is dropped in the workers,
    every other worker record is kept (seen once in 14 interrupted Dask sweeps)."""
    import logging

    import pytest
    pytest.importorskip("dask.distributed")
    from distributed.comm.core import CommClosedError

    from netsim.sweeps.executors import SchedulerGone

    def kept(msg, exc):
        info = (type(exc), exc, None) if exc else None
        rec = logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, msg, None,
                                info)
        return SchedulerGone().filter(rec)
    heartbeat = "Failed to communicate with scheduler during heartbeat."
    assert not kept(heartbeat, CommClosedError("Stream is closed"))
    assert kept(heartbeat, OSError("no route"))            # not a closed comm: kept
    assert kept("Compute failed", CommClosedError("x"))     # another message: kept
    assert kept(heartbeat, None)
