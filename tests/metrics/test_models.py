"""The models read the API's answers whatever their quirks: strings for numbers, absent and extra fields."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.metrics.models import Comment, Hashtag, UserInfo, UserSummary, Video, parse_page

DETAIL = {
    "id": "7400000000000000001",
    "region": "US",
    "title": "Soldering a tiny LED matrix #arduino",
    "cover": "https://cdn.example/c.jpg",
    "duration": 27,
    "music_info": {"id": "7300000000000000002", "title": "original sound"},
    "play_count": 48213,
    "digg_count": 3120,
    "comment_count": 88,
    "share_count": 41,
    "download_count": 12,
    "collect_count": 260,
    "create_time": 1733500000,
    "is_ad": False,
    "author": {
        "id": "6900000000000000003",
        "unique_id": "maker_jo",
        "nickname": "Jo Makes",
        "avatar": "a.jpg",
    },
}


def test_video_detail_reads_every_field_and_keeps_the_raw_json() -> None:
    video = Video.model_validate(DETAIL)
    assert video.video_id == "7400000000000000001"
    assert (video.play_count, video.digg_count, video.comment_count) == (48213, 3120, 88)
    assert (video.share_count, video.collect_count, video.duration) == (41, 260, 27)
    assert video.create_time == datetime(2024, 12, 6, 15, 46, 40, tzinfo=UTC)
    assert video.author is not None and video.author.unique_id == "maker_jo"
    assert video.cover == "https://cdn.example/c.jpg"
    assert video.raw == DETAIL


def test_numbers_sent_as_strings_and_unknown_fields_are_accepted() -> None:
    video = Video.model_validate(
        {
            "video_id": 7400000000000000001,
            "play_count": "1,204",
            "digg_count": "77",
            "create_time": "1733500000",
            "brand_new_field": {"x": 1},
            "author": "maker_jo",
        }
    )
    assert video.video_id == "7400000000000000001"
    assert (video.play_count, video.digg_count) == (1204, 77)
    assert video.create_time is not None and video.create_time.tzinfo is not None
    assert video.author is not None and video.author.unique_id == "maker_jo"
    assert video.raw["brand_new_field"] == {"x": 1}


def test_absent_fields_are_none_not_zero() -> None:
    video = Video.model_validate({"aweme_id": "5"})
    assert video.video_id == "5"
    assert video.play_count is None and video.create_time is None and video.author is None
    assert Video.model_validate({"create_time": 0, "play_count": ""}).create_time is None


def test_create_time_in_milliseconds_is_understood() -> None:
    video = Video.model_validate({"create_time": 1733500000123})
    assert video.create_time == datetime(2024, 12, 6, 15, 46, 40, tzinfo=UTC)


def test_a_dumped_video_loads_back_unchanged() -> None:
    video = Video.model_validate(DETAIL)
    assert Video.model_validate(video.model_dump()) == video


def test_user_info_reads_the_nested_camel_case_shape() -> None:
    info = UserInfo.model_validate(
        {
            "user": {
                "id": "69",
                "uniqueId": "maker_jo",
                "nickname": "Jo",
                "signature": "I build",
                "avatarLarger": "l.jpg",
                "verified": False,
                "secUid": "MS4w",
                "privateAccount": True,
            },
            "stats": {
                "followerCount": "15400",
                "followingCount": 210,
                "heartCount": 402000,
                "heart": 1,
                "videoCount": 133,
                "diggCount": 900,
            },
        }
    )
    assert (info.user_id, info.unique_id, info.avatar, info.sec_uid) == ("69", "maker_jo", "l.jpg", "MS4w")
    assert info.private is True
    assert (info.follower_count, info.heart_count, info.video_count) == (15400, 402000, 133)
    assert info.raw["stats"]["diggCount"] == 900


def test_user_search_items_flatten_user_info() -> None:
    found = UserSummary.model_validate(
        {
            "user_info": {
                "uid": "69",
                "unique_id": "maker_jo",
                "avatar_thumb": "t.jpg",
                "follower_count": "15400",
            }
        }
    )
    assert (found.user_id, found.unique_id, found.avatar, found.follower_count) == (
        "69",
        "maker_jo",
        "t.jpg",
        15400,
    )


def test_comment_and_hashtag() -> None:
    comment = Comment.model_validate(
        {
            "id": "741",
            "text": "what gauge?",
            "create_time": 1733503600,
            "digg_count": "14",
            "reply_total": 2,
            "user": {"unique_id": "wirehead42", "nickname": "Wire Head"},
        }
    )
    assert (comment.comment_id, comment.digg_count, comment.reply_total) == ("741", 14, 2)
    assert comment.user is not None and comment.user.nickname == "Wire Head"
    tag = Hashtag.model_validate({"id": "33380", "cha_name": "arduino", "view_count": "910000000"})
    assert (tag.hashtag_id, tag.name, tag.view_count) == ("33380", "arduino", 910000000)


def test_pages_read_camel_case_has_more_and_any_cursor() -> None:
    page = parse_page(
        {"videos": [{"video_id": "1"}, "junk"], "cursor": 1733400000000, "hasMore": True}, ("videos",), Video
    )
    assert [v.video_id for v in page.items] == ["1"]
    assert (page.cursor, page.has_more, page.at_end) == ("1733400000000", True, False)
    last = parse_page(
        {"comments": [{"id": "9"}], "cursor": 0, "hasMore": True, "total": "88"}, ("comments",), Comment
    )
    assert last.at_end and last.total == 88
    bare = parse_page([{"id": "2"}], ("videos",), Video)
    assert [v.video_id for v in bare.items] == ["2"] and bare.at_end
    assert parse_page(None, ("videos",), Video).items == []


def test_counts_are_unsigned_and_fit_64_bits_or_the_answer_is_malformed() -> None:
    import pytest
    from pydantic import ValidationError

    from bot.metrics.models import MAX_COUNT

    for good, expected in [(0, 0), ("1,204", 1204), (" 77 ", 77), (1234.0, 1234), (MAX_COUNT, MAX_COUNT)]:
        assert Video.model_validate({"play_count": good}).play_count == expected
    for bad in [
        "12.3M",
        "n/a",
        1e30,
        -1,
        "-5",
        12.5,
        float("nan"),
        float("inf"),
        True,
        [1],
        {"n": 1},
        MAX_COUNT + 1,
        10**30,
        "99999999999999999999",
    ]:
        with pytest.raises(ValidationError) as caught:
            Video.model_validate({"digg_count": bad})
        [error] = caught.value.errors()
        assert error["loc"] == ("digg_count",)
        assert "count" in error["msg"]
