"""CLI commands for tracked posts: track, check, list, analytics."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Adds this module's sub-commands (none yet)."""
