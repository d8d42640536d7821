"""The container smoke test's timings, printed in pytest's closing summary (so CI's log shows them)."""

from __future__ import annotations

import pytest

TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def stack_timings(pytestconfig) -> dict[str, float]:
    """step → seconds; test_container_stack.py fills it."""
    return pytestconfig.stash.setdefault(TIMINGS, {})


def pytest_terminal_summary(terminalreporter, config) -> None:
    timings = config.stash.get(TIMINGS, {})
    if timings:
        terminalreporter.section("container stack timings")
        for step, seconds in timings.items():
            terminalreporter.write_line(f"{step}: {seconds:.0f} s")
