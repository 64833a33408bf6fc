"""/compare's embed and `python -m bot compare`'s lines: two posts' check-backs side by side, by age."""

from __future__ import annotations

from collections.abc import Callable

from bot.charts.compare import COMPARE_CHART
from bot.compare import CheckRow, ComparedPost, Comparison
from bot.render.text import BLUE, DESCRIPTION, TITLE, Embed, code, cut, duration, field, num, pct, short

# Ages in the embed's table, the oldest kept: a post with the original system's snapshots can have hundreds.
TABLE_ROWS = 25
NO_SHARED_AGE = "No snapshots at the same age yet: the table fills in as their check-backs come."
FOOTER = "Rows are ages since publishing (a check-back's offset); — : no snapshot at that age."


def name_of(compared: ComparedPost) -> str:
    return f"#{compared.post.id} @{compared.post.author}"


def lead(c: Comparison) -> str:
    """Who is ahead at the oldest age both posts have: "At 24h, #12 has 2.3× the views of #15 (…)"."""
    row = c.latest_shared
    if row is None or row.a is None or row.b is None:
        return NO_SHARED_AGE
    a, b = f"#{c.a.post.id}", f"#{c.b.post.id}"
    views_a, views_b = row.a.metrics.views, row.b.metrics.views
    if views_a == views_b:
        return f"At {row.age}, {a} and {b} are level: {num(views_a)} views each."
    (ahead, high), (behind, low) = sorted(((a, views_a), (b, views_b)), key=lambda p: -p[1])
    figures = f"{num(high)} views against {num(low)}"
    if low == 0:
        return f"At {row.age}, only {ahead} has views: {figures}."
    return f"At {row.age}, {ahead} has {times(high / low)} the views of {behind}: {figures}."


def times(ratio: float) -> str:
    """2.3×, 14×, 3,414×."""
    return f"{ratio:.1f}×" if ratio < 10 else f"{num(round(ratio))}×"


def compare_table(
    c: Comparison, *, figure: Callable[[int], str] = short, width: int = 7, last: int | None = None
) -> list[str]:
    """A header, then a row an age: each post's views and likes there (— where it has none). `last`: only
    that many of the oldest ages (the header stays)."""
    heads = (f"#{c.a.post.id} views", f"#{c.b.post.id} views")
    wide = max(width + 2, *(len(h) for h in heads))  # a long post id widens its column, never shifts it
    header = f"{'age':<7} " + " ".join(f"{h:>{wide}} {'likes':>{width}}" for h in heads)

    def cells(row: CheckRow) -> str:
        out = []
        for snap in (row.a, row.b):
            views = figure(snap.metrics.views) if snap else "—"
            likes = figure(snap.metrics.likes) if snap else "—"
            out.append(f"{views:>{wide}} {likes:>{width}}")
        return " ".join(out)

    rows = c.rows[-last:] if last else c.rows
    return [header, *(f"{row.age[:7]:<7} {cells(row)}" for row in rows)]


def _post_field(compared: ComparedPost) -> dict[str, object]:
    latest, post = compared.latest, compared.post
    if latest is None:
        return field(name_of(compared), f"No snapshots yet.\n[video]({post.url})")
    m = latest.snapshot.metrics
    pace = compared.analytics.views_per_hour
    lines = [
        f"**{num(m.views)}** views · {num(m.likes)} likes",
        f"engagement {pct(m.engagement_rate)}" + (f" · {num(round(pace))} views/h" if pace else ""),
        f"at {duration(latest.hours * 3600)} old · {post.checks_completed}/{post.checks_total} checks",
        f"[video]({post.url})",
    ]
    return field(name_of(compared), "\n".join(lines))


def compare_embed(c: Comparison, *, chart: bool = False) -> Embed:
    """Both posts' latest figures as fields, who leads at the same age, and the table by age. `chart`:
    show attachment://compare.png."""
    head = lead(c)
    if len(c.rows) > TABLE_ROWS:
        head += f"\nThe oldest {TABLE_ROWS} of {len(c.rows)} ages:"
    table = compare_table(c, last=TABLE_ROWS)
    embed: Embed = {
        "title": cut(f"{name_of(c.a)} vs {name_of(c.b)}, by age", TITLE),
        "description": head + "\n" + code(table, DESCRIPTION - len(head) - 1),
        "fields": [_post_field(c.a), _post_field(c.b)],
        "color": BLUE,
        "footer": {"text": FOOTER},
    }
    if chart:
        embed["image"] = {"url": f"attachment://{COMPARE_CHART}"}
    return embed


def compare_lines(c: Comparison) -> list[str]:
    """The CLI's: each post, who leads, and the full table with exact figures."""
    lines = []
    for compared in (c.a, c.b):
        post, latest = compared.post, compared.latest
        age = f", {duration(latest.hours * 3600)} old" if latest else ""
        lines.append(f"post {post.id}: @{post.author}, video {post.video_id}{age}  {post.url}")
    lines += ["", lead(c), ""]
    lines += ["  " + line for line in compare_table(c, figure=num, width=11)]
    return lines
