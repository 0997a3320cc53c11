"""Options shared by the whole suite: ``--runslow`` runs the full-scale reliability tests.

Tests marked ``slow`` (a 5,000-run load sweep, many kill points) are skipped unless
``--runslow`` is given; ``make test`` runs their smaller CI-scale versions instead.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the full-scale tests marked slow")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: full-scale test, run only with --runslow")
    config.addinivalue_line("markers", "disk_size: mounts a small tmpfs (root only, else "
                            "skipped) to fill or make read-only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="full scale: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
