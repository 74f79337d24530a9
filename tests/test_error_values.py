"""Error messages show the value as the user wrote it, and name the key of an absurd time."""

import datetime

import pytest

from netsim.errors import ScenarioError, shown
from netsim.scenario import from_dict, load


def test_toml_dates_are_shown_as_toml(tmp_path):
    """``seed = 2024-01-01`` is a TOML date: the error shows it as written, not a repr."""
    f = tmp_path / "s.toml"
    f.write_text("seed = 2024-01-01\n[stop]\nrounds = 1979-05-27T07:32:00Z\n")
    with pytest.raises(ScenarioError) as e:
        load(f)
    line = str(e.value)
    assert "seed must be an integer >= 0; got 2024-01-01 (a TOML date)" in line
    assert "datetime" not in line
    with pytest.raises(ScenarioError) as e:
        from_dict({"stop": {"rounds": datetime.time(7, 32)}})
    assert str(e.value).endswith("got 07:32:00 (a TOML time)")


def test_shown_inside_tables_and_lists():
    """A date nested in a distribution table or a list is shown the TOML way too."""
    assert shown({"dist": datetime.date(2024, 1, 2)}) == "{'dist': 2024-01-02 (a TOML date)}"
    assert shown([1, "a"]) == "[1, 'a']"
    with pytest.raises(ScenarioError) as e:
        from_dict({"network": {"links": {"latency": {"dist": "uniform",
                                                     "min": datetime.date(2024, 1, 2)}}}})
    assert "datetime" not in str(e.value) and "network.links.latency" in str(e.value)
