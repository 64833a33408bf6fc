"""Fixtures for the metrics API tests: the simulator and clients of tests/conftest.py, mid-month."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.metrics import MetricsClient
from tests.conftest import MID_MONTH, MakeClient

__all__ = ["START", "MakeClient"]  # the metrics tests import them from here

START = MID_MONTH


@pytest.fixture
def start() -> datetime:
    return START


@pytest.fixture
def client_options(client_options: dict[str, Any]) -> dict[str, Any]:
    """Clients that retry twice and back off a little longer, with nothing recorded in a database."""
    return {**client_options, "rate": 500.0, "retries": 2, "backoff_max": 0.05}


@pytest.fixture
async def client(make_client: MakeClient) -> MetricsClient:
    return await make_client()
