"""TOML writing through tomli-w (netsim.tomlio) and the frozen canonical text of run ids
(netsim.idtext): a writer change can never move a run folder (issue 18)."""

import pathlib

import numpy as np
import pytest
import tomllib

from netsim.idtext import canonical_text
from netsim.results import run_id, run_id_v1
from netsim.scenario import from_dict, load
from netsim.tomlio import dump_toml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.toml"))

DATA = {"name": "pin", "seed": 3, "rho": 1, "alpha": 1.0, "big": 1e300, "neg": -0.0,
        "t": float("inf"), "flag": True, "s": 'q"uo\\te\nline', "list": [1, 2.5, "x", [True]],
        "odd key": "v",
        "network": {"agents": 8, "links": {"bandwidth": "5 Mbit/s", "loss": 0.05},
                    "profile": [{"file": "a.csv", "w": 2}]},
        "empty": {}, "nested": {"only": {"x": 1}},
        "variant": [{"label": "a", "network": {"links": {"on_loss": "drop"}}}, {"label": "b"}]}

#: the text netsim 0.1's hand-written writer gave for DATA: the run-id rule v2 hashes this form
FROZEN = '''name = "pin"
seed = 3
rho = 1
alpha = 1.0
big = 1e+300
neg = -0.0
t = inf
flag = true
s = "q\\"uo\\\\te\\nline"
list = [1, 2.5, "x", [true]]
"odd key" = "v"

[network]
agents = 8
profile = [{ file = "a.csv", w = 2 }]

[network.links]
bandwidth = "5 Mbit/s"
loss = 0.05

[empty]

[nested.only]
x = 1

[[variant]]
label = "a"
network = { links = { on_loss = "drop" } }

[[variant]]
label = "b"
'''


def test_canonical_text_of_run_ids_is_frozen():
    assert canonical_text(DATA) == FROZEN


def test_dump_toml_round_trips_types_inf_and_escapes():
    data = {**DATA, "np_int": np.int64(7), "np_float": np.float64(0.1), "tup": (1, 2)}
    back = tomllib.loads(dump_toml(data))
    assert back == {**DATA, "np_int": 7, "np_float": 0.1, "tup": [1, 2]}
    assert type(back["rho"]) is int and type(back["alpha"]) is float    # 1 and 1.0 differ
    assert str(back["neg"]) == "-0.0" and back["big"] == 1e300
    with pytest.raises(TypeError):
        dump_toml({"x": None})


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_resolved_round_trips(path):
    data = load(path).data
    assert tomllib.loads(dump_toml(data)) == data


def test_run_ids_do_not_depend_on_the_writer(monkeypatch):
    """Swapping the TOML writer for one that fails leaves every id as it was."""
    sc = load(ROOT / "scenarios" / "lossy_links.toml").variants()[1]
    before = run_id(sc), run_id_v1(sc)

    def broken(data):
        raise AssertionError("run ids must not use the TOML writer")

    import netsim.results.write
    import netsim.schema.merge

    for module in (netsim.tomlio, netsim.results.write, netsim.schema.merge, netsim.scenario):
        monkeypatch.setattr(module, "dump_toml", broken)
    assert (run_id(sc), run_id_v1(sc)) == before
    assert before[0].startswith("retransmit-")


def test_written_scenario_reads_back_to_the_same_run_id(tmp_path):
    sc = load(ROOT / "scenarios" / "quickstart.toml")
    path = tmp_path / "scenario.toml"
    path.write_text(dump_toml(sc.data), encoding="utf-8")
    again = from_dict(tomllib.loads(path.read_text(encoding="utf-8")), None, tmp_path)
    assert again.data == sc.data and run_id(again) == run_id(sc)
