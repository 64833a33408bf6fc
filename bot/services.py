"""Builds the check-back services on a Runtime: metrics client, tracking, runner, dispatcher, scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.alert_routes import AlertRouteService
from bot.analytics import AnalyticsService
from bot.api_usage import UsageService
from bot.caps import LimitsService
from bot.checkbacks import CheckbackRunner
from bot.comment_checks import CommentChecker
from bot.comment_questions import CommentQuestionService
from bot.comments import CommentService
from bot.compare import CompareService
from bot.conversations import ConversationService
from bot.digest import DigestEngine, DigestService
from bot.guild_config import GuildConfigService
from bot.insight.service import InsightService
from bot.metrics.client import MetricsClient
from bot.metrics.shortlinks import ShortLinkResolver
from bot.notifications import Buttons, NotificationSender, OutboxDispatcher, Render
from bot.polling import AccountPoller
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.search import SearchService
from bot.shedding import BudgetKeeper
from bot.templates import TemplateService
from bot.tracking import TrackingService
from bot.watches import WatchService
from bot.what_works import WhatWorksService


@dataclass
class Services:
    """What the CLI, the bot and the sandbox share. `dispatcher` exists when a sender was given."""

    metrics: MetricsClient
    tracking: TrackingService
    checkbacks: CheckbackRunner
    # Team data and analytics, for the cogs (cheap objects: they hold only the pool, client and clock).
    limits: LimitsService
    conversations: ConversationService
    templates: TemplateService
    comments: CommentService
    search: SearchService
    analytics: AnalyticsService
    compare: CompareService  # two posts side by side (bot/compare.py)
    usage: UsageService
    watches: WatchService  # watched accounts (bot/watches.py)
    polling: AccountPoller  # polls them on the scheduler (bot/polling.py)
    guild_config: GuildConfigService  # per-guild channel, schedule and admin role
    questions: CommentQuestionService  # comment questions: /comments, /questions and their buttons
    comment_checker: CommentChecker  # fetches new comments at check-backs (bot/comment_checks.py)
    alerts: AlertRouteService  # per-guild alert routes and their pings (bot/alert_routes.py)
    what_works: WhatWorksService  # hashtags and sounds ranked, the best time to post (bot/what_works.py)
    digests: DigestService  # /config digest and /digest now (bot/digest/service.py)
    digest_engine: DigestEngine  # sends each guild's digest at its time (bot/digest/engine.py)
    dispatcher: OutboxDispatcher | None = None
    scheduler: Scheduler | None = None
    keeper: BudgetKeeper | None = None  # the month's plan: alerts and shedding (bot/shedding.py)

    def start_scheduler(self, *, tick_seconds: float = 5.0, outbox_seconds: float = 2.0) -> Scheduler:
        """Starts the APScheduler jobs (call inside the running loop); tracking wakes it for new posts."""
        if self.scheduler is None:
            self.scheduler = Scheduler(
                self.checkbacks,
                self.tracking.clock,
                self.dispatcher,
                polling=self.polling,
                keeper=self.keeper,
                digests=self.digest_engine,
                tick_seconds=tick_seconds,
                outbox_seconds=outbox_seconds,
            )
            self.tracking.on_scheduled = self.scheduler.wake_at
        self.scheduler.start()
        return self.scheduler

    async def close(self) -> None:
        """Stops the scheduler and closes the metrics client (writing its pending usage rows)."""
        if self.scheduler is not None:
            await self.scheduler.shutdown()
            self.tracking.on_scheduled = None
        await self.metrics.close()


async def build_services(
    runtime: Runtime,
    *,
    sender: NotificationSender | None = None,
    render: Render | None = None,
    buttons: Buttons | None = None,
    metrics: MetricsClient | None = None,
    **client_overrides: Any,
) -> Services:
    """The services on `runtime`'s pool and clock; registered in runtime.extras so Runtime.close()
    closes them. `metrics` replaces the client built from the settings (tests, benchmarks). With a
    `sender`, a notification dispatcher too, which turns notices into embeds with `render` (and, where a
    notice has them, buttons with `buttons`)."""
    settings = runtime.settings
    # The bot's processes share one API rate and budget through Postgres (DESIGN.md §9), however many
    # of them run; `shared_limits=False` in the overrides gives a client that paces only itself.
    options: dict[str, Any] = {"shared_limits": True, **client_overrides}
    client = metrics or MetricsClient.from_settings(
        settings, pool=runtime.pool, clock=runtime.clock, **options
    )
    budget = client.budget  # one budget: the client spends it, the services decide by it
    tracking = TrackingService(
        runtime.pool,
        client,
        runtime.clock,
        budget=budget,
        links=ShortLinkResolver(settings.tiktok_short_link_base_url, timeout=settings.metrics_api_timeout),
    )
    runner = CheckbackRunner(
        runtime.pool,
        client,
        runtime.clock,
        concurrency=settings.metrics_api_concurrency,
        budget=budget,
        database_wait=settings.database_outage_wait,
        # A post of an account with too few tracked posts is compared with its recent videos (one
        # budgeted call a day per account).
        insight=InsightService(runtime.pool, runtime.clock, posts=client, budget=budget),
    )
    dispatcher = None
    if sender is not None:
        if render is None:
            raise TypeError(
                "a notification sender needs a render function (bot/render/notices.render_notice)"
            )
        dispatcher = OutboxDispatcher(
            runtime.pool,
            sender,
            runtime.clock,
            render=render,
            buttons=buttons,
            default_channel_id=settings.notify_channel_id,
            team_guilds=settings.team_guilds,
        )
    comments = CommentService(runtime.pool, client, runtime.clock)
    checker = CommentChecker(runtime.pool, client, runtime.clock, budget=budget)
    runner.after_check = checker.after_check
    templates = TemplateService(runtime.pool, runtime.clock)
    guild_config = GuildConfigService(
        runtime.pool, runtime.clock, default_channel_id=settings.notify_channel_id
    )
    polling = AccountPoller(runtime.pool, client, runtime.clock, tracking=tracking, budget=budget)
    digests = DigestService(runtime.pool, runtime.clock, budget=budget)
    services = Services(
        metrics=client,
        tracking=tracking,
        checkbacks=runner,
        limits=LimitsService(runtime.pool, runtime.clock),
        conversations=ConversationService(runtime.pool, runtime.clock),
        templates=templates,
        comments=comments,
        search=SearchService(runtime.pool, client, runtime.clock),
        analytics=AnalyticsService(runtime.pool, runtime.clock, tracking),
        compare=CompareService(tracking),
        usage=UsageService(runtime.pool, runtime.clock, budget=budget, recorder=client.recorder),
        dispatcher=dispatcher,
        watches=WatchService(runtime.pool, client, runtime.clock, polling=polling),
        polling=polling,
        guild_config=guild_config,
        alerts=AlertRouteService(runtime.pool, runtime.clock),
        keeper=BudgetKeeper(runtime.pool, budget, runtime.clock, poller=polling),
        questions=CommentQuestionService(
            runtime.pool, runtime.clock, tracking=tracking, comments=comments, templates=templates
        ),
        comment_checker=checker,
        what_works=WhatWorksService(runtime.pool, runtime.clock, zone_of=guild_config.zone),
        digests=digests,
        digest_engine=DigestEngine(runtime.pool, runtime.clock, digests),
    )
    runtime.extras["services"] = services
    return services
