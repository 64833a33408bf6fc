"""What users type: TikTok links, check-back offsets, message templates. Hypothesis-driven fuzzing of each
parser, and one table of known bad text that each refuses with the reason named."""

from __future__ import annotations

import string
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.errors import CheckbackError, InvalidOffsets, InvalidTemplate, InvalidTikTokUrl
from bot.metrics.urls import (
    FULL_HOSTS,
    SHORT_HOSTS,
    USERNAME_RE,
    canonical_url,
    find_links,
    id_url,
    parse_video_url,
    split_links,
)
from bot.schedule import MAX_OFFSET_SECONDS, MAX_OFFSETS, format_offsets, parse_offsets
from bot.templates import PLACEHOLDERS, SAMPLE_VALUES, placeholders_in, render_text

FUZZ = settings(max_examples=300, deadline=None)

# --- TikTok links ------------------------------------------------------------------------------------
HOSTS = sorted(FULL_HOSTS | SHORT_HOSTS) + [
    "tiktok.com.evil.com",
    "eviltiktok.com",
    "www.tiktok.co",
    "tiktok.com@evil.com",
    "evil.com#@tiktok.com",
    "TIKTOK.COM",
    "www.tiktok.com.",
    "xn--tiktok-9ta.com",
    "tiktók.com",
    "127.0.0.1",
    "",
]
usernames = st.from_regex(USERNAME_RE, fullmatch=True)
video_ids = st.from_regex(r"\d{1,25}", fullmatch=True)
url_like = st.builds(
    lambda scheme, host, port, path, tail: f"{scheme}{host}{port}{path}{tail}",
    st.sampled_from(["https://", "http://", "//", "", "ftp://", "javascript:", "HTTPS://", " https://"]),
    st.sampled_from(HOSTS),
    st.sampled_from(["", ":443", ":80", ":8080", ":", ":99999", ":-1"]),
    st.one_of(
        st.builds(
            lambda u, k, i: f"/@{u}/{k}/{i}", usernames, st.sampled_from(["video", "photo", "v"]), video_ids
        ),
        st.builds(lambda i, ext: f"/v/{i}{ext}", video_ids, st.sampled_from(["", ".html", ".htm", ".html/"])),
        st.builds(lambda code: f"/t/{code}/", st.from_regex(r"[A-Za-z0-9]{0,40}", fullmatch=True)),
        st.builds(lambda code: f"/{code}/", st.from_regex(r"[A-Za-z0-9]{0,40}", fullmatch=True)),
        st.text(max_size=60).map(lambda t: "/" + t),
    ),
    st.sampled_from(["", "/", "?lang=en", "#x", "/extra", " ", "\n", ">"]),
)


def _check_accepted(text: str) -> None:
    try:
        ref = parse_video_url(text)
    except InvalidTikTokUrl:
        return
    parts = urlsplit(ref.url)
    assert parts.scheme == "https"
    assert parts.hostname in FULL_HOSTS | SHORT_HOSTS, (text, ref)
    if ref.kind == "short":
        assert ref.video_id is None
        assert parts.hostname in SHORT_HOSTS or (
            parts.hostname == "www.tiktok.com" and parts.path.startswith("/t/")
        )
    elif ref.kind == "id":
        assert ref.video_id is not None and ref.video_id.isdigit() and ref.username is None
        assert ref.url == id_url(ref.video_id)
    else:
        assert parts.hostname == "www.tiktok.com"
        assert ref.video_id is not None and ref.video_id.isdigit()
        assert ref.username is not None and USERNAME_RE.fullmatch(ref.username)
        assert ref.url == canonical_url(ref.username, ref.video_id)
    again = parse_video_url(ref.url)  # the stored form parses to the same post (a photo's is /video/)
    assert (again.url, again.video_id, again.username) == (ref.url, ref.video_id, ref.username)


@FUZZ
@given(st.text(max_size=300))
@example("https://tiktok.com.evil.com/@a/video/1")
@example("https://www.tiktok.com:99999/@a/video/1")
@example("<https://vm.tiktok.com/ZM1234abc/>")
def test_any_text_is_a_tiktok_link_or_invalid_tiktok_url(text: str) -> None:
    _check_accepted(text)


@FUZZ
@given(url_like)
def test_link_shaped_text_is_accepted_only_on_tiktok_hosts(text: str) -> None:
    _check_accepted(text)


@FUZZ
@given(
    usernames, video_ids, st.sampled_from(sorted(FULL_HOSTS)), st.sampled_from(["", "/", "?is_from_webapp=1"])
)
def test_every_real_post_link_is_accepted_with_its_id(user: str, video_id: str, host: str, tail: str) -> None:
    ref = parse_video_url(f"https://{host}/@{user}/video/{video_id}{tail}")
    assert (ref.username, ref.video_id) == (user, video_id)


@FUZZ
@given(
    st.lists(st.one_of(url_like, video_ids, st.text(max_size=40)), max_size=6),
    st.text(" \n\t,.;!()<>", max_size=3),
)
def test_links_found_in_any_text_parse_or_are_refused_clearly(parts: list[str], sep: str) -> None:
    text = (sep or " ").join(parts)
    for link in find_links(text):
        assert not any(ch.isspace() for ch in link)
        _check_accepted(link)
    for word in split_links(text):
        _check_accepted(word)


@FUZZ
@given(
    st.lists(st.tuples(usernames, video_ids), min_size=1, max_size=5),
    st.sampled_from([" ", "\n", " and ", ", "]),
)
def test_every_post_link_in_a_message_is_found(posts: list[tuple[str, str]], sep: str) -> None:
    links = [f"https://www.tiktok.com/@{u}/video/{i}" for u, i in posts]
    found = find_links("look: " + sep.join(f"<{link}>" for link in links) + " thanks!")
    assert found == list(dict.fromkeys(links))


# --- check-back offsets ------------------------------------------------------------------------------
durations = st.builds(
    lambda n, frac, unit: f"{n}{frac}{unit}",
    st.integers(0, 200_000),
    st.sampled_from(["", ".5", ".25", ".0"]),
    st.sampled_from(list("smhdw") + ["H", "D", "x", ""]),
)
offset_lists = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(durations, max_size=25),
    st.sampled_from([",", ", ", ";", " ", ",,", "\t"]),
)


def _check_offsets(text: str) -> None:
    try:
        offsets = parse_offsets(text)
    except InvalidOffsets:
        return
    assert 1 <= len(offsets) <= MAX_OFFSETS
    assert all(0 < v <= MAX_OFFSET_SECONDS for v in offsets)
    assert all(a < b for a, b in zip(offsets, offsets[1:], strict=False))
    assert parse_offsets(format_offsets(offsets)) == offsets  # what /config show prints reads back


@FUZZ
@given(st.text(max_size=200))
@example("1h,6h,1d")
@example("90d,91d")
def test_any_text_is_a_valid_schedule_or_invalid_offsets(text: str) -> None:
    _check_offsets(text)


@FUZZ
@given(offset_lists)
def test_offset_shaped_text_is_a_valid_schedule_or_invalid_offsets(text: str) -> None:
    _check_offsets(text)


@FUZZ
@given(st.lists(st.integers(1, MAX_OFFSET_SECONDS), min_size=1, max_size=MAX_OFFSETS, unique=True))
def test_every_valid_schedule_survives_format_and_parse(values: list[int]) -> None:
    offsets = sorted(values)
    assert parse_offsets(format_offsets(offsets)) == offsets


# --- message templates -------------------------------------------------------------------------------
literal = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=30)
field = st.one_of(
    st.sampled_from(sorted(PLACEHOLDERS)),
    st.sampled_from(
        ["", "0", "username.upper", "username[0]", "username!r", "username:>10", "__class__", "x"]
    ),
    st.text(alphabet=string.ascii_letters + "_.[]!:0", max_size=12),
)
template_text = st.lists(
    st.one_of(literal, field.map(lambda f: "{" + f + "}"), st.sampled_from(["{{", "}}", "{", "}"])),
    max_size=12,
).map("".join)


def _check_template(text: str) -> None:
    try:
        used = placeholders_in(text)
    except InvalidTemplate:
        return
    assert set(used) <= set(PLACEHOLDERS) and len(used) == len(set(used))
    # Values that look like fields themselves are not evaluated again (format does not recurse), and
    # only the placeholders are replaced: literal text, with {{ and }} unescaped, stays as typed.
    values = {name: f"{{{name}.__class__}}" for name in PLACEHOLDERS}
    rendered = render_text(text, values)
    expected = "".join(
        literal + (values[name] if name is not None else "")
        for literal, name, _, _ in string.Formatter().parse(text)
    )
    assert rendered == expected
    render_text(text, dict(SAMPLE_VALUES))


@FUZZ
@given(st.text(max_size=200))
def test_any_text_is_a_template_or_invalid_template(text: str) -> None:
    _check_template(text)


@FUZZ
@given(template_text)
@example("Hi {username}, thanks for {video_title}! {{literal}}")
@example("{username.__class__.__mro__}")
@example("{0}{}")
def test_template_shaped_text_renders_exactly_its_placeholders(text: str) -> None:
    _check_template(text)


# --- known bad text, refused with the reason ---------------------------------------------------------
# What a user types, the parser that reads it, the error it refuses with, and how the reply for it begins.
PARSERS: dict[str, tuple[Callable[[str], object], type[CheckbackError], str]] = {
    "offsets": (parse_offsets, InvalidOffsets, "That schedule is not valid: "),
    "link": (parse_video_url, InvalidTikTokUrl, "That is not a TikTok video link"),
    "template": (placeholders_in, InvalidTemplate, "That template is not valid: "),
}
ID = "7400000000000000001"
CANONICAL = f"https://www.tiktok.com/@maker_jo/video/{ID}"
# Known bad text of each kind, and the reason its refusal names.
REFUSED = [
    ("offsets", "6h,1h", "ascending"),
    ("offsets", "1h,1h", "ascending"),
    ("offsets", "0h,1h", "after the post"),
    ("offsets", "1h,91d", "90 days"),
    ("offsets", ",".join(f"{h}h" for h in range(1, 22)), "at most 20"),
    ("offsets", "1x", "not a duration"),
    ("offsets", "h", "not a duration"),
    ("offsets", "1h 30m", "ascending"),
    ("offsets", "", "empty"),
    ("link", "", "empty"),
    ("link", "   ", "empty"),
    ("link", f"https://example.com/@maker_jo/video/{ID}", "not on tiktok.com"),
    ("link", f"https://tiktok.com.evil.com/@maker_jo/video/{ID}", "not on tiktok.com"),
    ("link", f"https://eviltiktok.com/@maker_jo/video/{ID}", "not on tiktok.com"),
    ("link", f"https://www.tiktok.com@evil.com/@maker_jo/video/{ID}", "plain tiktok.com"),
    ("link", f"https://www.tiktok.com:8080/@maker_jo/video/{ID}", "plain tiktok.com"),
    ("link", "javascript:alert(document.cookie)", "not a web link"),
    ("link", f"ftp://www.tiktok.com/@maker_jo/video/{ID}", "not a web link"),
    ("link", "https://www.tiktok.com/@maker_jo", "one TikTok post"),
    ("link", "https://www.tiktok.com/@maker_jo/video/12ab", "one TikTok post"),
    ("link", "https://www.tiktok.com/tag/arduino", "one TikTok post"),
    ("link", "https://vm.tiktok.com/", "short link"),
    ("link", f"look at {CANONICAL}", "single link"),
    ("link", "12345", "not on tiktok.com"),
    ("link", "https://m.tiktok.com/v/12ab.html", "one TikTok post"),
    ("link", "https://www.tiktok.com/t/", "one TikTok post"),
    ("template", "Hi {user}!", "{user} (unknown placeholder)"),
    ("template", "Hi {username.upper}", "{username.upper} (attribute or index access"),
    ("template", "Hi {username[0]}", "{username[0]} (attribute or index access"),
    ("template", "Hi {username:>20}", "{username:>20} (conversions and format specs"),
    ("template", "Hi {username!r}", "{username!r} (conversions and format specs"),
    ("template", "Hi {}", "{} (positional fields"),
    ("template", "Hi {0}", "{0} (positional fields"),
    ("template", "Hi {username", "malformed braces"),
    ("template", "Hi username}", "malformed braces"),
]


@pytest.mark.parametrize(("typed", "text", "reason"), REFUSED)
def test_bad_text_is_refused_with_the_reason(typed: str, text: str, reason: str) -> None:
    parse, error, reply = PARSERS[typed]
    with pytest.raises(error) as caught:
        parse(text)
    assert reason in caught.value.detail
    assert caught.value.user_message.startswith(reply)
