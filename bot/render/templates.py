"""Wording of the template form (the modal /templates add and /templates edit open) and of its refusals."""

from __future__ import annotations

from bot.render.text import DESCRIPTION, RED, TITLE, Embed, clip, cut

# Discord's limit on a modal's title.
MODAL_TITLE = 45
CONTENT = 2000  # a message's content
NAME_LABEL = "Name"
NAME_HELP = "A short name to pick the template by"
TEXT_LABEL = "Text"
TEXT_HELP = "Placeholders: {username} {display_name} {video_title} {account}"
FENCE = "```"


def form_title(editing: str | None = None) -> str:
    """The modal's title: a new template, or the one being edited."""
    return "New message template" if editing is None else cut(f"Edit template: {editing}", MODAL_TITLE)


def saved_title(edited: bool) -> str:
    """The title of the preview answering a saved form: an edit, or a new template."""
    return "Template saved" if edited else "Template added"


def not_saved(reason: str, name: str, text: str) -> tuple[str, Embed]:
    """The private answer to a form that could not be saved: why, and what was typed, to copy into a new
    try (Discord cannot reopen a form from its own submission)."""
    after = "\nNothing was saved. What you typed is below, to copy into a new try."
    content = clip(reason, CONTENT - len(after)) + after
    quoted = text.replace(FENCE, "``\u200b`")  # a fence in the text would end the code block early
    embed: Embed = {
        "title": cut(f"{NAME_LABEL}: {name}", TITLE) if name.strip() else "(no name)",
        "description": clip(f"{FENCE}\n{quoted}\n{FENCE}", DESCRIPTION),
        "color": RED,
    }
    return content, embed
