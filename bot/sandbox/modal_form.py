"""Filling in a modal at the sandbox's prompt or from a --script: one answer per field, in the modal's order.

A short field takes one line. A paragraph field takes lines until one holding only "." (a line that should
be a lone dot is typed ".."). An empty answer keeps what the field was pre-filled with; "/cancel" at any
field closes the modal without submitting it, as a person can in Discord.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.sandbox.discord import InvalidInvocation, Modal, ModalField
from bot.sandbox.render_terminal import Style

# Asks for one line with the given prompt; None at the end of input.
Ask = Callable[[str], Awaitable[str | None]]
CANCEL = "/cancel"
END = "."
PREFILL_SHOWN = 60


def modal_lines(modal: Modal, style: Style) -> list[str]:
    """The modal as the person sees it before filling it in."""
    lines = [f"  {style.bold('▣ ' + modal.title)} " + style.dim(f"— fill in each field ({CANCEL} closes it)")]
    for f in modal.fields:
        kind = f'several lines, end with a line "{END}"' if f.paragraph else "one line"
        limits = ", ".join(
            x
            for x in (
                "required" if f.required else "optional",
                f"at least {f.min_length} characters" if f.min_length else "",
                f"up to {f.max_length} characters" if f.max_length else "",
            )
            if x
        )
        lines.append(f"  │ {f.label}" + style.dim(f" · {kind}; {limits}"))
        if f.description:
            lines.append("  │   " + style.dim(f.description))
        if f.value:
            shown = f.value if len(f.value) <= PREFILL_SHOWN else f.value[: PREFILL_SHOWN - 1] + "…"
            keep = f'a lone "{END}" keeps it' if f.paragraph else "an empty answer keeps it"
            lines.append("  │   " + style.dim(f"pre-filled: {shown!r} ({keep})"))
    return lines


async def fill(
    modal: Modal, ask: Ask, *, retry: bool, on_problem: Callable[[str], None]
) -> dict[str, str] | None:
    """What is typed into each field (by custom_id), or None when the person cancelled. A value Discord's
    form would refuse is asked for again when `retry` (a person at the prompt), else InvalidInvocation."""
    typed: dict[str, str] = {}
    for f in modal.fields:
        while True:
            value = await _answer(f, ask)
            if value is None:
                return None
            problem = f.check(value)
            if problem is None:
                typed[f.custom_id] = value
                break
            if not retry:
                raise InvalidInvocation(f"the modal {modal.title!r} cannot be submitted: {problem}")
            on_problem(problem)
    return typed


async def _answer(f: ModalField, ask: Ask) -> str | None:
    if not f.paragraph:
        line = await _line(ask, f"  {f.label}: ")
        if line.strip() == CANCEL:
            return None
        return line.strip() or (f.value or "")
    lines: list[str] = []
    while True:
        line = await _line(ask, f'  {f.label} (end with "{END}"): ' if not lines else "  … ")
        if not lines and line.strip() == CANCEL:
            return None
        if line.rstrip() == END:
            break
        lines.append(END if line.rstrip() == END * 2 else line)
    return "\n".join(lines) if lines else (f.value or "")


async def _line(ask: Ask, prompt: str) -> str:
    line = await ask(prompt)
    if line is None:
        raise InvalidInvocation("the input ended before the modal was filled in")
    return line
