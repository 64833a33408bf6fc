"""Domain errors, and the one table that turns each into the reply a user sees."""

from __future__ import annotations

from typing import Any

from db import errors as db_errors


class CheckbackError(Exception):
    """Something the user is told about in one clear line; nothing was changed."""

    def __init__(self, detail: str = "", **facts: Any) -> None:
        self.detail = detail
        self.facts = facts
        super().__init__(detail or type(self).__name__)

    @property
    def user_message(self) -> str:
        return user_message(self)


class ConfigError(CheckbackError):
    """A setting is missing or has a bad value."""


class DatabaseUnavailable(CheckbackError):
    """Postgres cannot be reached right now (db/ raises `db.errors.DatabaseUnavailable`, mapped to this)."""


class ServiceUnreachable(CheckbackError):
    """Discord (or another service the command needs) cannot be reached right now."""


class MigrationError(CheckbackError):
    """The migration history disagrees with the files on disk (mapped from `db.errors.MigrationError`)."""


# --- metrics API -------------------------------------------------------------------------------
class MetricsApiError(CheckbackError):
    """Base of the metrics API's failures."""


class InvalidTikTokUrl(MetricsApiError):
    """The text given is not a TikTok video address."""


class VideoUnavailable(MetricsApiError):
    """The API did not give the video: its wording says deleted or private (facts: evidence="gone"), or it
    failed without saying why (evidence="vague"), which proves nothing alone (bot/metrics/evidence.py)."""


class VideoUnreadable(VideoUnavailable):
    """The API failed to give the video without saying why ("Something went wrong", data null): evidence
    "vague", which proves nothing alone; try again later."""


class AccountUnavailable(MetricsApiError):
    """The TikTok account does not exist or is private."""


class MalformedAnswer(MetricsApiError):
    """The API's answer broke its own shape: a count that is not a count, a required field missing
    (facts: field). A failed call; nothing of it is stored."""


class QuotaExhausted(MetricsApiError):
    """The API plan's quota or the configured monthly budget is used up."""


class RateLimited(MetricsApiError):
    """The API kept answering 429 after every retry."""


class ApiUnavailable(MetricsApiError):
    """The API failed (5xx, timeouts, bad answers) after every retry."""


class ApiRejected(MetricsApiError):
    """The API refused the request for good (401/403: key or subscription)."""


# --- tracking and schedule ----------------------------------------------------------------------
class PostNotFound(CheckbackError):
    """No tracked post matches what the user named."""


class InvalidOffsets(CheckbackError):
    """A check-back schedule that is not ascending, positive, at most 20 long and within 90 days."""


class BudgetExceeded(CheckbackError):
    """The month's API budget cannot cover what was asked."""


# --- notifications ------------------------------------------------------------------------------
class ChannelBroken(CheckbackError):
    """A notification channel was deleted or the bot may not post there (raised by a NotificationSender)."""


class NotificationFailed(CheckbackError):
    """Sending a notification failed for now (Discord 5xx, 429, network); it is retried later.

    `retry_after` (seconds), when known, is when to try again.
    """

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **facts: Any) -> None:
        super().__init__(detail, **facts)
        self.retry_after = retry_after


# --- team data ----------------------------------------------------------------------------------
class AccountNotFound(CheckbackError):
    """No stored account has that username."""


class ConversationNotFound(CheckbackError):
    """No conversation with that participant."""


class TemplateNotFound(CheckbackError):
    """No message template has that name."""


class InvalidTemplate(CheckbackError):
    """A template uses a placeholder that does not exist, or is malformed."""


class InvalidAction(CheckbackError):
    """An action type or cap value that is not allowed."""


class CapReached(CheckbackError):
    """The account's daily or hourly cap for that action type is reached."""


class InvalidInput(CheckbackError):
    """A value given by the user is malformed."""


# --- Discord ------------------------------------------------------------------------------------
class GuildOnly(CheckbackError):
    """A command that needs a server was used in a direct message."""


class NotAdmin(CheckbackError):
    """The member lacks Manage Server and the guild's admin role."""


REPLIES: dict[type[CheckbackError], str] = {
    CheckbackError: "{detail}",
    ConfigError: "Configuration problem: {detail}",
    DatabaseUnavailable: "The database is not reachable right now ({detail}); try again in a moment.",
    ServiceUnreachable: "{detail}; try again later.",
    MigrationError: "Migration problem: {detail}",
    MetricsApiError: "The metrics API failed: {detail}",
    InvalidTikTokUrl: "That is not a TikTok video link: {detail}",
    VideoUnavailable: "That video is deleted, private or does not exist.",
    VideoUnreadable: "The metrics API could not read that video just now; try again in a few minutes.",
    AccountUnavailable: "That TikTok account does not exist or is private.",
    MalformedAnswer: "The metrics API sent an answer Checkback cannot read: {detail}",
    QuotaExhausted: "The metrics API quota is used up: {detail}",
    RateLimited: "The metrics API is busy (rate limited); try again in a minute.",
    ApiUnavailable: "The metrics API is not answering; try again later.",
    ApiRejected: "The metrics API refused the request: {detail}",
    PostNotFound: "No tracked post matches {detail}.",
    InvalidOffsets: "That schedule is not valid: {detail}",
    BudgetExceeded: "Not enough API budget left this month: {detail}",
    ChannelBroken: "The notification channel cannot be used: {detail}",
    NotificationFailed: "Sending the notification failed: {detail}",
    AccountNotFound: "No account named {detail}.",
    ConversationNotFound: "No conversation with {detail}.",
    TemplateNotFound: "No template named {detail}.",
    InvalidTemplate: "That template is not valid: {detail}",
    InvalidAction: "Not a valid action or cap: {detail}",
    CapReached: "The cap is reached: {detail}",
    InvalidInput: "{detail}",
    GuildOnly: "This command works only inside a server.",
    NotAdmin: "Only admins (Manage Server, or the configured admin role) can do that.",
}


# db/ raises its own errors (it knows nothing of this module); each is the domain error on the right.
DB_ERRORS: dict[type[db_errors.DatabaseError], type[CheckbackError]] = {
    db_errors.DatabaseUnavailable: DatabaseUnavailable,
    db_errors.DatabaseRefused: ConfigError,
    db_errors.MigrationError: MigrationError,
}


# What the entry points (command tree, CLI) catch and tell the user about in one line.
REPORTED_ERRORS = (CheckbackError, db_errors.DatabaseError)


def to_domain(exc: CheckbackError | db_errors.DatabaseError) -> CheckbackError:
    """`exc` as the domain error a user is told about: itself, or a db error mapped through DB_ERRORS."""
    if isinstance(exc, CheckbackError):
        return exc
    for cls in type(exc).__mro__:
        domain = DB_ERRORS.get(cls)
        if domain is not None:
            return domain(exc.detail)
    return CheckbackError(exc.detail)


def domain_error(exc: BaseException) -> CheckbackError | None:
    """`exc` as a domain error (see `to_domain`), or None when it is an unexpected failure."""
    return to_domain(exc) if isinstance(exc, REPORTED_ERRORS) else None


def user_message(err: CheckbackError) -> str:
    """The reply for `err`: the template of its nearest class in REPLIES, filled with its facts."""
    for cls in type(err).__mro__:
        template = REPLIES.get(cls)
        if template is not None:
            try:
                return template.format(detail=err.detail, **err.facts)
            except (KeyError, IndexError):
                return err.detail or template
    return err.detail or "Something went wrong."
