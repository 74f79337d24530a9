"""A plugin whose code raises while netsim runs it: one line naming the plugin, its file,
line and function, and the exception; ``netsim --traceback`` prints the whole traceback."""

import pytest
from test_plugins import _plugin_module, _scenario

import netsim
from netsim.plugin_errors import PluginError
from netsim.scenario import dump_toml

_BROKEN = ("import numpy as np\n"
           "from netsim.compression import Compressor\n"
           "def make(spec, dim, key):\n"
           "    def rows(V, rngs, states=None):\n"
           "        return V / 0 if V.shape[0] > 99 else 1 // 0, 0, states\n"
           "    return Compressor('zero', lambda d: None, rows, lambda d: 1.0, False, {})\n")


def test_a_plugin_that_raises_is_named_with_file_line_and_function(tmp_path, monkeypatch):
    _plugin_module(tmp_path, monkeypatch, "zerocomp", _BROKEN, "netsim.compressors",
                   "zero = zerocomp:make")
    sc = _scenario({"name": "choco-sgd", "compressor": {"name": "zero"}}, rounds=3)
    with pytest.raises(PluginError) as e:
        netsim.run(sc)
    line = str(e.value)
    assert line.startswith("plugin 'zero' (algorithm.compressor.name; zerocomp 0.1.0) raised "
                           "ZeroDivisionError: integer division or modulo by zero at "
                           "zerocomp.py:5 in rows")
    assert "\n" not in line and isinstance(e.value.__cause__, ZeroDivisionError)


def test_the_cli_prints_one_line_or_with_traceback_the_whole_one(tmp_path, monkeypatch,
                                                                 capsys):
    from netsim.cli import main

    _plugin_module(tmp_path, monkeypatch, "zerocomp", _BROKEN, "netsim.compressors",
                   "zero = zerocomp:make")
    f = tmp_path / "s.toml"
    f.write_text(dump_toml(_scenario({"name": "choco-sgd", "compressor": {"name": "zero"}},
                                     rounds=3).data))
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("netsim: error: plugin 'zero'") and "zerocomp.py:5 in rows" in err
    assert main(["--traceback", "run", str(f), "--out", str(tmp_path / "o"), "-q"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and 'zerocomp.py", line 5' in err


def test_a_netsim_bug_is_not_blamed_on_a_plugin(tmp_path, monkeypatch):
    """An exception raised outside the plugin's code keeps its own type and traceback."""
    from netsim.plugin_errors import blame

    _plugin_module(tmp_path, monkeypatch, "zerocomp", _BROKEN, "netsim.compressors",
                   "zero = zerocomp:make")
    sc = _scenario({"name": "choco-sgd", "compressor": {"name": "zero"}}, rounds=3)
    try:
        raise KeyError("netsim's own")
    except KeyError as e:
        assert blame(e, sc.data) is None


def test_a_plugin_factory_that_raises_is_one_clear_line(tmp_path, monkeypatch):
    """A compressor plugin whose make() raises a ValueError (not its own ScenarioError) gave
    a garbled 3,000-character 'must be value error, ...' line without the plugin's name."""
    from netsim.errors import ScenarioError
    from netsim.scenario import from_dict

    _plugin_module(tmp_path, monkeypatch, "badmake",
                   "def make(spec, dim, key):\n"
                   "    raise ValueError('line one\\nline two ' + 'x' * 3000)\n",
                   "netsim.compressors", "bad = badmake:make")
    with pytest.raises(ScenarioError) as e:
        from_dict({"algorithm": {"name": "choco-sgd", "compressor": {"name": "bad"}}})
    line = str(e.value)
    assert line.startswith("algorithm.compressor.name names plugin 'bad', whose factory raised "
                           "ValueError: line one line two xxx")
    assert "at badmake.py:2 in make" in line and "\n" not in line and len(line) < 400
