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


_BASE = {"network": {"agents": 4}, "problem": {"kind": "least_squares"},
         "algorithm": {"name": "admm"}, "stop": {"rounds": 2}}


@pytest.mark.parametrize("key, value", [("latency", 2e15), ("jitter", "3e15 s"),
                                        ("latency", "1e308 s")])
def test_constant_times_beyond_the_clock_name_their_key(key, value):
    """A constant latency or jitter above 1e15 s (the longest simulated duration) is refused
    when the scenario loads, naming the key and the value (it used to fail only at run time
    with 'time must be ...')."""
    with pytest.raises(ScenarioError) as e:
        from_dict({**_BASE, "network": {"agents": 4, "links": {key: value}}})
    line = str(e.value)
    assert line.startswith(f"network.links.{key} must be a time in [0 s, 1e+15 s]")
    assert line.endswith(f"got {value!r}")


@pytest.mark.parametrize("text, what", [("0 1ms\n2e15 1ms\n", "date"),
                                        ("0 1ms\n1 5e15s\n", "latency")])
def test_profile_times_beyond_the_clock_name_file_and_line(tmp_path, text, what):
    """A latency profile whose date or value exceeds 1e15 s names the file and line."""
    import netsim

    (tmp_path / "lat.txt").write_text(text)
    sc = from_dict({**_BASE, "network": {"agents": 4, "profile": [
        {"links": "all", "latency": "lat.txt"}]}}, base_dir=tmp_path)
    with pytest.raises(ScenarioError) as e:
        netsim.run(sc)
    line = str(e.value)
    assert "network.profile[0].latency" in line and "lat.txt' line 2" in line
    assert f"must have a {what} of at most 1e+15 s" in line


def test_build_errors_name_the_included_file_and_line(tmp_path):
    """A profile named inside an included [network] file is read when the run is built: the
    error names the included file and line (it named the including scenario), for `netsim
    run`, `netsim validate` and every sweep point's error row."""
    from netsim.cli import main
    from netsim.sweeps import read_runs

    (tmp_path / "platform.toml").write_text(
        '[network]\nagents = 4\n[network.links]\nlatency = "1 ms"\n'
        '[[network.profile]]\nlinks = "all"\nlatency = "missing.txt"\n')
    scen = tmp_path / "s.toml"
    scen.write_text('name = "s"\n[network]\ninclude = "platform.toml"\n[problem]\n'
                    'kind = "least_squares"\n[algorithm]\nname = "admm"\n[stop]\nrounds = 2\n')
    sc = load(scen)
    import netsim
    with pytest.raises(ScenarioError) as e:
        netsim.run(sc)
    assert str(e.value).startswith(f"{tmp_path / 'platform.toml'} line 7 (included by {scen}): "
                                   "network.profile[0].latency must name an existing profile")
    with pytest.raises(ScenarioError, match="platform.toml line 7"):
        netsim.run(sc.with_overrides({"algorithm.rho": 2.0}))
    scen.write_text(scen.read_text() + '[sweep]\n"algorithm.rho" = [1.0, 2.0]\n')
    assert main(["sweep", str(scen), "--out", str(tmp_path / "o"), "-q", "--executor",
                 "serial"]) == 1
    rows = read_runs(tmp_path / "o" / "s" / "runs.csv")
    assert len(rows) == 2 and all("platform.toml line 7 (included by" in r["error"]
                                  for r in rows)


@pytest.mark.parametrize("text, says", [
    ("# notes\n", "the file has none"),
    ("<!-- BEGIN generated: nope -->\nx\n<!-- END generated -->\n", "got 'nope'"),
    ("<!-- BEGIN generated: network -->\nx\n", "a BEGIN line has no END line")])
def test_schema_update_refuses_files_it_cannot_update(tmp_path, capsys, text, says):
    """`netsim schema --markdown --update F` on a file without generated blocks did nothing
    and said nothing; an unknown section was a KeyError traceback. Now one line, exit 2, and
    the file is left as it was."""
    from netsim.cli import main

    f = tmp_path / "x.md"
    f.write_text(text)
    assert main(["schema", "--markdown", "--update", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("netsim: error: --update must name")
    assert says in err and f.read_text() == text


def test_variant_errors_name_the_variant(tmp_path):
    """An invalid [[variant]] (found when the variants are resolved) and one whose run cannot
    be built (a missing profile) both name the file and the variant's label."""
    import netsim

    f = tmp_path / "v.toml"
    base = ('name = "v"\n[network]\nagents = 4\n[problem]\nkind = "least_squares"\n'
            '[algorithm]\nname = "admm"\n[stop]\nrounds = 2\n[[variant]]\nlabel = "good"\n'
            '[[variant]]\nlabel = "bad one"\n')
    f.write_text(base + "algorithm = {rho = -1}\n")
    with pytest.raises(ScenarioError) as e:
        load(f).variants()
    assert str(e.value) == (f"{f}, variant 'bad one': algorithm.rho must be a number in "
                            "(0, 1e+12]; got -1")
    f.write_text(base + 'network = {profile = [{links = "all", latency = "none.txt"}]}\n')
    good, bad = load(f).variants()
    assert netsim.run(good).summary["end"] == "rounds"
    with pytest.raises(ScenarioError) as e:
        netsim.run(bad)
    assert str(e.value).startswith(f"{f}, variant 'bad one': network.profile[0].latency must "
                                   "name an existing profile file")


@pytest.mark.parametrize("links, key, says", [
    ({"bandwidth": 1e-300}, "network.links.bandwidth",
     "must let a message through within 1e+15 s (the longest simulated duration); a message "
     "on link 0->1 would take"),
    ({"uplink": 1e-300}, "network.links.uplink", "a message on agent 0's uplink would take"),
    ({"jitter": {"dist": "pareto", "scale": "1e14 s", "shape": 1.01}}, "network.links.jitter",
     "must draw delays of at most 1e+15 s"),
    ({"latency": {"dist": "uniform", "low": "2e15 s", "high": "3e15 s"}},
     "network.links.latency", "must give link 0->1 a latency of at most 1e+15 s")])
def test_durations_beyond_the_clock_at_run_time_name_their_key(links, key, says):
    """Durations a model computes while running (bits / bandwidth, jitter and latency draws)
    beyond 1e15 s name the scenario key (they said only 'time must be ...')."""
    import netsim

    sc = from_dict({**_BASE, "network": {"agents": 4, "links": links}})
    with pytest.raises(ScenarioError) as e:
        netsim.run(sc)
    line = str(e.value)
    assert line.startswith(key + " ") and says in line and "\n" not in line


@pytest.mark.parametrize("key", ["noise", "heterogeneity"])
def test_step_times_beyond_the_clock_name_the_compute_keys(key):
    """A compute time drawn above 1e15 s (finite) names [compute] and the agent."""
    import netsim

    sc = from_dict({**_BASE, "compute": {"gradient_time": "1 s",
                                         key: {"dist": "uniform", "low": 1e16, "high": 2e16}}})
    with pytest.raises(ScenarioError) as e:
        netsim.run(sc)
    assert str(e.value).startswith("compute must give step times of at most 1e+15 s (the "
                                   "longest simulated duration); agent 0 drew ")


@pytest.mark.parametrize("links, key, says", [
    ({"uplink": 1e-300}, "network.links.uplink", "gets a fair share of 5e-301 bit/s"),
    ({"bandwidth": 1e-300}, "network.links.bandwidth", "gets a fair share of 1e-300 bit/s"),
    ({"model": "tcp", "latency": "1e14 s"}, "network.links.latency",
     "once TCP's latency_factor (13.01) scales it")])
def test_fair_sharing_durations_beyond_the_clock_name_their_key(links, key, says):
    """The same under fair sharing and TCP: the flow's smallest resource is named."""
    import netsim

    sc = from_dict({**_BASE, "network": {"agents": 4, "links": {"sharing": "fair", **links}}})
    with pytest.raises(ScenarioError) as e:
        netsim.run(sc)
    line = str(e.value)
    assert line.startswith(key + " ") and says in line and "\n" not in line


def test_a_date_in_sweep_neither_breaks_netsim_run_nor_shows_a_repr(tmp_path, capsys):
    """`netsim run` on a file whose [sweep] holds a TOML date wrote nothing but a temporary
    folder and a traceback (the run id's text could not write a date); validate showed
    'datetime.date(2024, 1, 1)'."""
    from netsim.cli import main

    f = tmp_path / "g2.toml"
    f.write_text('name = "g2"\n[network]\nagents = 4\n[problem]\nkind = "least_squares"\n'
                 'samples_per_agent = 10\nfeatures = 3\n[stop]\nrounds = 5\n[output]\n'
                 'plots = false\n[sweep]\n"algorithm.rho" = [1.0, 2024-01-01]\n')
    out = tmp_path / "o"
    assert main(["run", str(f), "--out", str(out), "-q"]) == 0
    made = list((out / "g2").iterdir())
    assert len(made) == 1 and made[0].name.startswith("run-")
    capsys.readouterr()
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "sweep point algorithm.rho=2024-01-01 (a TOML date) [base]" in err
    assert "datetime" not in err


def test_errors_found_while_running_a_variant_name_it(tmp_path):
    """An error found while a variant runs (not when it is built) names the variant too."""
    import netsim

    f = tmp_path / "v.toml"
    f.write_text('name = "v"\n[network]\nagents = 4\n[problem]\nkind = "least_squares"\n'
                 '[algorithm]\nname = "admm"\n[stop]\nrounds = 2\n[[variant]]\nlabel = "ok"\n'
                 '[[variant]]\nlabel = "slow"\n'
                 'compute = {gradient_time = "1 s", noise = {dist = "uniform", low = 1e16, '
                 'high = 2e16}}\n')
    _, slow = load(f).variants()
    with pytest.raises(ScenarioError) as e:
        netsim.run(slow)
    assert str(e.value).startswith(f"{f}, variant 'slow': compute must give step times")


def test_validate_builds_a_bounded_number_of_sweep_points(tmp_path, monkeypatch, capsys):
    """`netsim validate` on a 10^6-point grid ran silently for more than 5 minutes (every
    point resolved and built, the grid expanded at once). It builds the first
    VALIDATE_POINTS lazily and says how many it checked; --all builds every one."""
    import netsim.cli_run
    from netsim.cli import main

    monkeypatch.setattr(netsim.cli_run, "VALIDATE_POINTS", 3)
    f = tmp_path / "g.toml"
    f.write_text('name = "g"\n[network]\nagents = 4\n[problem]\nkind = "least_squares"\n'
                 '[algorithm]\nname = "admm"\n[stop]\nrounds = 2\n[sweep]\n'
                 '"algorithm.rho" = [1.0, 2.0, 3.0, 4.0, -5.0]\n')
    assert main(["validate", str(f)]) == 0
    out = capsys.readouterr().out
    assert "the first 3 sweep points ok, of 5" in out and "--all" in out
    assert main(["validate", "--all", str(f)]) == 2         # the fifth point is invalid
    assert "algorithm.rho=-5.0" in capsys.readouterr().err
