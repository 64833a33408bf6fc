"""CLI commands for team data: limits, import-messages."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Adds this module's sub-commands (none yet)."""
