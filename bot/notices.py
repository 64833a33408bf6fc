"""What the notification outbox carries: one pydantic model per kind of notice, told apart by `kind`.

A producer builds a notice and writes it with `enqueue` (the payload column holds its JSON, beside what
it reports, in the producer's transaction); the dispatcher reads rows back with `parse`, which validates
them, and the renderer (bot/render/notices.py) takes the models. One kind is written by SQL, not Python:
the cap alert of `try_record_action` (migrations/0003_checkback.sql), so `CapAlert` is that function's
payload to the letter. Fields that some payloads lack (rows written by older code, or by hand in tests)
have defaults; a field nobody writes any more is an error (extra="forbid"), so a renamed field shows up as
a row that no longer validates, which the dispatcher sets aside and logs, rather than a blank in an embed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Unpack

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from bot.insight.models import MilestoneEta, ProjectedViews, Standing
from db import outbox as db_outbox

if TYPE_CHECKING:
    from db.claims import ClaimedPost


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Counts(_Model):
    """A post's numbers, or their growth; a count a payload leaves out is unknown (None)."""

    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None


class _PostNotice(_Model):
    """What every notice about a tracked post says about the post."""

    post_id: int
    video_id: str | None = None
    url: str | None = None
    author: str | None = None
    caption: str | None = None
    posted_at: AwareDatetime | None = None


def about_post(post: ClaimedPost, author: str | None, caption: str | None) -> dict[str, Any]:
    """The fields of a _PostNotice for a tracked post, its caption cut to 200 characters."""
    return {
        "post_id": post.id,
        "video_id": post.external_post_id,
        "url": post.post_url,
        "author": author,
        "caption": (caption or "")[:200] or None,
        "posted_at": post.posted_at,
    }


class CheckbackNotice(_PostNotice):
    """One check-back recorded: the numbers, the growth since the previous and the first snapshot."""

    kind: Literal["checkback"] = "checkback"
    check_index: int
    checks_total: int
    offset: str | None = None
    scheduled_for: AwareDatetime | None = None
    captured_at: AwareDatetime | None = None
    # How late the check ran (0 when on time), and how many missed checks were folded into it.
    late_seconds: int = 0
    skipped: int = 0
    metrics: Counts = Counts()
    since_previous: Counts | None = None
    since_first: Counts | None = None
    views_per_hour: float | None = None
    engagement_rate: float | None = None
    final: bool = False
    next_check_at: AwareDatetime | None = None
    # Against the account's typical at this age, where the views will end, and the next milestone's ETA
    # (bot/insight/); None in rows written before them.
    standing: Standing | None = None
    projection: ProjectedViews | None = None
    milestone_eta: MilestoneEta | None = None


class MilestoneNotice(_PostNotice):
    """The post's views passed a round number (10k, 100k, 1M ...)."""

    kind: Literal["milestone"] = "milestone"
    milestone: int
    views: int | None = None


class ViralNotice(_PostNotice):
    """The post grows unusually: against the account's other posts at the same check, or its own pace."""

    kind: Literal["viral"] = "viral"
    reason: Literal["account_median", "account_curve", "pace"]
    ratio: float
    views: int | None = None
    check_index: int | None = None
    # reason "account_median": the median of `peers` other tracked posts of the account at this check;
    # "account_curve": the typical views at this age of the account's `peers` recent videos.
    median_views: int | None = None
    peers: int | None = None
    # reason "pace": views an hour since the last snapshot, and between the two before it.
    views_per_hour: float | None = None
    previous_views_per_hour: float | None = None


class AskedQuestion(_Model):
    """One question of a CommentQuestionsNotice; `comment_id` is its social_media_comments row."""

    comment_id: int
    author: str | None = None
    text: str = ""
    likes: int = 0
    matched: str = "?"


class CommentQuestionsNotice(_PostNotice):
    """New comments that ask something, found at one check-back (one message per check-back)."""

    kind: Literal["comment_questions"] = "comment_questions"
    check_index: int | None = None
    offset: str | None = None
    questions: list[AskedQuestion] = []
    more: int = 0  # found beyond those listed


class _StoppedNotice(_PostNotice):
    """A post's check-backs stopped (bot/check_stops.py): why, its last views, how far it got, when."""

    reason: str
    last_views: int | None = None
    checks_completed: int
    checks_total: int
    at: AwareDatetime | None = None


class UntrackedNotice(_StoppedNotice):
    """The video is gone or private: its check-backs stopped."""

    kind: Literal["untracked"] = "untracked"


class FailingNotice(_StoppedNotice):
    """The post's checks kept failing for a reason that is not transient (malformed answers, a value that
    cannot be recorded): its check-backs stopped after a bounded number of tries (bot/metrics/evidence.py);
    `missed` of them will not happen."""

    kind: Literal["failing"] = "failing"
    missed: int


class _Postponed(_Model):
    """The month's API budget is used up: work waits for the 1st of next month (UTC)."""

    month: str | None = None
    postponed_until: AwareDatetime | None = None
    budget: int | None = None
    used: int | None = None


class ChecksPostponed(_Postponed):
    """Check-backs postponed (kind "budget"): `posts` of this guild's posts wait."""

    kind: Literal["budget"] = "budget"
    posts: int | None = None


class PollsPostponed(_Postponed):
    """Looking for new posts of watched accounts postponed (kind "watch_budget")."""

    kind: Literal["watch_budget"] = "watch_budget"
    accounts: int | None = None


class BudgetAlert(_Model):
    """The month's API calls reached 80% or 100% of the budget (told once each a month)."""

    kind: Literal["budget_alert"] = "budget_alert"
    month: str
    level: int
    used: int
    budget: int
    renews: AwareDatetime | None = None
    run_out: date | None = None


class ChecksDropped(_Model):
    """The month's plan exceeded what was left: planned calls were shed (told once a month)."""

    kind: Literal["checks_dropped"] = "checks_dropped"
    month: str
    checks: int = 0
    by_class: dict[str, int] = {}
    polls_stretched: bool = False
    budget: int | None = None
    left: int | None = None
    renews: AwareDatetime | None = None


class CapAlert(_Model):
    """An account's day of one action type reached 80% or 100% of its cap (written by try_record_action)."""

    kind: Literal["cap_alert"] = "cap_alert"
    account_id: int
    account: str | None = None
    action_type: str
    level: int
    count: int
    daily_limit: int
    date: date
    at: AwareDatetime | None = None


class ChannelBrokenNotice(_Model):
    """A guild's notification channel was refused (deleted, or the bot may not post there), or the channel
    of its route for `alert_kind` (bot/alert_routes.py)."""

    kind: Literal["channel_broken"] = "channel_broken"
    guild_id: int
    channel_id: int
    reason: str
    at: AwareDatetime | None = None
    alert_kind: str | None = None


class NewPostNotice(_Model):
    """A watched account published a video: tracked from now on, or why not."""

    kind: Literal["new_post"] = "new_post"
    account: str
    display_name: str | None = None
    video_id: str
    url: str | None = None
    caption: str | None = None
    posted_at: AwareDatetime | None = None
    discovered_at: AwareDatetime | None = None
    post_id: int | None = None
    tracked: bool
    not_tracked_reason: str | None = None
    checks_total: int | None = None
    skipped_checks: int = 0
    next_check_at: AwareDatetime | None = None
    views: int | None = None
    followers: int | None = None


class WatchStoppedNotice(_Model):
    """A watched account turned private or disappeared: its new posts are no longer looked for."""

    kind: Literal["watch_stopped"] = "watch_stopped"
    account: str
    reason: str
    at: AwareDatetime | None = None


class DigestPost(_Model):
    """A post in a digest: a top mover (`gained` in the period) or one that finished its schedule."""

    post_id: int
    author: str | None = None
    url: str | None = None
    caption: str | None = None
    views: int | None = None
    gained: int | None = None


class DigestMilestone(_Model):
    post_id: int
    author: str | None = None
    url: str | None = None
    milestone: int


class DigestNewPost(_Model):
    account: str
    url: str | None = None
    post_id: int | None = None
    tracked: bool = True


class DigestCap(_Model):
    """One action type's automation actions in the period, its default daily cap, and how many times an
    account's day reached its cap."""

    action_type: str
    actions: int
    daily_limit: int | None = None
    reached: int = 0


class DigestNotice(_Model):
    """A guild's digest of one period (bot/digest/): the top movers, milestones crossed, new posts of watched
    accounts, posts that finished their schedule, actions against the caps and API calls against the
    budget. `chart` names the PNG that travels with the row (outbox_files), shown as the embed's image.
    `more` counts, per list, what was left out to keep the message short."""

    kind: Literal["digest"] = "digest"
    guild_id: int
    every: Literal["daily", "weekly"] = "daily"
    period_start: AwareDatetime
    period_end: AwareDatetime
    zone: str = "UTC"
    movers: list[DigestPost] = []
    milestones: list[DigestMilestone] = []
    new_posts: list[DigestNewPost] = []
    finished: list[DigestPost] = []
    more: dict[str, int] = {}
    caps: list[DigestCap] = []
    api_calls: int = 0
    month_calls: int | None = None
    monthly_budget: int | None = None
    chart: str | None = None
    preview: bool = False  # /digest now: the period so far


Notice = Annotated[
    CheckbackNotice
    | MilestoneNotice
    | ViralNotice
    | UntrackedNotice
    | FailingNotice
    | ChecksPostponed
    | PollsPostponed
    | BudgetAlert
    | ChecksDropped
    | CapAlert
    | ChannelBrokenNotice
    | NewPostNotice
    | WatchStoppedNotice
    | CommentQuestionsNotice
    | DigestNotice,
    Field(discriminator="kind"),
]
NOTICE: TypeAdapter[Notice] = TypeAdapter(Notice)


def parse(kind: str, payload: dict[str, Any]) -> Notice:
    """The notice of one outbox row (its `kind` column and payload); pydantic's ValidationError when the
    row does not fit its kind's model (or the kind is unknown)."""
    return NOTICE.validate_python({**payload, "kind": kind})


async def enqueue(
    conn: Any,
    notice: Notice,
    *,
    dedupe_key: str,
    now: datetime,
    files: Sequence[tuple[str, bytes]] = (),
    **links: Unpack[db_outbox.RowLinks],
) -> bool:
    """Writes one notice to the outbox, with `files` (name, bytes) to attach to its message; False when a
    row with that dedupe_key exists (a repeated write)."""
    outbox_id = await db_outbox.enqueue(
        conn,
        kind=notice.kind,
        dedupe_key=dedupe_key,
        payload=notice.model_dump(mode="json"),
        now=now,
        **links,
    )
    if outbox_id is not None and files:
        await db_outbox.attach_files(conn, outbox_id, files)
    return outbox_id is not None


async def tell_guilds(
    conn: Any,
    notice: Notice,
    guilds: Iterable[int | None],
    *,
    key: str,
    now: datetime,
    post_id: int | None = None,
) -> int:
    """One row of `notice` for each guild (None: the CLI's, no guild), each written once: its dedupe key is
    `key` and the guild. How many rows were new."""
    written = 0
    for gid in guilds:
        written += await enqueue(
            conn,
            notice,
            dedupe_key=f"{key}:{db_outbox.guild_key(gid)}",
            guild_id=gid,
            post_id=post_id,
            now=now,
        )
    return written
