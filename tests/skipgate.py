"""No silent skip: a run fails when a test skipped for a reason the CI machine does not have.

A skip is honest only when the machine truly cannot run the test. The reasons allowed are
listed below, each with why; any other skip (a missing file, a missing package, a `skipif`
that should have been a dependency) turns a green run red, and the summary names it.
pytest's `-ra` still shows every skip with its reason.
"""

from __future__ import annotations

import pytest

ALLOWED_SKIPS: dict[str, str] = {
    "needs root to chown": "a key file owned by another user can only be made as root; CI runs "
    "as root, so it runs there",
    "this kernel does not drop SYNs to a full backlog": "what a full listen backlog does is the "
    "kernel's (and its sysctls'), not the project's",
    "this kernel accepted a connection beyond a full backlog": "same: the kernel's choice",
}
"""Skip reasons (prefixes) a run may carry: root-only and kernel-dependent tests."""

_skips: list[tuple[str, str]] = []
"""(test id, reason) of every skip not allowed, in this process's session."""


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def allowed(reason: str) -> bool:
    return any(reason.startswith(prefix) for prefix in ALLOWED_SKIPS)


def pytest_configure(config: pytest.Config) -> None:
    _skips.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # xdist forwards its workers' reports to the controller's hook, so the controller sees all.
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _reason(report)
        if not allowed(reason):
            _skips.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller decides
    if _skips and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not _skips or hasattr(config, "workerinput"):
        return
    terminalreporter.section("skipped, and this machine could have run them", red=True)
    for nodeid, reason in _skips:
        terminalreporter.line(f"{nodeid}: {reason}")
    terminalreporter.line(
        "A test that needs something this machine lacks must fail, not skip; if the skip is "
        "truly the machine's (root, kernel), list its reason in tests/skipgate.py."
    )
