"""Faults a fresh tester found in stop 12's merged main (each was a traceback): a NUL
character in a path, regularization = 1e308, sweeping the scenario's name."""

import pytest

from netsim.cli import main


def _run(tmp_path, text, *cmd):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return main([*cmd, str(path), *(["--out", str(tmp_path / "o")] if cmd[0] != "validate"
                                     else [])])


@pytest.mark.parametrize("text, key", [
    ('name = "n"\n[output]\ndir = "a\\u0000b"\n', "output.dir"),
    ('name = "n"\n[problem]\ndata = "x\\u0000.npz"\n', "problem.data"),
    ('name = "n"\n[network]\ntopology = "edges"\nfile = "g\\u0000.csv"\n', "network.file"),
])
@pytest.mark.parametrize("cmd", ["run", "validate"])
def test_a_nul_character_in_any_text_is_one_line(tmp_path, capsys, text, key, cmd):
    assert _run(tmp_path, text, cmd) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{key} must be text without NUL characters" in err


@pytest.mark.parametrize("cmd", ["run", "validate"])
def test_huge_regularization_is_one_line(tmp_path, capsys, cmd):
    text = 'name = "n"\n[problem]\nkind = "least_squares"\nregularization = 1e308\n'
    assert _run(tmp_path, text, cmd) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "problem.regularization must be a number" in err
    assert f"{tmp_path / 's.toml'}: problem.regularization" in err   # the file is named


@pytest.mark.parametrize("key", ['"name"', '"output.dir"', '"sweep.seeds"'])
def test_keys_that_name_where_runs_go_cannot_be_swept(tmp_path, capsys, key):
    text = f'name = "h"\n[stop]\nrounds = 2\n[sweep]\n{key} = ["a", "b"]\n'
    assert _run(tmp_path, text, "sweep") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "must be a scenario key that changes a run" in err


def test_picoseconds_are_a_time_unit():
    """The errors for times say "[1 ps, 1e15 s]" (1 ps is the time resolution), but "1 ps"
    was an unknown unit."""
    from netsim.simtime import ticks
    from netsim.units import parse_quantity

    assert parse_quantity("1 ps", "time", "k") == 1e-12 and ticks(1e-12) == 1
    assert parse_quantity("250 ps", "time", "k") == 250e-12


def test_schema_command_option_errors_are_about_the_options(tmp_path, capsys):
    """`--out` into a missing folder spoke of finished runs; `--update` without `--markdown`
    was silently ignored."""
    assert main(["schema", "--out", str(tmp_path / "no" / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "--out must be a file in an existing folder" in err and "runs" not in err
    assert main(["schema", "--update", str(tmp_path / "doc.md")]) == 2
    assert "--update needs --markdown" in capsys.readouterr().err
    assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8").lstrip().startswith("{")
