"""`netsim view` (issue 17): agents.csv, the agent states derived from the run's files, the
self-contained page, the CLI's errors, and the page itself in headless Chromium."""

import csv
import json
import math
import pathlib
import shutil
import tempfile
import time

import numpy as np
import pytest

import netsim
from netsim import viewdata
from netsim.cli import main
from netsim.scenario import from_dict
from netsim.view import render, view_command

ROOT = pathlib.Path(__file__).resolve().parent.parent
STRAGGLER = ROOT / "scenarios" / "teaching" / "straggler_ring.toml"
LOSSY = ROOT / "scenarios" / "teaching" / "lossy_drift.toml"


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def straggler_run(tmp_path_factory):
    """The straggler teaching scenario, 6 rounds, written with messages and iterates."""
    sc = netsim.load(STRAGGLER, {"stop.rounds": 6, "output.iterates": True,
                                 "output.plots": False})
    return netsim.run(sc).write(tmp_path_factory.mktemp("runs"))


def test_agents_csv_holds_every_agent_round_and_leaves_the_trace_alone(straggler_run, tmp_path):
    rows = _rows(straggler_run / "agents.csv")
    trace = _rows(straggler_run / "trace.csv")
    assert len(rows) == 8 * 6
    assert {(int(r["agent"]), int(r["round"])) for r in rows} == {
        (i, k) for i in range(8) for k in range(1, 7)}
    times = [float(r["t_done"]) for r in rows]
    assert times == sorted(times)
    for rec in trace[1:]:               # a record's time = the latest finish of its round
        k = rec["round"]
        assert max(float(r["t_done"]) for r in rows if r["round"] == k) == float(rec["time"])
    sc = netsim.load(STRAGGLER, {"stop.rounds": 6, "output.messages": False,
                                 "output.plots": False})
    plain = netsim.run(sc).write(tmp_path)
    assert not (plain / "agents.csv").exists()
    assert (plain / "trace.csv").read_text() == (straggler_run / "trace.csv").read_text()


def test_states_follow_messages_and_finish_times(straggler_run):
    """Agent 0's round 2: computing until its first send, then sending; the straggler (agent 3)
    computes, drawn as straggling, between its finish of round 1 and its round-2 send."""
    data = viewdata.load_run(straggler_run)
    msgs = _rows(straggler_run / "messages.csv")
    done = {(int(r["agent"]), int(r["round"])): float(r["t_done"])
            for r in _rows(straggler_run / "agents.csv")}

    def state(i, t):
        st = data["states"][i]
        return viewdata.state_at([(a, viewdata.STATES[s]) for a, s in zip(st["t"], st["s"])], t)

    send0 = min(float(m["t_send"]) for m in msgs if m["src"] == "0" and m["round"] == "2")
    assert done[(0, 1)] < send0
    assert state(0, (done[(0, 1)] + send0) / 2) == "computing"
    assert state(0, send0) == "sending"
    send3 = min(float(m["t_send"]) for m in msgs if m["src"] == "3" and m["round"] == "2")
    assert state(3, (done[(3, 1)] + send3) / 2) == "straggling"
    assert data["slow"] == [3]
    last = max(done.values())
    assert all(state(i, last + 1.0) == "idle" for i in range(8))
    # the neighbours of the straggler wait for it: agent 2 finished its round-1 sends long
    # before the straggler's round-1 message reached it
    arrive = max(float(m["t_arrive"]) for m in msgs if m["src"] == "3" and m["dst"] == "2"
                 and m["round"] == "1")
    assert state(2, arrive - 1e-6) == "waiting"
    # per-agent errors: iterates.npz against x* (finite, one row per record)
    assert data["err"]["label"] == "log10 ||x_i - x*||"
    assert len(data["err"]["v"]) == 7 and len(data["err"]["v"][0]) == 8


def test_crashed_agent_is_drawn_crashed_while_its_host_is_off(tmp_path):
    (tmp_path / "blip.txt").write_text("0 1\n0.02 0\n0.05 1\n")
    sc = from_dict({"network": {"agents": 4, "topology": "ring", "links": {"latency": "1 ms"}},
                    "problem": {"kind": "least_squares", "samples_per_agent": 10,
                                "features": 5},
                    "algorithm": {"name": "admm"}, "compute": {
                        "solve_time": "5 ms", "profile": [{"agents": [2], "state": "blip.txt"}]},
                    "stop": {"rounds": 12}, "output": {"messages": True, "plots": False}},
                   base_dir=tmp_path)
    folder = netsim.run(sc).write(tmp_path / "out")
    data = viewdata.load_run(folder, base_dir=tmp_path)
    st = data["states"][2]
    pairs = [(a, viewdata.STATES[s]) for a, s in zip(st["t"], st["s"])]
    assert viewdata.state_at(pairs, 0.03) == "crashed"
    assert viewdata.state_at(pairs, 0.0499) == "crashed"
    assert viewdata.state_at(pairs, 0.019) != "crashed"
    assert viewdata.state_at(pairs, 0.05) != "crashed"
    assert "crashed" not in {viewdata.STATES[s] for s in data["states"][0]["s"]}


def test_server_run_shows_barrier_and_staleness(tmp_path):
    sc = from_dict({"network": {"agents": 6, "links": {"latency": "1 ms"}},
                    "problem": {"kind": "least_squares", "samples_per_agent": 10,
                                "features": 5},
                    "algorithm": {"name": "async-admm", "P": 3, "tau": 3},
                    "compute": {"solve_time": "1 ms",
                                "noise": {"dist": "exponential", "mean": 1.0}},
                    "stop": {"rounds": 8}, "output": {"messages": True, "plots": False}})
    folder = netsim.run(sc).write(tmp_path)
    data = viewdata.load_run(folder)
    srv = data["server"]
    assert srv["P"] == 3 and srv["node"] == 6 and data["pos"]["6"] == [0.0, 0.0]
    ups = _rows(folder / "updates.csv")
    assert sum(len(a) for a in srv["absorbed"]) == len(ups)
    assert sorted(s for a in srv["absorbed"] for _, s in a) == sorted(
        int(u["staleness"]) for u in ups)
    assert all(len(a) >= 3 for a in srv["absorbed"])        # the barrier: at least P results
    # a worker sends its result, then waits for the server's reply
    m = next(r for r in _rows(folder / "messages.csv") if r["dst"] == "6")
    st = data["states"][int(m["src"])]
    pairs = [(a, viewdata.STATES[s]) for a, s in zip(st["t"], st["s"])]
    assert viewdata.state_at(pairs, float(m["t_send"])) == "sending"


def test_ring_is_a_circle_and_retransmissions_are_marked(tmp_path):
    sc = netsim.load(LOSSY, {"stop.rounds": 8, "network.links.on_loss": "retransmit",
                             "network.links.loss": 0.3, "output.plots": False})
    folder = netsim.run(sc).write(tmp_path)
    data = viewdata.load_run(folder)
    radii = [math.hypot(*data["pos"][str(i)]) for i in range(6)]
    assert np.allclose(radii, 1.0)
    rows = _rows(folder / "messages.csv")
    seen, expect = set(), []
    for r in rows:
        key = (r["src"], r["dst"], r["round"])
        expect.append(1 if key in seen else 0)
        seen.add(key)
    assert data["messages"]["retx"] == expect and sum(expect) > 0
    assert sum(data["messages"]["lost"]) == sum(int(r["dropped"]) for r in rows) > 0


def test_large_runs_are_sampled_with_a_note(straggler_run, monkeypatch):
    monkeypatch.setattr(viewdata, "MAX_MESSAGES", 50)
    data = viewdata.load_run(straggler_run)
    rows = _rows(straggler_run / "messages.csv")
    assert len(data["messages"]["ts"]) == 50 < len(rows)
    assert any(f"50 of its {len(rows)} messages" in s for s in data["notes"])
    assert data["messages"]["ts"] == sorted(data["messages"]["ts"])
    sent = {(int(r["src"]), int(r["dst"]), float(r["t_send"])) for r in rows}
    m = data["messages"]
    assert {(s, d, t) for s, d, t in zip(m["src"], m["dst"], m["ts"])} <= sent
    # both directions of the ring are sampled (no aliasing with the sending order)
    assert len({(s - d) % 8 for s, d in zip(m["src"], m["dst"])}) == 2
    monkeypatch.setattr(viewdata, "MAX_AGENTS", 7)
    with pytest.raises(netsim.ScenarioError, match="network.agents"):
        viewdata.load_run(straggler_run)


def test_page_is_self_contained(straggler_run):
    page = render(viewdata.load_run(straggler_run))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    low = page.lower()
    for bad in (" src=", "href=", "@import", "url(", "fetch(", "xmlhttprequest"):
        assert bad not in low, bad
    data = json.loads(page.split('id="netsim-data">')[1].split("</script>")[0])
    assert data["n"] == 8
    tricky = viewdata.load_run(straggler_run)
    tricky["description"] = "a </script><!-- <script> description"
    page = render(tricky)
    blob = page.split('id="netsim-data">')[1].split("</script>")[0]
    assert json.loads(blob)["description"] == tricky["description"] and "<" not in blob


@pytest.mark.parametrize("argv, key", [
    (["view", "no/such.toml", "--out", "x.html"], "SCENARIO_OR_RUN"),
    (["view", str(STRAGGLER), "--out", "/no/such/folder/x.html"], "--out"),
    (["view", str(STRAGGLER), "--out", "view.png"], "--out"),
    (["view", str(STRAGGLER), "--variant", "nope"], "--variant"),
])
def test_cli_errors_are_one_line(argv, key, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"netsim: error: {key}")
    assert not list(tmp_path.glob("*.html"))


def test_cli_runs_a_scenario_with_messages_and_iterates(tmp_path, capsys):
    out = tmp_path / "v.html"
    assert main(["view", str(STRAGGLER), "--set", "stop.rounds=2", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (straggler_ring: 8 agents")
    page = out.read_text()
    data = json.loads(page.split('id="netsim-data">')[1].split("</script>")[0])
    assert data["err"] is not None and len(data["err"]["t"]) == 3
    assert data["curve"]["t"][-1] == data["rounds"][-1] and data["round_ids"] == [0, 1, 2]
    assert list(tmp_path.iterdir()) == [out]            # no temporary file or run left over


def test_cli_run_folder_without_messages(tmp_path, capsys):
    sc = netsim.load(STRAGGLER, {"stop.rounds": 2, "output.messages": False,
                                 "output.plots": False})
    folder = netsim.run(sc).write(tmp_path)
    assert main(["view", str(folder), "--out", str(tmp_path / "v.html")]) == 2
    assert "output.messages = true" in capsys.readouterr().err
    assert main(["view", str(folder), "--set", "stop.rounds=3"]) == 2


# ---------------------------------------------------------------- the page in a browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401
    WHY = None if CHROMIUM and DRIVER else (
        "Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
except ImportError:
    WHY = "selenium is not installed (pip install -e '.[test]')"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              "--force-device-scale-factor=1", "--window-size=1250,1100"):
        opts.add_argument(a)
    profile = tempfile.mkdtemp(prefix="netsim-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(20)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _rgb(hex_colour):
    return tuple(int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))


@pytest.mark.skipif(WHY is not None, reason=str(WHY))
def test_page_in_headless_chromium(browser, straggler_run, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page, _ = view_command(str(straggler_run), tmp_path / "view.html")
    browser.get(page.resolve().as_uri())
    clock = browser.find_element(By.ID, "clock")
    before = clock.text
    states0 = [browser.find_element(By.ID, f"agent-{i}").get_attribute("data-state")
               for i in range(8)]
    assert states0 == ["computing"] * 3 + ["straggling"] + ["computing"] * 4
    first_send = min(float(r["t_send"]) for r in _rows(straggler_run / "messages.csv"))

    browser.find_element(By.ID, "step-event").click()
    assert browser.execute_script("return netsimView.time()") == first_send
    assert clock.text != before and "t = 9.000 ms" in clock.text
    states1 = [browser.find_element(By.ID, f"agent-{i}").get_attribute("data-state")
               for i in range(8)]
    assert states1 != states0 and "sending" in states1
    fills = {browser.find_element(By.ID, f"agent-{i}").get_attribute("fill") for i in range(8)}
    assert viewdata.STATE_COLOURS["sending"] in fills

    browser.find_element(By.ID, "step-round").click()
    trace = _rows(straggler_run / "trace.csv")
    round1 = float(trace[1]["time"])
    assert browser.execute_script("return netsimView.time()") == round1
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)   # one event
    t_key = browser.execute_script("return netsimView.time()")
    assert round1 < t_key < float(trace[2]["time"])
    browser.find_element(By.ID, "play").click()
    time.sleep(0.4)
    browser.find_element(By.ID, "play").click()                            # pause
    t_played = browser.execute_script("return netsimView.time()")
    assert t_played > t_key
    time.sleep(0.2)
    assert browser.execute_script("return netsimView.time()") == t_played

    # a known instant: the straggler computes its round 2 while the others wait for it
    done = {(int(r["agent"]), int(r["round"])): float(r["t_done"])
            for r in _rows(straggler_run / "agents.csv")}
    send3 = min(float(r["t_send"]) for r in _rows(straggler_run / "messages.csv")
                if r["src"] == "3" and r["round"] == "2")
    t_star = (done[(3, 1)] + send3) / 2
    browser.execute_script(f"netsimView.seek({t_star!r})")
    shot = tmp_path / "view.png"
    browser.save_screenshot(str(shot))
    img = Image.open(shot).convert("RGB")
    for i in range(8):
        state = browser.execute_script(f"return netsimView.stateOf({i})")
        x, y = browser.execute_script(
            f"var r = document.getElementById('agent-{i}').getBoundingClientRect();"
            "return [r.left + r.width / 2, r.top + 0.2 * r.height];")
        got = img.getpixel((round(x), round(y)))
        want = _rgb(viewdata.STATE_COLOURS[state])
        assert max(abs(a - b) for a, b in zip(got, want)) <= 8, (i, state, got, want)
        if i == 3:
            assert state == "straggling"
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_agents_csv_is_the_same_on_both_engines(monkeypatch, tmp_path):
    """The batched engine reports finished rounds per group, the process-per-agent oracle
    (tests/oracle/process_engine.py) per agent: agents.csv (sorted by time, then agent) must
    not tell them apart."""
    from oracle.process_engine import run_on

    out = {}
    for engine in ("process", "batched"):
        sc = netsim.load(STRAGGLER, {"stop.rounds": 4, "output.plots": False})
        out[engine] = run_on(engine, sc).agents
    assert out["process"] == out["batched"] and len(out["batched"]) == 32


def test_gif_fills_agents_by_state(tmp_path):
    """The GIF uses the view's states: while the straggler computes, its node is filled with
    the straggling colour; once every agent is idle only the legend and its dashed ring are."""
    from PIL import Image

    from netsim.animate import animate

    sc = netsim.load(STRAGGLER)
    gif = animate(sc, tmp_path / "s.gif", rounds=2, fps=4, max_frames=3)   # 0, T/2, T
    want = np.array(_rgb(viewdata.STATE_COLOURS["straggling"]))

    def purple(k):
        with Image.open(gif) as im:
            im.seek(k)
            px = np.asarray(im.convert("RGB"), dtype=int)
        return int((np.abs(px - want).max(axis=2) <= 12).sum())

    with Image.open(gif) as im:
        assert im.n_frames == 3
    assert purple(1) > purple(2) + 500
