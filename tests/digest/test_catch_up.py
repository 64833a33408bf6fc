"""A digest sent late (the bot down for three days, then checks and alerts run before the digest is built)
tells its period [start, end) and nothing after it: on real Postgres and the injected clock, the growth,
milestones, new posts, finished posts, actions, cap alerts and API calls after the period's end are left out
of the digest that the engine writes, and its chart stops at the period's end too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from bot import notices
from bot.clock import ManualClock
from bot.digest import DigestEngine, DigestService, Period
from bot.digest.service import times_of
from bot.notices import CapAlert, CheckbackNotice, Counts, DigestNotice, MilestoneNotice, NewPostNotice
from db import accounts as db_accounts
from db import api_usage as db_api_usage
from db import guilds as db_guilds
from db import posts as db_posts
from db import snapshots as db_snapshots

GUILD = 4343
CHANNEL = 555_000_000_000_000_011
# A daily digest at 10:00 UTC; set at the clock's start (2 March, 12:00), then three days down: at 12:00 on
# the 5th the due period is the one that ended at 10:00 that day.
START = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
END = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
BEFORE, INSIDE, AFTER = START - timedelta(hours=22), START + timedelta(hours=2), END + timedelta(hours=1)


async def _post(conn: asyncpg.Connection, video: str, views: list[tuple[datetime, int]]) -> int:
    """A post of @late linked to the guild, with one snapshot a (time, views)."""
    account = await db_accounts.get_or_create_account(conn, "late")
    post_id = await db_posts.upsert_post(
        conn,
        account_id=account.id,
        external_post_id=video,
        post_url=f"https://www.tiktok.com/@late/video/{video}",
        caption=None,
        duration=None,
        posted_at=views[0][0],
        thumbnail_url=None,
        raw_data={},
        now=views[0][0],
    )
    await db_guilds.link_post(conn, GUILD, post_id, views[0][0])
    for index, (at, count) in enumerate(views):
        await db_snapshots.insert_snapshot(
            conn,
            post_id=post_id,
            check_index=index,
            captured_at=at,
            scheduled_for=at,
            views=count,
            likes=0,
            comments=0,
            shares=0,
            saves=0,
        )
    return post_id


async def _told(conn: asyncpg.Connection, post_id: int, at: datetime, views: int) -> None:
    """What the guild was told `at`: a milestone, a new post of a watched account, a post's last check-back,
    a cap reached; and an action and API calls made then (`views` of them)."""
    for notice in (
        MilestoneNotice(post_id=post_id, author="late", milestone=views),
        NewPostNotice(account=f"watched{views}", video_id=str(views), post_id=post_id, tracked=True),
        CheckbackNotice(
            post_id=post_id, check_index=3, checks_total=3, final=True, metrics=Counts(views=views)
        ),
        CapAlert(account_id=1, action_type="like", level=100, count=5, daily_limit=5, date=at.date()),
    ):
        await notices.enqueue(
            conn, notice, dedupe_key=f"{notice.kind}:{at.isoformat()}", now=at, guild_id=GUILD, channel_id=1
        )
    await conn.execute(
        "INSERT INTO automation_actions (action_type, action_date, action_hour) VALUES ('like', $1, $2)",
        at.date(),
        at.hour,
    )
    await db_api_usage.insert_usage(
        conn,
        [db_api_usage.UsageRow(endpoint="/video/info", success=True, requested_at=at, request_count=views)],
    )


async def test_a_digest_sent_after_downtime_tells_its_period_and_nothing_after_it(
    clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    service = DigestService(clean_db, clock)
    await service.set(GUILD, channel_id=CHANNEL, every="daily", at="10:00")
    async with clean_db.acquire() as conn:
        # Grew 200 in the period, then 9,700 after it (the checks run after the restart).
        grew = await _post(conn, "7301", [(BEFORE, 100), (INSIDE, 300), (AFTER, 10_000)])
        # First seen in the period: grew 100 in it, then far more.
        new = await _post(conn, "7302", [(INSIDE, 50), (END - timedelta(hours=1), 150), (AFTER, 99_999)])
        # First seen after the period, and one with no snapshot in it: neither moved in the period.
        await _post(conn, "7303", [(AFTER, 500_000)])
        await _post(conn, "7304", [(BEFORE, 10), (AFTER, 1_000_000)])
        await _told(conn, grew, datetime(2026, 3, 1, 0, 30, tzinfo=UTC), 1)  # this month, before the period
        await _told(conn, grew, INSIDE, 2)
        await _told(conn, new, AFTER, 40)
        await _told(conn, new, END, 300)  # the period's end belongs to the next period

    clock.set(END + timedelta(hours=2))  # three days down: the digest of [START, END) goes out two hours late
    engine = DigestEngine(clean_db, clock, service)
    assert await engine.run_due() == 1
    digest = DigestNotice.model_validate(
        await clean_db.fetchval("SELECT payload FROM notification_outbox WHERE kind = 'digest'")
    )
    assert (digest.period_start, digest.period_end) == (START, END)
    assert [(p.post_id, p.gained, p.views) for p in digest.movers] == [(grew, 200, 300), (new, 100, 150)]
    assert [m.milestone for m in digest.milestones] == [2]
    assert [p.account for p in digest.new_posts] == ["watched2"]
    assert [p.views for p in digest.finished] == [2]
    assert [(c.action_type, c.actions, c.reached) for c in digest.caps] == [("like", 1, 1)]
    assert (digest.api_calls, digest.month_calls) == (2, 1 + 2)

    # The chart: each mover's line from its last snapshot before the period to its last in it.
    [setting] = await engine._settings()
    async with clean_db.acquire() as conn:
        built = await service.build(conn, GUILD, Period(START, END), times_of(setting))
    assert built.notice == digest
    assert [(s.times, s.views) for s in built.series] == [
        ([BEFORE, INSIDE], [100, 300]),
        ([INSIDE, END - timedelta(hours=1)], [50, 150]),
    ]
