"""`netsim plot --pareto`: one point per run, the Pareto front marked, log axes by the data's
spread, colours and markers that stay distinct past ten groups, the legend beside the axes
when long."""

import matplotlib.figure  # noqa: F401 - patched by _figure
import numpy as np
import pytest
from test_plots import _figure

import netsim
from netsim.plots import pareto_front

PARETO = """name = "par"
seed = 0
[network]
agents = 4
topology = "ring"
[network.links]
bandwidth = "1 Mbit/s"
latency = "1 ms"
[problem]
kind = "least_squares"
samples_per_agent = 8
features = 3
[algorithm]
name = "lead"
[algorithm.compressor]
name = "quantizer"
bits = 4
[stop]
rounds = 400
target = 1e-2
[output]
plots = false
[sweep]
"algorithm.compressor.bits" = [2, 3, 4, 5, 6, 8]
"network.links.latency" = ["1 ms", "30 ms"]
"""


def test_pareto_front_is_the_non_dominated_points():
    pts = [(5, 1.0), (3, 2.0), (3, 2.5), (8, 0.5), (9, 0.5), (4, 3.0), (3, 2.0)]
    assert pareto_front(pts) == [(3, 2.0), (5, 1.0), (8, 0.5)]
    rng = np.random.default_rng(0)
    cloud = [tuple(p) for p in rng.random((200, 2))]
    front = pareto_front(cloud)
    for b, t in cloud:               # every point is on the front or dominated by one of it
        assert (b, t) in front or any(fb <= b and ft <= t for fb, ft in front)
    for i, (b, t) in enumerate(front):   # and no front point dominates another
        assert all(not (b2 <= b and t2 <= t) for j, (b2, t2) in enumerate(front) if j != i)


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    d = tmp_path_factory.mktemp("par")
    (d / "par.toml").write_text(PARETO)
    rows = netsim.sweep(d / "par.toml", out_dir=d / "out", executor="serial")
    return d, rows


def test_pareto_figure(swept, monkeypatch):
    d, rows = swept
    assert all(r["target_reached"] for r in rows) and len(rows) == 12
    seen = _figure(monkeypatch)
    path = netsim.plots.plot_command([str(d / "out" / "par" / "runs.csv")], pareto=True,
                                     out=str(d / "pareto.svg"))
    assert path.is_file() and path.suffix == ".svg"
    ax = seen["fig"].axes[0]
    times = [r["target_time"] for r in rows]
    assert max(times) / min(times) > 10 and ax.get_yscale() == "log"
    groups = ax.collections[:12]                 # one scatter per run group, then the front
    assert len({(tuple(np.round(g.get_facecolor()[0], 3)), g.get_paths()[0].vertices.size)
                for g in groups}) == 12          # colour x marker: all twelve distinct
    front = ax.collections[-1].get_offsets()
    expect = pareto_front([(r["target_bits"], r["target_time"]) for r in rows])
    assert np.allclose(np.asarray(front), np.asarray(expect))
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == 13 and texts[-1].startswith("Pareto front")
    assert legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1   # beside the axes
