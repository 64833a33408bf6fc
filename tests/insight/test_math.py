"""The insight's arithmetic, without a database: the shape, the account curve's fit, standings, the
projection and its range, milestone ETAs, and the words they are shown in."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.insight.baseline import MIN_TRACKED, Baseline
from bot.insight.models import MilestoneEta, ProjectionCheck, Standing
from bot.insight.projection import MONTH_HOURS, WEEK_HOURS, Curve, milestone_eta, project
from bot.insight.shape import DEFAULT_TAU_HOURS, MIN_VIDEOS, Point, fit_account_curve, percentile_rank, shape
from bot.render.insight import accuracy_text, eta_text, ordinal, projection_text, ratio_text, standing_text
from tests.insight.samples import PROJECTION, shaded_pixels

sizes = st.floats(min_value=100.0, max_value=1e7)
# Counts big enough that rounding to whole views does not move them by more than a few percent.
big_sizes = st.floats(min_value=2_000.0, max_value=1e7)
taus = st.floats(min_value=1.0, max_value=48.0)


def views(size: float, tau: float, hours: float) -> int:
    return int(size * shape(hours, tau))


# --- percentiles and standings -------------------------------------------------------------------------------
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=40), st.integers(0, 10**6))
def test_a_percentile_is_between_0_and_100_and_grows_with_the_value(sample: list[int], value: int) -> None:
    rank = percentile_rank(value, sample)
    assert 0 <= rank <= 100
    assert percentile_rank(value + 1, sample) >= rank


def test_percentiles_of_a_known_sample() -> None:
    sample = list(range(1, 21))  # 1..20
    assert percentile_rank(0, sample) == 0
    assert percentile_rank(100, sample) == 100
    assert percentile_rank(10, sample) == 48  # 9 below, 1 equal: (9 + 0.5) / 20
    with pytest.raises(ValueError):
        percentile_rank(1, [])


def test_the_tracked_history_gives_the_ratio_to_its_median_and_the_percentile() -> None:
    baseline = Baseline(account="demo", peers=[100, 200, 300, 400, 500])
    s = baseline.standing("6h", 6.0, 690)
    assert (s.basis, s.ratio, s.typical_views, s.percentile, s.sample) == ("tracked", 2.3, 300, 100, 5)
    assert standing_text(s) == (
        "**2.3× typical** at 6h · 100th percentile of @demo's last 5 tracked posts at this check (typical 300)"
    )


def test_fewer_tracked_posts_than_the_minimum_and_no_curve_is_no_baseline() -> None:
    s = Baseline(account="demo", peers=[100] * (MIN_TRACKED - 1)).standing("6h", 6.0, 500)
    assert s.basis == "none" and s.ratio is None and s.why == "few_posts"
    assert standing_text(s).startswith("No baseline yet: fewer than 5 of @demo's posts are tracked")
    assert "API budget" in standing_text(Baseline(account="demo", why="budget").standing("6h", 6.0, 500))
    assert Baseline(account="demo").standing(None, None, 500).why == "no_age"


# --- the account's curve --------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(taus, st.lists(big_sizes, min_size=MIN_VIDEOS, max_size=20))
def test_videos_of_one_size_are_fitted_with_their_tau_and_a_video_on_the_curve_is_typical(
    tau: float, sizes_: list[float]
) -> None:
    size = sizes_[0]
    ages = [24.0 * (2 * i + 1) for i in range(len(sizes_))]
    curve = fit_account_curve([Point(a, views(size, tau, a)) for a in ages])
    assert curve is not None and curve.videos == len(sizes_)
    assert curve.tau_hours == pytest.approx(tau, rel=0.12)  # the grid's step is 10%
    ratio, percentile = curve.standing(6.0, views(size, tau, 6.0)) or (0.0, 0)
    assert ratio == pytest.approx(1.0, rel=0.05)
    assert 0 <= percentile <= 100


@given(st.lists(st.tuples(st.floats(0.0, 2000.0), st.integers(0, 10**7)), max_size=30))
def test_a_curve_needs_five_videos_old_enough_with_views(raw: list[tuple[float, int]]) -> None:
    points = [Point(a, v) for a, v in raw]
    curve = fit_account_curve(points)
    good = [p for p in points if p.age_hours >= 0.25 and p.views > 0]
    assert (curve is None) == (len(good) < MIN_VIDEOS)
    if curve is not None:
        assert curve.sizes == tuple(sorted(curve.sizes)) and curve.typical(24.0) > 0


def test_videos_all_of_one_age_get_the_default_tau() -> None:
    curve = fit_account_curve([Point(48.0, 1000 * (i + 1)) for i in range(6)])
    assert curve is not None and curve.tau_hours == DEFAULT_TAU_HOURS


def test_a_bigger_video_stands_higher() -> None:
    curve = fit_account_curve([Point(24.0 * (i + 1), 1000 * (i + 1) ** 2) for i in range(20)])
    assert curve is not None
    low, high = curve.standing(12.0, 1_000), curve.standing(12.0, 100_000)
    assert low is not None and high is not None
    assert low[0] < high[0] and low[1] <= high[1]
    assert curve.standing(0.1, 1000) is None and curve.standing(12.0, 0) is None


# --- the projection -------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(sizes, taus, st.one_of(st.none(), taus))
def test_a_post_on_the_shape_is_projected_within_the_grids_step_and_inside_its_range(
    size: float, tau: float, prior: float | None
) -> None:
    points = [Point(h, views(size, tau, h)) for h in (1.0, 6.0, 12.0, 24.0)]
    p = project(points, prior)
    assert p is not None and p.basis == ("curve" if prior else "decay")
    for hours in (WEEK_HOURS, MONTH_HOURS):
        mid, low, high = p.at(hours)
        truth = views(size, tau, hours)
        assert low <= mid <= high
        if size >= 2_000:  # small counts are rough: the range is about 95%, not a promise
            assert low <= truth * 1.01 and truth <= high * 1.01
            assert mid == pytest.approx(truth, rel=0.1)


@given(sizes, taus, st.floats(0.6, 100.0), st.one_of(st.none(), taus))
def test_projections_never_shrink_with_time_and_month_is_at_least_week(
    size: float, tau: float, age: float, prior: float | None
) -> None:
    p = project([Point(age / 2, views(size, tau, age / 2) + 1), Point(age, views(size, tau, age) + 1)], prior)
    assert p is not None
    assert p.at(WEEK_HOURS)[0] <= p.at(MONTH_HOURS)[0]
    assert p.at(WEEK_HOURS)[1] <= p.at(MONTH_HOURS)[1] and p.at(WEEK_HOURS)[2] <= p.at(MONTH_HOURS)[2]


def test_one_usable_snapshot_projects_nothing() -> None:
    assert project([Point(0.1, 50), Point(2.0, 0), Point(3.0, 900)]) is None
    assert project([]) is None


def test_more_snapshots_narrow_the_range() -> None:
    early = project([Point(1.0, views(1e5, 8, 1.0)), Point(6.0, views(1e5, 8, 6.0))])
    later = project([Point(h, views(1e5, 8, h)) for h in (1.0, 6.0, 12.0, 24.0, 48.0)])
    assert early is not None and later is not None
    width = lambda p: p.at(MONTH_HOURS)[2] / p.at(MONTH_HOURS)[1]  # noqa: E731
    assert width(later) < width(early)


# --- milestone ETAs ---------------------------------------------------------------------------------------------
def test_the_eta_of_the_next_milestone_follows_the_curve() -> None:
    curve = Curve(tau_hours=4.0, size=30_000.0)  # 58k at 24 h, 100k at about 108 h
    p = project([Point(h, round(curve.views_at(h))) for h in (1.0, 6.0, 12.0, 24.0)], 4.0)
    eta = milestone_eta(p, 24.0, round(curve.views_at(24.0)), (10_000, 100_000, 1_000_000))
    assert eta is not None and eta.milestone == 100_000
    assert eta.hours == pytest.approx(curve.hours_to(100_000) - 24.0, rel=0.1)  # type: ignore[operator]
    # Past every milestone, too far, or nothing projected: no ETA.
    assert milestone_eta(p, 24.0, 2_000_000, (10_000, 100_000, 1_000_000)) is None
    assert milestone_eta(p, 24.0, 60_000, (1_000_000,)) is None
    assert milestone_eta(None, 24.0, 60_000, (100_000,)) is None


@given(st.floats(1.0, 48.0), st.floats(10.0, 1e6), st.floats(1.0, 1e7))
def test_a_curve_reaches_its_views_at_the_hours_it_says(tau: float, size: float, target: float) -> None:
    curve = Curve(tau, size)
    hours = curve.hours_to(target)
    if hours is None:
        assert target / size > 30
    else:
        assert curve.views_at(hours) == pytest.approx(target, rel=1e-6)


# --- words -----------------------------------------------------------------------------------------------------
def test_the_words() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 78, 100, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "78th", "100th", "111th",
    ]  # fmt: skip
    assert [ratio_text(r) for r in (2.3, 0.45, 12.4)] == ["2.3×", "0.45×", "12×"]
    assert eta_text(MilestoneEta(milestone=100_000, hours=50)) == "100k in about 2 days at the current pace"
    assert eta_text(MilestoneEta(milestone=10_000, hours=5.2)) == "10k in about 5 hours at the current pace"
    s = Standing(
        basis="curve", account="demo", age="6h", ratio=2.3, typical_views=4000, percentile=78, sample=20
    )
    assert standing_text(s).startswith("**2.3× typical** at 6h · 78th percentile of @demo's last 20 videos")
    assert projection_text(PROJECTION) == (
        "7d ≈ **120k** (90k–150k) · 30d ≈ **180k** (130k–240k) · from the account's curve"
    )
    check = ProjectionCheck(
        made_at_hours=24, horizon="30d", projected=180_000, low=130_000, high=240_000, actual=160_000
    )
    assert check.error == pytest.approx(0.125)
    assert accuracy_text(check) == (
        "30d: projected 180k at 24h, reached 160k (12% high, inside the range 130k–240k)"
    )
    assert math.isclose(shape(0.0, 5.0), 0.0)


# --- the chart -------------------------------------------------------------------------------------------------
def test_the_growth_chart_draws_the_projection_dashed_in_its_shaded_range() -> None:
    from datetime import UTC, datetime, timedelta

    from bot.charts.growth import Band, ChartPoint, render_growth_chart

    start = datetime(2026, 3, 2, tzinfo=UTC)
    points = [ChartPoint(start + timedelta(hours=h), 1000 * h, 60 * h) for h in (1, 6, 12, 24)]
    later = [start + timedelta(hours=h) for h in (24, 72, 168, 360, 720)]
    band = Band(later, [24_000, 40_000, 50_000, 56_000, 60_000], [24_000, 30_000, 35_000, 38_000, 40_000],
                [24_000, 50_000, 70_000, 80_000, 90_000])  # fmt: skip

    with_band = render_growth_chart(points, "#1 @demo", band)
    assert with_band.startswith(b"\x89PNG\r\n\x1a\n")
    without = shaded_pixels(render_growth_chart(points, "#1 @demo"))
    assert shaded_pixels(with_band) > 1000 > 10 * without  # the shaded range
