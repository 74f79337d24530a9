"""`netsim plot` and the results API: a diverging sweep point is reported by the CLI and in
runs.csv and cannot stretch an axis; legends show only what varies; labels carry units;
--where / --log / --ylim / vector output; netsim.sweeps / read / run(variant=) / to_pandas."""

import pathlib

import matplotlib
import numpy as np
import pytest

import netsim
from netsim.cli import main
from netsim.errors import ScenarioError

DIVERGING = """name = "div"
seed = 0
[network]
agents = 6
topology = "ring"
[problem]
kind = "least_squares"
samples_per_agent = 10
features = 4
[algorithm]
name = "dgd"
[stop]
rounds = 120
[sweep]
"algorithm.eta" = [0.01, 0.05, 5.0]
seeds = [0, 1]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    d = tmp_path_factory.mktemp("div")
    (d / "div.toml").write_text(DIVERGING)
    rows = netsim.sweep(d / "div.toml", out_dir=d / "out")
    return d, rows


def _figure(monkeypatch):
    """Capture the figure `netsim plot` saves."""
    seen = {}
    orig = matplotlib.figure.Figure.savefig

    def savefig(self, *a, **k):
        seen["fig"] = self
        return orig(self, *a, **k)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    return seen


def test_sweep_reports_the_diverged_runs(swept, capsys):
    d, rows = swept
    assert len(rows) == 6 and {r["algorithm.eta"] for r in rows} == {0.01, 0.05, 5.0}
    ends = {r["algorithm.eta"]: r["end"] for r in rows}
    assert ends[5.0] == "diverged" and ends[0.01] == "rounds"
    assert main(["sweep", str(d / "div.toml"), "--out", str(d / "out"), "--quiet",
                 "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert "ended by: rounds 4, diverged 2" in out


def test_a_diverged_run_does_not_stretch_the_axis(swept, monkeypatch):
    d, rows = swept
    seen = _figure(monkeypatch)
    path = netsim.plots.plot_command([str(d / "out" / "div" / "runs.csv")], x="rounds",
                                     out=str(d / "p.png"))
    assert path.is_file()
    ax = seen["fig"].axes[0]
    good = max(r["final_rel_err"] for r in rows if r["end"] != "diverged")
    assert ax.get_yscale() == "log"
    assert ax.get_ylim()[1] <= 2 * 1.0 + 1e-12          # the good runs start at rel_err 1
    assert ax.get_ylim()[0] <= good
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["eta=0.01 (2 seeds)", "eta=0.05 (2 seeds)", "eta=5.0 (2 seeds) — diverged"]
    assert ax.get_ylabel().startswith("relative error")
    notes = [t.get_text() for t in seen["fig"].texts]
    assert any("2 diverged runs drawn dashed" in n for n in notes)


def test_sensitivity_excludes_diverged_points_and_uses_units(swept, monkeypatch):
    d, _ = swept
    seen = _figure(monkeypatch)
    netsim.plots.plot_command([str(d / "out" / "div")], sensitivity="algorithm.eta",
                              y="final_rel_err", out=str(d / "s.svg"))
    assert (d / "s.svg").read_text().lstrip().startswith("<?xml")
    ax = seen["fig"].axes[0]
    y = ax.get_lines()[0].get_ydata()
    assert np.isnan(y[-1]) and np.all(np.isfinite(y[:-1]))   # eta = 5 diverged: no point
    assert ax.get_ylabel().startswith("final relative error")
    assert ax.get_ylim()[1] < 10


def test_where_log_ylim_and_formats(swept, monkeypatch, tmp_path):
    d, _ = swept
    seen = _figure(monkeypatch)
    runs = str(d / "out" / "div" / "runs.csv")
    netsim.plots.plot_command([runs], x="rounds", where=["algorithm.eta=0.05"], log="none",
                              ylim=(0, 1.5), out=str(tmp_path / "w.pdf"))
    ax = seen["fig"].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["div (2 seeds)"]
    assert ax.get_yscale() == "linear" and ax.get_ylim() == (0, 1.5)
    assert (tmp_path / "w.pdf").read_bytes()[:4] == b"%PDF"
    for args, key in ((dict(out=str(tmp_path / "x.jpg")), "--out"),
                      (dict(out=str(tmp_path / "no" / "x.png")), "--out"),
                      (dict(where=["nokey=1"]), "--where"),
                      (dict(where=["algorithm.eta=7"]), "--where"),
                      (dict(log="z"), "--log")):
        with pytest.raises(ScenarioError, match=key):
            netsim.plots.plot_command([runs], **args)


def test_plot_cli_errors_are_one_line(swept, capsys):
    d, _ = swept
    rc = main(["plot", str(d / "out" / "div" / "runs.csv"), "--out", "/nonexistent/x.png"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--out" in err[0]


def test_read_gives_the_run_and_the_rows(swept):
    d, rows = swept
    assert netsim.read(d / "out" / "div") == rows
    res = netsim.read(d / "out" / "div" / rows[0]["run_id"])
    assert res.summary["run_id"] == rows[0]["run_id"]
    assert res.trace["round"].dtype.kind == "i" and res.trace["rel_err"].dtype.kind == "f"
    assert res.trace["rel_err"][-1] == pytest.approx(rows[0]["final_rel_err"], rel=0, abs=0)
    with pytest.raises(ScenarioError, match="path"):
        netsim.read(d)


def test_run_names_its_variant(tmp_path):
    root = pathlib.Path(__file__).resolve().parent.parent
    path = root / "scenarios" / "lossy_links.toml"
    with pytest.raises(ScenarioError, match="variant must name one of the 2"):
        netsim.run(path, **{"stop.rounds": 3})
    res = netsim.run(path, variant="retransmit", **{"stop.rounds": 3})
    assert res.scenario.label == "retransmit"
    both = netsim.run_variants(path, **{"stop.rounds": 3})
    assert [r.scenario.label for r in both] == ["drop", "retransmit"]
    with pytest.raises(ScenarioError, match="variant must be one of"):
        netsim.run(path, variant="nope")


def test_to_pandas_or_a_clear_import_error(swept):
    _, rows = swept
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            netsim.to_pandas(rows)
        return
    df = netsim.to_pandas(rows)
    assert len(df) == 6 and "final_rel_err" in df.columns


def test_legends_leave_out_keys_that_follow_the_x_key_or_a_shown_key():
    """network.k is set for small_world only: it follows network.topology, so a sensitivity
    over the topology (or a legend that shows the topology) does not list it."""
    from netsim.plots import _legends

    flats = [{"network.topology": t, "network.k": k, "seed": s, "name": "topo"}
             for t, k in (("ring", None), ("small_world", 4)) for s in (0, 1)]
    loaded = [(None, {"label": ""}, None, None)] * 4
    legends, _ = _legends(loaded, flats, exclude=("network.topology",))
    assert set(legends) == {"topo"}
    legends, _ = _legends(loaded, flats)
    assert legends == ["topology=ring"] * 2 + ["topology=small_world"] * 2


def test_runs_with_different_stop_metrics_share_one_y_column(tmp_path, monkeypatch):
    """A tester's find: two runs of one folder with different stop metrics were drawn under
    the first run's label although the second curve was another column. Without --y, runs
    that disagree on the stop metric all plot rel_err."""
    import matplotlib.figure  # noqa: F401 - patched by _figure

    base = {"name": "mix", "network": {"agents": 4},
            "problem": {"kind": "least_squares", "samples_per_agent": 10, "features": 3},
            "algorithm": {"name": "admm"}, "output": {"plots": False}}
    runs = []
    for metric in ("objective_gap", "rel_err"):
        sc = netsim.scenario.from_dict({**base, "stop": {"rounds": 30, "target": 1e-30,
                                                         "metric": metric}})
        runs.append(netsim.run(sc))
        runs[-1].write(tmp_path / "out")
    seen = _figure(monkeypatch)
    netsim.plots.plot_command([str(tmp_path / "out" / "mix")], x="rounds",
                              out=str(tmp_path / "p.png"))
    ax = seen["fig"].axes[0]
    assert ax.get_ylabel().startswith("relative error")
    drawn = sorted(tuple(np.round(line.get_ydata()[:3], 12)) for line in ax.get_lines()
                   if len(line.get_ydata()) > 3)
    want = sorted(tuple(np.round(r.trace["rel_err"][:3], 12)) for r in runs)
    assert drawn == want
