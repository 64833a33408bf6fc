"""Comparing sandbox transcripts: what may differ between two runs of one script is masked."""

from __future__ import annotations

import re
from datetime import date, timedelta

_DATE = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b")


def first_date(text: str) -> date | None:
    found = _DATE.search(text)
    return date(int(found[1]), int(found[2]), int(found[3])) if found else None


def shift_dates(text: str, to: date) -> str:
    """Every YYYY-MM-DD moved by the days between the text's first date and `to` (a script starts at the
    coming 09:00 UTC: two runs on different days differ by whole days)."""
    start = first_date(text)
    if start is None:
        return text
    delta = to - start

    def moved(m: re.Match[str]) -> str:
        return (date(int(m[1]), int(m[2]), int(m[3])) + timedelta(days=delta.days)).isoformat()

    return _DATE.sub(moved, text)


def masked(text: str, data_dir: str | None = None) -> str:
    """The transcript with wall-clock measures masked, dates from 2000-01-01, and the data directory
    shown as DATA."""
    text = re.sub(r"(Median latency\s+)\d+ ms", r"\1N ms", text)
    if data_dir:
        text = text.replace(data_dir, "DATA")
    return shift_dates(text, date(2000, 1, 1))
