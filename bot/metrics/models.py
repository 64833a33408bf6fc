"""Pydantic models of the tiktok-scraper7 answers, tolerant of absent, extra and string-typed fields."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _to_int(value: Any) -> int | None:
    """A count as the API sends it (int, float, "1234", "1,234", None, "") as an int, or None if absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value else None  # NaN is absent
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            try:
                return int(float(text))
            except ValueError:
                return None
    return None


# Counts are unsigned and fit a Postgres bigint (metrics-api.md: "fit in 64 bits").
MAX_COUNT = 2**63 - 1
_COUNT_TEXT = re.compile(r"\d{1,19}|\d{1,3}(?:,\d{3}){1,6}")  # "1234" or "1,234"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _to_count(value: Any) -> int | None:
    """A count (int, integral float, "1234", "1,234") as an int; absent (None, "") is None.

    Anything else is a malformed answer, not data: "12.3M", 12.5, -1, 1e30, true, a list.
    """
    if value is None or value == "":
        return None
    count: int
    if isinstance(value, bool):
        raise ValueError(f"not a count: {_show(value)}")
    if isinstance(value, int):
        count = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"not a count: {_show(value)}")
        if abs(value) > MAX_COUNT:
            raise ValueError(f"not a count that fits 64 bits: {_show(value)}")
        count = int(value)
    elif isinstance(value, str) and _COUNT_TEXT.fullmatch(value.strip()):
        count = int(value.strip().replace(",", ""))
    else:
        raise ValueError(f"not a count: {_show(value)}")
    if count < 0:
        raise ValueError(f"a negative count: {count}")
    if count > MAX_COUNT:
        raise ValueError(f"not a count that fits 64 bits: {_show(value)}")
    return count


def _to_str(value: Any) -> str:
    """Ids and texts: numbers become their digits, None becomes ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return str(value)
    return ""


def _to_optional_str(value: Any) -> str | None:
    text = _to_str(value)
    return text or None


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _to_time(value: Any) -> datetime | None:
    """Unix seconds (or milliseconds) as an aware UTC datetime; absent or 0 is None."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    seconds = _to_int(value)
    if not seconds or seconds < 0:
        return None
    if seconds > 100_000_000_000:  # milliseconds: 1e11 s is the year 5138
        seconds //= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _to_cursor(value: Any) -> str:
    text = _to_str(value).strip()
    return text or "0"


Count = Annotated[int | None, BeforeValidator(_to_count)]
Text = Annotated[str, BeforeValidator(_to_str)]
OptionalText = Annotated[str | None, BeforeValidator(_to_optional_str)]
Flag = Annotated[bool, BeforeValidator(_to_bool)]
Timestamp = Annotated[datetime | None, BeforeValidator(_to_time)]
Cursor = Annotated[str, BeforeValidator(_to_cursor)]


class ApiModel(BaseModel):
    """Base: ignores unknown fields, accepts field names or API names, keeps the raw JSON as `raw`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, data: Any) -> Any:
        # A dict that already has `raw` is a dumped model being loaded again: leave it as it is.
        if isinstance(data, dict) and "raw" not in data:
            return {**cls._reshape(data), "raw": data}
        return data

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Subclasses turn the API's nesting into their flat fields here."""
        return data


class Author(BaseModel):
    """The author of a video or comment, as embedded in it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: Text = Field(default="", validation_alias=AliasChoices("id", "uid", "user_id"))
    unique_id: Text = Field(default="", validation_alias=AliasChoices("unique_id", "uniqueId"))
    nickname: Text = ""
    avatar: OptionalText = Field(
        default=None, validation_alias=AliasChoices("avatar", "avatarThumb", "avatar_thumb", "avatarLarger")
    )


class MusicInfo(BaseModel):
    """The sound a video uses (`music_info`): its id, title and author; `original` when it is the creator's."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: Text = Field(default="", validation_alias=AliasChoices("id", "music_id"))
    title: Text = ""
    author: Text = ""
    original: Flag = False


class Video(ApiModel):
    """A video: the detail answer of `/`, or one item of a posts or search listing."""

    video_id: Text = Field(default="", validation_alias=AliasChoices("video_id", "id", "aweme_id"))
    title: Text = ""
    duration: Count = None
    create_time: Timestamp = None
    play_count: Count = None
    digg_count: Count = None
    comment_count: Count = None
    share_count: Count = None
    collect_count: Count = None
    download_count: Count = None
    region: OptionalText = None
    cover: OptionalText = None
    author: Author | None = None
    music_info: MusicInfo | None = None

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "music_info" in data and not isinstance(data["music_info"], dict):
            data = {**data, "music_info": None}
        # Some listings send the author as a bare username string; a non-dict would fail validation.
        if "author" in data and not isinstance(data["author"], dict):
            name = data["author"]
            return {**data, "author": {"unique_id": name} if isinstance(name, str) and name else None}
        return data


class Comment(ApiModel):
    """One comment of `/comment/list`."""

    comment_id: Text = Field(default="", validation_alias=AliasChoices("comment_id", "id", "cid"))
    video_id: Text = ""
    text: Text = ""
    create_time: Timestamp = None
    digg_count: Count = None
    reply_total: Count = None
    user: Author | None = None


class _Account(ApiModel):
    """What `/user/info` and `/user/search` both say of an account (each with its own id and avatar keys)."""

    unique_id: Text = Field(default="", validation_alias=AliasChoices("unique_id", "uniqueId"))
    nickname: Text = ""
    signature: Text = ""
    follower_count: Count = Field(
        default=None, validation_alias=AliasChoices("follower_count", "followerCount")
    )
    following_count: Count = Field(
        default=None, validation_alias=AliasChoices("following_count", "followingCount")
    )


class UserInfo(_Account):
    """An account from `/user/info`: `data.user` and `data.stats` flattened into one model."""

    user_id: Text = Field(default="", validation_alias=AliasChoices("user_id", "id", "uid"))
    avatar: OptionalText = Field(
        default=None, validation_alias=AliasChoices("avatar", "avatarLarger", "avatarMedium", "avatarThumb")
    )
    verified: Flag = False
    private: Flag = Field(default=False, validation_alias=AliasChoices("private", "privateAccount"))
    sec_uid: OptionalText = Field(default=None, validation_alias=AliasChoices("sec_uid", "secUid"))
    heart_count: Count = Field(
        default=None, validation_alias=AliasChoices("heart_count", "heartCount", "heart")
    )
    video_count: Count = Field(default=None, validation_alias=AliasChoices("video_count", "videoCount"))
    digg_count: Count = Field(default=None, validation_alias=AliasChoices("digg_count", "diggCount"))

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        user = data.get("user") if isinstance(data.get("user"), dict) else None
        stats = data.get("stats") if isinstance(data.get("stats"), dict) else None
        if user is None and stats is None:
            return data
        # User fields win on a clash of names; stats has only counts.
        return {**(stats or {}), **(user or {})}


class UserSummary(_Account):
    """One account of `/user/search` (its `user_info`, with `stats` merged in when sent)."""

    user_id: Text = Field(default="", validation_alias=AliasChoices("user_id", "uid", "id"))
    avatar: OptionalText = Field(
        default=None,
        validation_alias=AliasChoices(
            "avatar", "avatar_thumb", "avatarThumb", "avatar_larger", "avatarLarger"
        ),
    )

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        info, stats = data.get("user_info"), data.get("stats")
        if not isinstance(info, dict):
            return data
        return {**(stats if isinstance(stats, dict) else {}), **info}


class Hashtag(ApiModel):
    """One hashtag (challenge) of `/challenge/search`."""

    hashtag_id: Text = Field(default="", validation_alias=AliasChoices("hashtag_id", "id", "cid"))
    name: Text = Field(default="", validation_alias=AliasChoices("name", "cha_name", "title"))
    desc: Text = ""
    user_count: Count = None
    view_count: Count = None
    cover: OptionalText = None


ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(BaseModel, Generic[ItemT]):
    """One page of a listing; `cursor` is sent back to get the next page while `has_more`."""

    items: list[ItemT] = Field(default_factory=list)
    cursor: Cursor = "0"
    has_more: bool = False
    total: Count = None

    @property
    def at_end(self) -> bool:
        """True when following `cursor` cannot give more: no items, hasMore false, or cursor 0."""
        return not self.items or not self.has_more or self.cursor in ("0", "")


def parse_page(data: Any, keys: tuple[str, ...], item: type[ItemT]) -> Page[ItemT]:
    """A page from the `data` of a listing answer: items under the first of `keys` that holds a list.

    `data` may also be a bare list (as `/feed/list` sends). Items that are not objects are skipped.
    """
    if isinstance(data, list):
        found: list[Any] = data
        data = {}
    elif isinstance(data, dict):
        found = next((data[k] for k in keys if isinstance(data.get(k), list)), [])
    else:
        found, data = [], {}
    items = [item.model_validate(entry) for entry in found if isinstance(entry, dict)]
    return Page[item](  # type: ignore[valid-type]
        items=items,
        cursor=data.get("cursor"),
        has_more=_to_bool(data.get("hasMore", data.get("has_more", False))),
        total=data.get("total"),
    )
