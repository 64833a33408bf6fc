"""Postgres access: the pool, the migration runner, and one query module per aggregate."""
