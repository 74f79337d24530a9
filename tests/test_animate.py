"""`netsim animate` writes a GIF with one frame per time step."""

import pathlib

import netsim
from netsim.animate import animate

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_animate_writes_a_gif(tmp_path):
    from PIL import Image

    sc = netsim.load(ROOT / "scenarios" / "teaching" / "ring5_step_by_step.toml")
    out = animate(sc, tmp_path / "a.gif", rounds=2, fps=4, max_frames=12)
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 12


def test_animate_cli_server_algorithm(tmp_path):
    from netsim.cli import main
    rc = main(["animate", str(ROOT / "scenarios" / "paper" / "qadmm_lasso.toml"), "--rounds",
               "2", "--out", str(tmp_path / "s.gif")])
    assert rc == 0 and (tmp_path / "s.gif").stat().st_size > 1000
