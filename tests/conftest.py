"""Session hooks: print the fuzz suite's counts in the test output (CI shows them)."""


def pytest_terminal_summary(terminalreporter):
    import sys
    mod = sys.modules.get("test_fuzz_scenarios")
    if mod is None or not mod.COUNTS["cases"]:
        return
    c = mod.COUNTS
    terminalreporter.write_line(
        f"fuzz: {c['cases']} scenario files tried: {c['valid_ok']} valid ran, "
        f"{c['invalid_clean']} invalid ended with exit 2 and a one-line error, "
        f"{c['tracebacks']} tracebacks, {c['hangs']} hangs")
