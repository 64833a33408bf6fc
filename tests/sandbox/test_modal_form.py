"""Filling a modal at the sandbox's prompt or from a script: one line per short field, paragraphs up to a
lone ".", pre-filled values kept by an empty answer, /cancel closing it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.discord import InvalidInvocation, Modal
from bot.sandbox.modal_form import Ask, fill, modal_lines
from bot.sandbox.render_terminal import Style


def template_modal(name: str | None = None, text: str | None = None) -> Modal:
    def label(label: str, custom_id: str, style: int, value: str | None, **limits: int) -> dict[str, object]:
        child = {"type": 4, "custom_id": custom_id, "style": style, "value": value, **limits}
        return {"type": 18, "label": label, "component": child}

    return Modal.from_callback(
        {
            "custom_id": "tpl",
            "title": "Add a template",
            "components": [
                label("Name", "name", 1, name, max_length=100),
                label("Text", "text", 2, text, max_length=4000),
            ],
        }
    )


def lines(*typed: str) -> tuple[Ask, list[str]]:
    """An Ask answering with `typed` in order, and the prompts it was asked with."""
    prompts: list[str] = []
    feed: Iterator[str] = iter(typed)

    async def ask(prompt: str) -> str | None:
        prompts.append(prompt)
        return next(feed, None)

    return ask, prompts


async def test_a_short_line_and_a_paragraph_up_to_a_lone_dot() -> None:
    ask, prompts = lines("welcome", "Hi {username},", "", "..", "...see you", ".")
    typed = await fill(template_modal(), ask, retry=False, on_problem=print)
    assert typed == {"name": "welcome", "text": "Hi {username},\n\n.\n...see you"}
    assert prompts[:3] == ["  Name: ", '  Text (end with "."): ', "  … "]


async def test_empty_answers_keep_the_prefilled_values_and_cancel_closes() -> None:
    modal = template_modal("welcome", "Hi {username}")
    ask, _ = lines("", ".")
    assert await fill(modal, ask, retry=False, on_problem=print) == {
        "name": "welcome",
        "text": "Hi {username}",
    }
    ask, _ = lines("renamed", "/cancel")
    assert await fill(modal, ask, retry=False, on_problem=print) is None
    shown = "\n".join(modal_lines(modal, Style()))
    assert "▣ Add a template" in shown and "pre-filled: 'Hi {username}'" in shown


async def test_a_refused_value_fails_a_script_and_is_asked_again_at_the_prompt() -> None:
    with pytest.raises(InvalidInvocation, match="'Name' is required"):
        await fill(template_modal(), lines("", "x", ".")[0], retry=False, on_problem=print)
    problems: list[str] = []
    ask, prompts = lines("", "n" * 101, "ok", "text", ".")
    typed = await fill(template_modal(), ask, retry=True, on_problem=problems.append)
    assert typed == {"name": "ok", "text": "text"}
    assert problems == ["'Name' is required", "'Name' takes at most 100 characters (got 101)"]
    with pytest.raises(InvalidInvocation, match="input ended"):
        await fill(template_modal(), lines("name", "no end")[0], retry=False, on_problem=print)
