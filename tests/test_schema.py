"""The typed scenario schema (issue 18): pydantic models, the JSON Schema printed by
``netsim schema``, quantities parsed once into SI values and ticks."""

import json
import math
import pathlib

import pytest

from netsim.cli import main
from netsim.errors import ScenarioError
from netsim.scenario import DEFAULTS, from_dict, load
from netsim.schema.jsonschema import scenario_schema
from netsim.schema.loader import parse_toml
from netsim.textfiles import read_text

jsonschema = pytest.importorskip("jsonschema")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "cases"          # the shared cases, when checked out
#: cases whose one fault is one key's value: the schema alone refuses them
REFUSED = ("small_world_odd_k", "sweep_seed_singular", "lognormal_sigma_overflow",
           "lognormal_mu_overflow", "gradient_time_inf")


@pytest.fixture(scope="module")
def validator():
    schema = scenario_schema(plugins=False)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _toml(path):
    return parse_toml(read_text(path, "", "scenario file"), str(path))


def _refused_case(path) -> str | None:
    return next((c for c in REFUSED if c in str(path)), None)


def _files():
    files = sorted((ROOT / "scenarios").rglob("*.toml")) + sorted(DATA.rglob("*.toml"))
    if SHARED.is_dir():
        files += sorted(SHARED.rglob("*.toml"))
    return files


def test_schema_is_draft_2020_12_and_cli_prints_it(capsys, validator):
    assert main(["schema", "--builtin"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert printed == json.loads(json.dumps(scenario_schema(plugins=False)))


def test_schema_accepts_every_scenario_meant_to_run(validator):
    """Every shipped scenario and every case file that loads (the ones whose fault shows
    only at build or run: edge files, profiles, memory) is valid for editors."""
    checked = 0
    for path in _files():
        if _refused_case(path):
            continue
        try:
            load(path)
        except ScenarioError:
            continue                     # a case refused by the loader (name, target, ...)
        errors = list(validator.iter_errors(_toml(path)))
        assert not errors, f"{path}: {errors[0].message[:200]}"
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("case", REFUSED)
def test_schema_refuses_one_bad_value(validator, case):
    paths = [p for p in _files() if case in str(p)]
    assert paths
    for path in paths:
        errors = list(validator.iter_errors(_toml(path)))
        assert errors, path
        bad = {".".join(map(str, e.absolute_path)) for e in errors}
        assert bad & {"network", "sweep", "compute.gradient_time"}, (path, bad)


def test_schema_knows_tags_and_defaults(validator):
    ok = {"network": {"agents": 4}, "algorithm": {"compressor": {"name": "qsgd", "bits": 2}}}
    assert validator.is_valid(ok)
    assert validator.is_valid({"algorithm": {"name": "qadmm", "compressor": {"bits": 4}}})
    assert not validator.is_valid({"algorithm": {"name": "lead", "tau": 3}})
    assert not validator.is_valid({"network": {"topology": "grid", "radius": 0.3}})
    assert not validator.is_valid({"network": {"links": {"bandwidth": "10 Mbit/h"}}})
    assert not validator.is_valid({"stop": {"metric": "rel-err"}})


def test_quantities_are_parsed_once_into_si_and_ticks():
    sc = from_dict({"network": {"links": {"latency": "5 ms", "bandwidth": "10 Mbit/s",
                                          "mss": "1 kB"}},
                    "compute": {"gradient_time": "20 us"}, "stop": {"time": "2 min"}})
    links = sc.model.network.links
    assert links.latency.si == pytest.approx(0.005) and links.latency.ticks == 5 * 10 ** 9
    assert links.bandwidth.si == 1e7 and links.mss.si == 8000
    assert sc.model.compute.gradient_time.ticks == 20 * 10 ** 6
    assert sc.model.stop.time.ticks == 120 * 10 ** 12
    # the resolved data keeps the user's text (files and run ids do not change)
    assert sc.data["network"]["links"]["latency"] == "5 ms"
    assert sc.typed.network.links.latency.si == links.latency.si


def test_model_defaults_are_the_documented_defaults():
    d = from_dict({}).data
    links = {k: v for k, v in DEFAULTS["links"].items() if v is not None}
    assert d["network"]["links"] == links
    assert d["compute"] == {**DEFAULTS["compute"], "stragglers": {"fraction": 0.0,
                                                                  "slowdown": 1.0}}
    assert d["stop"] == {k: v for k, v in DEFAULTS["stop"].items() if v is not None}
    assert d["output"] == DEFAULTS["output"]
    tcp = from_dict({"network": {"links": {"model": "tcp", "sharing": "fair"}}}).data
    assert tcp["network"]["links"]["tcp"] == DEFAULTS["tcp"]


@pytest.mark.parametrize("data, line", [
    ({"network": {"links": {"bandwith": 1}}},
     "network.links.bandwith is not a known key — did you mean 'bandwidth'?"),
    ({"compute": {"stragglers": {"agents": [0, 12]}}},
     "compute.stragglers.agents must be an integer in [0, 9]; got 12"),
    ({"variant": [{"label": "a"}, {"label": "a"}]}, "variant[1].label must be unique"),
    ({"network": "ring"}, "network must be a table; got 'ring'"),
    ({"algorithm": {"name": "qadmm", "P": 11}}, "algorithm.P must be an integer in [1, 10]"),
    ({"network": {"links": {"jitter": {"dist": "lognormal", "mu": 800, "sigma": 1}}}},
     "network.links.jitter.mu must be a value with |mu| + sigma^2/2 <= 700"),
])
def test_translated_errors_name_the_key(data, line):
    with pytest.raises(ScenarioError) as e:
        from_dict(data)
    assert str(e.value).startswith(line)


def test_scenario_doc_key_tables_are_generated_from_the_models(tmp_path):
    """docs/scenario.md's key tables are what ``netsim schema --markdown`` writes (no
    plugins are listed, so the text does not depend on what is installed)."""
    from netsim.schema.markdown import SECTIONS, update_doc

    doc = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    for name in SECTIONS:
        assert f"<!-- BEGIN generated: {name} -->" in doc, name
    assert update_doc(doc) == doc, "stale: run netsim schema --markdown --update docs/scenario.md"
    stale = tmp_path / "scenario.md"
    stale.write_text(doc.replace("| `seed` | `0` |", "| `seed` | `1` |"), encoding="utf-8")
    assert main(["schema", "--markdown", "--update", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == doc


def test_validate_checks_without_solving_the_reference_optimum(tmp_path, monkeypatch, capsys):
    """``netsim validate`` builds every variant (so its checks stay) but does not solve for
    x* (logistic / lasso: iterative solves); a run still does, with the same x*."""
    import netsim.problems.problem as pp
    from netsim.simulate import build

    scen = tmp_path / "s.toml"
    scen.write_text('[network]\nagents = 4\n[problem]\nkind = "logistic"\nfeatures = 5\n'
                    'samples_per_agent = 10\n[[variant]]\nlabel = "a"\n[[variant]]\n'
                    'label = "b"\nproblem = { kind = "lasso" }\nalgorithm = { name = "admm" }\n',
                    encoding="utf-8")
    solved = []
    real = pp.reference_optimum
    monkeypatch.setattr(pp, "reference_optimum", lambda p: solved.append(p.kind) or real(p))
    assert main(["validate", str(scen)]) == 0
    assert solved == [] and capsys.readouterr().out.count(": ok") == 2
    sim = build(load(scen).variants()[0])
    assert solved == ["logistic"] and math.isfinite(sim.problem.f_star)
    assert sim.monitor.trace["rel_err"][0] == 1.0        # ||x0 - x*|| / ||x0 - x*||


def test_validate_keeps_the_least_squares_solve_check(tmp_path, capsys):
    scen = tmp_path / "s.toml"
    scen.write_text('[network]\nagents = 2\n[problem]\nkind = "least_squares"\nfeatures = 30\n'
                    'samples_per_agent = 3\nregularization = 0.0\n[algorithm]\nname = "admm"\n',
                    encoding="utf-8")
    assert main(["validate", str(scen)]) == 2
    assert "problem.regularization must be > 0 here" in capsys.readouterr().err


def _platform(tmp_path, bandwidth='"10 Mbit/s"'):
    plat = tmp_path / "plat"
    plat.mkdir(exist_ok=True)
    (plat / "platform.toml").write_text(
        '# shared platform\n[network]\ntopology = "edges"\nagents = 4\nfile = "g.csv"\n\n'
        f'[network.links]\nbandwidth = {bandwidth}\nlatency = "1 ms"\n\n[compute]\n'
        'gradient_time = "20 us"\n', encoding="utf-8")
    (plat / "g.csv").write_text("u,v\n0,1\n1,2\n2,3\n3,0\n", encoding="utf-8")
    scen = tmp_path / "study.toml"
    scen.write_text('name = "study"\n[network]\ninclude = "plat/platform.toml"\n'
                    '[network.links]\nlatency = "2 ms"\n[compute]\n'
                    'include = "plat/platform.toml"\n[stop]\nrounds = 2\n', encoding="utf-8")
    return scen


def test_include_takes_a_table_from_another_file(tmp_path):
    """The included table, the scenario's own keys over it, file paths relative to the
    included file; its content is an input of the run id."""
    from netsim.results import inputs_read, run_id
    from netsim.simulate import build

    sc = load(_platform(tmp_path))
    net = sc.data["network"]
    assert net["topology"] == "edges" and net["agents"] == 4 and net["file"] == "plat/g.csv"
    assert net["links"]["bandwidth"] == "10 Mbit/s" and net["links"]["latency"] == "2 ms"
    assert sc.data["compute"]["gradient_time"] == "20 us"
    assert build(sc).graph.number_of_edges() == 4
    assert "include" not in net and "include" not in sc.data["compute"]   # values only
    assert ("network.file", (tmp_path / "plat" / "g.csv").resolve()) in inputs_read(sc)
    before = run_id(sc)
    plat = tmp_path / "plat" / "platform.toml"
    plat.write_text(plat.read_text(encoding="utf-8").replace("10 Mbit/s", "20 Mbit/s"),
                    encoding="utf-8")
    assert run_id(load(tmp_path / "study.toml")) != before


def test_include_is_refused_where_it_would_be_ignored_and_runs_again_from_its_folder(
        tmp_path):
    """A tester's finds: include given by --set, [sweep] or a [[variant]] was silently
    ignored (wrong results), and a run's scenario.toml kept `include` next to the merged
    values, so it could not be run again. Now the first is one line naming the key, and the
    written scenario holds the values only (it loads to the same resolved scenario; its
    relative file paths, here the edge list, are relative to the scenario's folder, as for
    any scenario)."""
    import netsim
    from netsim.results import run_id

    path = _platform(tmp_path)
    with pytest.raises(ScenarioError, match=r"network.include must be given in the scenario "
                                            r"file's own table.*not by --set, \[sweep\]"):
        load(path, {"network.include": "plat/platform.toml"})
    text = path.read_text(encoding="utf-8")
    for extra in ('\n[sweep]\n"network.include" = ["plat/platform.toml"]\n',
                  '\n[[variant]]\nlabel = "b"\nnetwork = { include = "plat/platform.toml" }\n'):
        path.write_text(text + extra, encoding="utf-8")
        with pytest.raises(ScenarioError, match="network.include must be given"):
            sc = load(path)
            [v.with_overrides({}) for v in sc.variants()]
            from netsim.sweeps import expand
            expand(sc)
    path.write_text(text, encoding="utf-8")
    sc = load(path)
    folder = netsim.run(sc).write(tmp_path / "out")
    again = load(folder / "scenario.toml")
    assert "include" not in again.data["network"] and again.data == sc.data
    assert run_id(sc) == folder.name


@pytest.mark.parametrize("bad, line", [
    ('"10 Mbit/h"', "platform.toml line 8 (included by "),
])
def test_include_errors_name_the_included_file_and_line(tmp_path, bad, line):
    scen = _platform(tmp_path, bad)
    with pytest.raises(ScenarioError) as e:
        load(scen)
    assert line in str(e.value) and "network.links.bandwidth must be a rate" in str(e.value)
    (tmp_path / "study.toml").write_text('[network]\ninclude = "nope.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="network.include"):
        load(scen)
    (tmp_path / "study.toml").write_text('[compute]\ninclude = "plat/g.csv"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="is not valid TOML"):
        load(scen)


def test_installed_plugins_enter_the_models_and_the_schema(tmp_path, monkeypatch):
    """A plugin algorithm (examples/netsim-extra) is validated by its own parameters and
    offered by ``netsim schema``; ``--builtin`` leaves it out."""
    info = tmp_path / "netsim_extra-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: netsim_extra\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[netsim.algorithms]\nextra = netsim_extra:EXTRA\n")
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "netsim-extra"))
    monkeypatch.syspath_prepend(str(tmp_path))
    sc = from_dict({"algorithm": {"name": "extra"}})
    assert sc.model.algorithm.name == "extra"
    with pytest.raises(ScenarioError, match="algorithm.rho is not a known key"):
        from_dict({"algorithm": {"name": "extra", "rho": 1.0}})
    names = lambda s: {d["properties"]["name"]["const"] for k, d in s["$defs"].items()  # noqa: E731
                       if k.startswith("Algorithm_")}
    assert "extra" in names(scenario_schema()) and "extra" not in names(scenario_schema(False))


def test_a_scenario_pickles_for_worker_processes():
    """Sweep workers receive pickled scenarios: the run-time model classes are not sent, the
    copy re-validates when its typed view is read."""
    import pickle

    sc = load(ROOT / "scenarios" / "quickstart.toml")
    copy_ = pickle.loads(pickle.dumps(sc))
    assert copy_ == sc and copy_.raw == sc.raw
    assert copy_.typed.compute.gradient_time.si == sc.model.compute.gradient_time.si
