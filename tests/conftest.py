"""Session hooks: print the fuzz suite's counts in the test output (CI shows them)."""


def pytest_terminal_summary(terminalreporter):
    import sys
    mod = sys.modules.get("test_fuzz_scenarios") or sys.modules.get("tests.test_fuzz_scenarios")
    if mod is None:
        return
    c = mod.COUNTS
    if c["cases"]:
        terminalreporter.write_line(
            f"fuzz: {c['cases']} scenario files tried: {c['valid_ok']} valid ran, "
            f"{c['invalid_clean']} invalid ended with exit 2 and a one-line error, "
            f"{c['tracebacks']} tracebacks, {c['hangs']} hangs")
    f = getattr(mod, "FILE_COUNTS", {"files": 0})
    if f["files"]:
        terminalreporter.write_line(
            f"fuzz (files: BOM/CRLF, profiles, edge lists, huge sizes, nesting, labels): "
            f"{f['files']} files tried: {f['ran']} runs, {f['refused']} one-line errors, "
            f"{f['tracebacks']} tracebacks, {f['hangs']} hangs")
