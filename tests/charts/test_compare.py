"""Two posts aligned by age (bot/compare.align), the chart of them, and the words that go with it: no
database, known data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.charts.compare import (
    AgeSeries,
    age_label,
    age_step,
    render_compare_chart,
    series_of,
    wants_log_scale,
)
from bot.charts.style import WIDE
from bot.compare import align
from bot.errors import InvalidInput
from bot.render.compare import compare_embed, compare_lines, lead, times
from bot.schedule import format_offset
from bot.tracking_models import Metrics, PostAnalytics, PostSummary, SnapshotView
from tests.charts.png import assert_chart

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def post(
    post_id: int, published: datetime | None, taken: list[tuple[int | None, float, float | None, int]]
) -> PostAnalytics:
    """A post and its snapshots: (check index, hours taken after `published`, hours scheduled or None,
    views)."""
    base = published or T0
    snapshots = [
        SnapshotView(
            check_index=index,
            label="x",
            captured_at=base + timedelta(hours=at),
            scheduled_for=None if due is None else base + timedelta(hours=due),
            metrics=Metrics(views=views, likes=views // 10),
        )
        for index, at, due, views in taken
    ]
    summary = PostSummary(
        id=post_id,
        video_id=str(7_000 + post_id),
        url=f"https://www.tiktok.com/@demo/video/{7_000 + post_id}",
        author=f"author{post_id}",
        posted_at=published,
        checks_completed=len(snapshots) - 1,
        checks_total=9,
    )
    return PostAnalytics(post=summary, snapshots=snapshots, views_per_hour=100.0)


def test_posts_published_days_apart_line_up_by_their_check_offsets() -> None:
    # A was tracked at 10 minutes old, its 1h check ran 40 minutes late; B was tracked at 3h10m, so its
    # 1h check was skipped; both have a 6h and a 24h check.
    a = post(1, T0, [(0, 1 / 6, None, 50), (1, 1 + 2 / 3, 1, 900), (2, 6, 6, 4_000), (4, 24, 24, 9_000)])
    b = post(2, T0 + timedelta(days=5), [(0, 3 + 1 / 6, None, 700), (2, 6, 6, 1_000), (4, 24.1, 24, 3_000)])
    c = align(a, b)
    assert [(r.age, r.a is not None, r.b is not None) for r in c.rows] == [
        ("0h", True, False),
        ("1h", True, False),  # the late check sits on its scheduled offset
        ("3h", False, True),  # B's snapshot at tracking, by its age to the hour
        ("6h", True, True),
        ("1d", True, True),
    ]
    assert c.latest_shared is not None and c.latest_shared.age == "1d"
    assert lead(c) == "At 1d, #1 has 3.0× the views of #2: 9,000 views against 3,000."
    assert [round(p.hours, 2) for p in c.b.aged] == [3.17, 6, 24.1]  # the chart's ages: as taken


def test_the_table_says_where_a_post_has_no_snapshot_and_the_cli_shows_exact_figures() -> None:
    a = post(1, T0, [(0, 0.2, None, 50), (1, 1, 1, 12_345_678)])
    b = post(2, T0, [(0, 0.1, None, 10), (1, 1, 1, 12_345_678)])
    c = align(a, b)
    assert lead(c) == "At 1h, #1 and #2 are level: 12,345,678 views each."
    embed = compare_embed(c, chart=True)
    assert "12.3M" in embed["description"] and embed["image"]["url"] == "attachment://compare.png"
    lines = compare_lines(c)
    assert any("12,345,678" in line and line.strip().startswith("1h") for line in lines)
    only_a = align(post(1, T0, [(1, 6, 6, 100)]), post(2, T0, [(1, 1, 1, 100)]))
    assert lead(only_a).startswith("No snapshots at the same age yet")
    table = compare_embed(only_a)["description"]
    assert "—" in table
    assert times(2.345) == "2.3×" and times(3414.3) == "3,414×"


def test_a_post_with_no_publish_time_cannot_be_aligned() -> None:
    with pytest.raises(InvalidInput, match="#2 has no publish time"):
        align(post(1, T0, [(0, 1, None, 5)]), post(2, None, [(0, 1, None, 5)]))


def test_the_compare_chart_is_a_wide_png_linear_or_logarithmic() -> None:
    a = post(1, T0, [(0, 0.1, None, 500), (1, 1, 1, 4_000), (2, 6, 6, 30_000), (3, 12, 12, 60_000)])
    near = post(2, T0, [(0, 0.5, None, 400), (1, 1, 1, 3_000), (2, 6, 6, 25_000)])
    far = post(2, T0, [(0, 0.5, None, 0), (1, 1, 1, 30), (2, 6, 6, 200)])
    for other, log in ((near, False), (far, True)):
        c = align(a, other)
        series = [series_of(c.a), series_of(c.b)]
        assert wants_log_scale(series) is log
        assert_chart(render_compare_chart(series, "Views by age"), WIDE)
    # One post with one snapshot, the other with none: still a chart.
    lonely = [AgeSeries("#1", [0.2], [10]), AgeSeries("#2", [], [])]
    assert not wants_log_scale(lonely)
    assert_chart(render_compare_chart(lonely, "Views by age"), WIDE)


def test_the_age_axis_ticks_read_in_hours_then_days() -> None:
    assert age_step(12) == 2 and age_step(72) == 12 and age_step(24 * 30) == 168
    assert age_label(36, 12) == "36h" and age_label(72, 24) == "3d" and age_label(84, 168) == "3.5d"


def test_a_long_history_keeps_the_header_and_the_oldest_ages_and_long_ids_keep_their_columns() -> None:
    # The original system's snapshots (no check index) every hour for two days.
    a = post(1234567, T0, [(None, h, None, 100 * h) for h in range(1, 49)])
    b = post(2, T0, [(1, 1, 1, 50), (2, 6, 6, 300)])
    c = align(a, b)
    assert len(c.rows) == 48
    description = compare_embed(c)["description"]
    assert "The oldest 25 of 48 ages:" in description
    lines = description.split("```")[1].strip("\n").splitlines()
    assert lines[0].startswith("age") and "#1234567 views" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == [format_offset(h * 3600) for h in range(24, 49)]
    widths = {len(line) for line in lines}
    assert len(widths) == 1  # every row as wide as the header: the columns line up
