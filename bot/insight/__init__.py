"""Insight beyond a post's own numbers: its standing against its account's typical, projections (Discord-free)."""
