"""`python -m bot compare A B` as a subprocess: the table by age, the chart in a file (and where), one
`error:` line and a documented exit status for what cannot be compared."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.charts.style import WIDE
from tests import cli
from tests.charts.png import assert_chart

from .conftest import World, video_url


async def two_tracked_posts(world: World) -> tuple[int, int]:
    """Two posts published five minutes ago, tracked, and checked at 1h: ids (the big one first)."""
    ids = []
    for vid, views in (("7440000000000000101", 40_000_000), ("7440000000000000102", 30_000)):
        world.sim.add_video(
            vid, world.clock.now() - timedelta(minutes=5), username="maker_jo", views_30d=views
        )
        ids.append((await world.tracking.track(None, video_url(vid))).post.id)
    world.advance(hours=1)
    report = await world.runner.run_once()
    assert len(report.outcomes) == 2
    return ids[0], ids[1]


async def test_compare_prints_the_table_and_writes_the_chart(world: World, dsn: str, tmp_path: Path) -> None:
    big, small = await two_tracked_posts(world)
    chart = tmp_path / "both.png"
    code, out, err = await cli.run_on_sim(
        dsn, world.sim, "compare", str(small), str(big), "--chart", str(chart)
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"post {small}: @maker_jo, video 7440000000000000102, 1 h")
    assert lines[1].startswith(f"post {big}: @maker_jo, video 7440000000000000101")
    assert f"At 1h, #{big} has " in out and f"the views of #{small}: " in out
    header = next(line for line in lines if line.strip().startswith("age"))
    assert f"#{small} views" in header and f"#{big} views" in header
    row = next(line.split() for line in lines if line.strip().startswith("1h"))
    assert len(row) == 5 and all("," in cell or cell.isdigit() for cell in row[1:])  # exact, with separators
    assert lines[-1] == f"chart: {chart}"
    assert_chart(chart.read_bytes(), WIDE)

    code, out, err = await cli.run_on_sim(dsn, world.sim, "compare", str(small), str(big), "--no-chart")
    assert code == 0 and "chart:" not in out and f"At 1h, #{big}" in out


async def test_compare_refuses_bad_input_with_one_line(world: World, dsn: str) -> None:
    big, _ = await two_tracked_posts(world)
    code, out, err = await cli.run_on_sim(dsn, world.sim, "compare", str(big), "99")
    assert (code, out, err.strip()) == (1, "", "error: No tracked post matches #99.")
    code, out, err = await cli.run_on_sim(dsn, world.sim, "compare", str(big), str(big))
    assert (code, out, err.strip()) == (1, "", "error: Pick two different posts to compare.")
    code, out, err = await cli.run_on_sim(dsn, world.sim, "compare", str(big), "latest")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "invalid int value" in err
    code, _, err = await cli.run_on_sim(dsn, world.sim, "compare", str(big))
    assert code == 2 and len(err.strip().splitlines()) == 1
