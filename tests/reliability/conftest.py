"""Fixtures for the fault tests: the instant they start at (the emulator and simulator a bot process connects
to, `outside`, and the in-process bot, `make_stack`, are in tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import BOT_START


@pytest.fixture
def start() -> datetime:
    return BOT_START
