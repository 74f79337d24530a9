"""Inputs a newcomer found after the first round of fixes (same kinds as ../shared/cases):
each is a one-line error naming the key and the value, never a traceback or a run that ends
'stalled at 0 s' with infinite times."""

import pathlib

import pytest

import netsim
from netsim.errors import ScenarioError

DATA = pathlib.Path(__file__).with_name("data") / "tester"


@pytest.mark.parametrize("name,match", [
    ("rho_huge.toml", r"algorithm\.rho must be a number in \(0, 1e\+12\]; got 1e\+308"),
    ("pareto_inf.toml", "compute must give finite step times"),
    ("jitter_huge.toml", r"network\.links\.jitter must draw delays of at most 1e\+15 s"),
])
def test_huge_values_are_one_line_errors(name, match):
    with pytest.raises(ScenarioError, match=match) as e:
        netsim.run(DATA / name)
    assert "\n" not in str(e.value)


def test_profile_errors_never_show_the_file_content(tmp_path):
    (tmp_path / "p.txt").write_text("0 sk-abcdef0123456789SECRETTOKEN\n")
    data = {"network": {"agents": 4, "profile": [{"bandwidth": "p.txt"}]},
            "stop": {"rounds": 2}}
    with pytest.raises(ScenarioError) as e:
        netsim.run(netsim.scenario.from_dict(data, base_dir=tmp_path))
    text = str(e.value)
    assert "p.txt" in text and "line 1" in text or "p.txt:1" in text
    assert "sk-" not in text and "SECRET" not in text and "not shown" in text


def test_names_from_stems_and_empty_names(tmp_path):
    from netsim.scenario import default_name, load

    assert default_name("my scen") == "my_scen" and default_name("données") == "donnees"
    a, b = default_name("日本語"), default_name("🚀")
    assert a.startswith("scenario-") and b.startswith("scenario-") and a != b
    (tmp_path / "e.toml").write_text('name = ""\n')
    with pytest.raises(ScenarioError, match="name must be a non-empty name"):
        load(tmp_path / "e.toml")


def test_fraction_error_names_the_real_dimension(tmp_path):
    (tmp_path / "rk.toml").write_text(
        '[problem]\nkind = "least_squares"\nfeatures = 3\n[algorithm]\nname = "lt-admm"\n'
        'compressor = { name = "rand_k", fraction = 1e-9 }\n[stop]\nrounds = 2\n')
    with pytest.raises(ScenarioError, match=r"for dim = 3 \(fraction >= 0.167\)"):
        netsim.run(tmp_path / "rk.toml")


def test_control_characters_in_labels_are_escaped_on_the_terminal():
    from netsim.cli_run import _printable

    assert _printable("a\x00b\x07c\nd") == "a\\x00b\\x07c\\nd"
