"""Checkback: a Discord bot that tracks TikTok posts through a schedule of check-backs."""

__version__ = "0.1.0"
