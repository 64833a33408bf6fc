"""What makes the simulated accounts look like real ones: each account's habits, drawn from its name and the
world's seed, so two runs agree and another seed gives another, equally believable, world.

- **A believable spread of videos.** An account has a typical level (its median 30-day views); each video's
  30-day views are that level times a lognormal draw (sigma LOGNORMAL_SIGMA): most videos ordinary, about
  one in twenty over five times the typical, and a rare one that goes far beyond.
- **Publishing times with a pattern.** An account posts at its favourite hours (UTC, up to JITTER_MINUTES either
  side) and more on its favourite days of the week; videos posted at the world's good hours
  (hour_lift: evenings) do better, so /besttime finds something.
- **Hashtags and sounds.** Each account has a topic, a pool of hashtags (its topic's and a few general
  ones) and of sounds (its own "original sound" and trending ones shared by every account); a video's caption
  carries one to three of them and its music_info one sound. Some tags and sounds lift views, others
  weigh them down (a fixed factor per tag and sound), so /top by:hashtags and by:sounds rank something.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# A video's 30-day views are the account's level times exp(N(0, sigma)): sigma 1.0 puts ~5% of videos above
# 5x the typical and ~1 in 200 above 13x, which is what a creator's feed looks like.
LOGNORMAL_SIGMA = 1.0
LEVEL_RANGE = (3.4, 5.4)  # log10 of an account's median 30-day views: 2.5k to 250k
MIN_VIEWS_30D = 1_000.0

TOPICS: dict[str, tuple[str, ...]] = {
    "diy": ("diy", "maker", "arduino", "woodworking", "howto"),
    "cooking": ("cooking", "recipe", "foodtok", "easyrecipe", "baking"),
    "tech": ("tech", "gadgets", "coding", "setup", "techtok"),
    "dance": ("dance", "dancechallenge", "choreo", "trend", "dancetok"),
    "travel": ("travel", "traveltok", "wanderlust", "roadtrip", "hiddengems"),
}
GENERAL_TAGS = ("fyp", "foryou", "viral", "tutorial", "learnontiktok")
TRENDING_SOUNDS = (
    "Espresso (sped up)",
    "Lo-fi morning",
    "Running up that hill",
    "Oh no (remix)",
    "Synth pop loop",
    "Funky bassline",
)
JITTER_MINUTES = 45  # a video goes out up to this long either side of a favourite hour
# Views lift by hour of publishing (UTC): better in the evening, worst in the small hours.
GOOD_HOUR = 19


def stable_int(*parts: object) -> int:
    """A hash of `parts` that is the same in every process (Python's hash() is salted per process)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True, slots=True)
class Sound:
    """A sound (music_info): its id, title and author; `original` for an account's own."""

    music_id: str
    title: str
    author: str
    original: bool


@dataclass(frozen=True, slots=True)
class Habits:
    """One account's habits (see the module's docstring)."""

    username: str
    seed: int
    level: float  # median 30-day views
    topic: str
    tags: tuple[str, ...]
    sounds: tuple[Sound, ...]
    hours: tuple[int, ...]  # favourite hours of publishing, UTC
    day_weights: tuple[float, ...]  # Monday..Sunday

    def video_traits(self, video_id: str, published_at: datetime) -> tuple[float, tuple[str, ...], Sound]:
        """A video's 30-day views, hashtags and sound, from its id and publishing time."""
        rng = random.Random(stable_int("video-traits", self.seed, video_id))
        count = 1 + rng.randrange(3)
        tags = tuple(rng.sample(self.tags, count))
        sound = self.sounds[rng.randrange(len(self.sounds))]
        lift = math.prod(tag_lift(t, self.seed) for t in tags) * sound_lift(sound, self.seed)
        lift *= hour_lift(published_at)
        views = self.level * math.exp(rng.gauss(0.0, LOGNORMAL_SIGMA)) * lift
        return max(MIN_VIEWS_30D, views), tags, sound

    def publishing_times(self, before: datetime, count: int, *, per_day: float = 1.0) -> list[datetime]:
        """`count` publishing times before `before`, newest first (see _day_times)."""
        rng = random.Random(stable_int("times", self.seed, self.username, before.isoformat()))
        out: list[datetime] = []
        day = _midnight(before)
        while len(out) < count:
            out += [t for t in reversed(self._day_times(day, per_day, rng)) if t < before][: count - len(out)]
            day -= timedelta(days=1)
        return out

    def next_times(self, after: datetime, count: int, *, per_day: float = 1.0) -> list[datetime]:
        """`count` publishing times after `after`, oldest first (the account's videos to come)."""
        rng = random.Random(stable_int("next", self.seed, self.username, after.isoformat()))
        out: list[datetime] = []
        day = _midnight(after)
        while len(out) < count:
            out += [t for t in self._day_times(day, per_day, rng) if t > after][: count - len(out)]
            day += timedelta(days=1)
        return out

    def _day_times(self, day: datetime, per_day: float, rng: random.Random) -> list[datetime]:
        """One day's publishing times, in order: about `per_day` x the day's weight videos, at the favourite
        hours first (a second video at one hour goes two hours later), up to JITTER_MINUTES either side."""
        expected = per_day * self.day_weights[day.weekday()] / (sum(self.day_weights) / 7)
        n = int(expected) + (rng.random() < expected - int(expected))
        hours = [
            (h + 2 * (i // len(self.hours))) % 24
            for i, h in enumerate(self.hours * (n // len(self.hours) + 1))
        ]
        return sorted(
            day + timedelta(hours=h, minutes=rng.randint(-JITTER_MINUTES, JITTER_MINUTES)) for h in hours[:n]
        )


def _midnight(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def habits_of(username: str, seed: int = 0) -> Habits:
    """The account's habits: the same for the same name and seed, in every process."""
    rng = random.Random(stable_int("habits", seed, username))
    topic = rng.choice(sorted(TOPICS))
    tags = (*rng.sample(TOPICS[topic], 3), *rng.sample(GENERAL_TAGS, 2))
    own = Sound(
        music_id=str(7_100_000_000_000_000_000 + stable_int("own-sound", seed, username) % 10**17),
        title=f"original sound - {username}",
        author=username,
        original=True,
    )
    trending = tuple(trending_sound(i, seed) for i in rng.sample(range(len(TRENDING_SOUNDS)), 2))
    hours = tuple(sorted(rng.sample((7, 9, 12, 13, 17, 18, 19, 20, 21, 22), 3 + rng.randrange(2))))
    weights = [rng.uniform(0.6, 1.2) for _ in range(7)]
    for day in rng.sample(range(7), 2):
        weights[day] *= 2.0
    return Habits(
        username=username,
        seed=seed,
        level=10 ** rng.uniform(*LEVEL_RANGE),
        topic=topic,
        tags=tags,
        sounds=(own, own, *trending),  # an account's own sound is the most used
        hours=hours,
        day_weights=tuple(weights),
    )


def trending_sound(index: int, seed: int = 0) -> Sound:
    """The index-th trending sound: the same id for every account that uses it."""
    return Sound(
        music_id=str(7_000_000_000_000_000_000 + stable_int("trending", seed, index) % 10**17),
        title=TRENDING_SOUNDS[index],
        author=f"artist{index + 1}",
        original=False,
    )


def tag_lift(tag: str, seed: int = 0) -> float:
    """A fixed factor by which a hashtag moves views, between 0.6 and 1.8."""
    return 0.6 + 1.2 * (stable_int("tag-lift", seed, tag) % 1000) / 999


def sound_lift(sound: Sound, seed: int = 0) -> float:
    """A fixed factor by which a sound moves views: trending ones between 0.8 and 2.5, one's own 1."""
    if sound.original:
        return 1.0
    return 0.8 + 1.7 * (stable_int("sound-lift", seed, sound.music_id) % 1000) / 999


def hour_lift(when: datetime) -> float:
    """Views by hour of publishing (UTC): 1.6x at GOOD_HOUR, 0.6x twelve hours away."""
    hour = when.astimezone(UTC).hour + when.minute / 60
    return 1.1 + 0.5 * math.cos(2 * math.pi * (hour - GOOD_HOUR) / 24)
