"""Fixtures of the reliability tests: reference sweeps, run once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.common import reference


@pytest.fixture(scope="session")
def reference_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``reference_of(text)``: the results folder of sweep ``text`` run serially in one go."""
    done: dict[str, Path] = {}

    def get(text: str) -> Path:
        if text not in done:
            done[text] = reference(text, tmp_path_factory.mktemp("reference"))
        return done[text]

    return get
