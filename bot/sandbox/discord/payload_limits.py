"""Discord's size limits on messages, embeds, components and commands, checked the way Discord checks them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.sandbox.discord.mentions import problems

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FIELDS = 25
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_ATTACHMENTS = 10
MAX_ACTION_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_CHOICES = 25
MAX_OPTIONS = 25
MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 100
MAX_CHOICE_NAME = 100
MAX_CHOICE_STRING = 100
MAX_GLOBAL_COMMANDS = 100

# Discord's rule for slash command and option names (lower case where the script has case).
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class FieldError:
    """One rejected value: where it sits in the body (e.g. ("embeds", 0, "title")), and why."""

    path: tuple[str | int, ...]
    code: str
    message: str

    def describe(self) -> str:
        return f"{'.'.join(str(p) for p in self.path)}: {self.message}"


def error_body(errors: list[FieldError]) -> dict[str, Any]:
    """Discord's 400 answer: code 50035 with the errors nested by path, each under `_errors`."""
    tree: dict[str, Any] = {}
    for err in errors:
        node = tree
        for part in err.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": err.code, "message": err.message})
    return {"message": "Invalid Form Body", "code": 50035, "errors": tree}


def _too_long(path: tuple[str | int, ...], value: Any, limit: int) -> list[FieldError]:
    if isinstance(value, str) and len(value) > limit:
        return [FieldError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def check_embed(index: int, embed: dict[str, Any]) -> tuple[list[FieldError], int]:
    """The embed's errors and its length as Discord counts it toward the 6000 total."""
    base: tuple[str | int, ...] = ("embeds", index)
    errors: list[FieldError] = []
    total = 0

    def text(path: tuple[str | int, ...], value: Any, limit: int) -> None:
        nonlocal total
        if isinstance(value, str):
            total += len(value)
            errors.extend(_too_long(base + path, value, limit))

    text(("title",), embed.get("title"), MAX_TITLE)
    text(("description",), embed.get("description"), MAX_DESCRIPTION)
    footer = embed.get("footer") or {}
    text(("footer", "text"), footer.get("text"), MAX_FOOTER)
    author = embed.get("author") or {}
    text(("author", "name"), author.get("name"), MAX_AUTHOR_NAME)
    fields = embed.get("fields") or []
    if len(fields) > MAX_FIELDS:
        errors.append(
            FieldError(
                base + ("fields",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FIELDS} or fewer in length."
            )
        )
    for n, fld in enumerate(fields):
        name, value = fld.get("name"), fld.get("value")
        if not name or not value:
            # Discord refuses empty field names and values outright.
            missing = "name" if not name else "value"
            errors.append(
                FieldError(base + ("fields", n, missing), "BASE_TYPE_REQUIRED", "This field is required")
            )
        text(("fields", n, "name"), name, MAX_FIELD_NAME)
        text(("fields", n, "value"), value, MAX_FIELD_VALUE)
    return errors, total


def check_message(
    body: dict[str, Any], *, files: int = 0, require_something: bool = True
) -> list[FieldError]:
    """Errors Discord would answer for a message create/edit body (channel, webhook or interaction)."""
    errors: list[FieldError] = []
    content = body.get("content")
    errors.extend(_too_long(("content",), content, MAX_CONTENT))
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors.append(
            FieldError(("embeds",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
        )
    total = 0
    for n, embed in enumerate(embeds):
        embed_errors, length = check_embed(n, embed)
        errors.extend(embed_errors)
        total += length
    if total > MAX_EMBED_TOTAL:
        errors.append(
            FieldError(
                ("embeds",),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
            )
        )
    if files > MAX_ATTACHMENTS:
        errors.append(
            FieldError(("files",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ATTACHMENTS} or fewer in length.")
        )
    errors.extend(check_components(body.get("components") or []))
    errors.extend(
        FieldError(path, "ALLOWED_MENTIONS_INVALID", why)
        for path, why in problems(body.get("allowed_mentions"))
    )
    if require_something and not (content or embeds or files or body.get("components") or body.get("poll")):
        errors.append(FieldError(("content",), "BASE_TYPE_REQUIRED", "Cannot send an empty message"))
    return errors


def check_components(rows: list[dict[str, Any]]) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(rows) > MAX_ACTION_ROWS:
        errors.append(
            FieldError(
                ("components",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ACTION_ROWS} or fewer in length."
            )
        )
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") == 1 and len(items) > MAX_ROW_ITEMS:
            errors.append(
                FieldError(
                    ("components", r, "components"),
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {MAX_ROW_ITEMS} or fewer in length.",
                )
            )
        for i, item in enumerate(items):
            path: tuple[str | int, ...] = ("components", r, "components", i)
            errors.extend(_too_long(path + ("custom_id",), item.get("custom_id"), MAX_CUSTOM_ID))
            errors.extend(_too_long(path + ("label",), item.get("label"), MAX_LABEL))
    return errors


def check_choices(
    choices: list[dict[str, Any]], path: tuple[str | int, ...] = ("data", "choices")
) -> list[FieldError]:
    """Autocomplete results and declared option choices: at most 25, names and strings at most 100."""
    errors: list[FieldError] = []
    if len(choices) > MAX_CHOICES:
        errors.append(FieldError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length."))
    for n, choice in enumerate(choices):
        errors.extend(_too_long(path + (n, "name"), choice.get("name"), MAX_CHOICE_NAME))
        errors.extend(_too_long(path + (n, "value"), choice.get("value"), MAX_CHOICE_STRING))
    return errors


def check_commands(commands: list[dict[str, Any]], *, is_global: bool) -> list[FieldError]:
    """A bulk overwrite of application commands."""
    errors: list[FieldError] = []
    if is_global and len(commands) > MAX_GLOBAL_COMMANDS:
        errors.append(
            FieldError((), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_GLOBAL_COMMANDS} or fewer in length.")
        )
    seen: set[tuple[str, int]] = set()
    for n, cmd in enumerate(commands):
        kind = cmd.get("type", 1)
        key = (cmd.get("name", ""), kind)
        if key in seen:
            errors.append(FieldError((n, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name"))
        seen.add(key)
        errors.extend(_check_command_like((n,), cmd, slash=kind == 1))
        errors.extend(_check_permissions((n, "default_member_permissions"), cmd))
    return errors


def _check_permissions(path: tuple[str | int, ...], cmd: dict[str, Any]) -> list[FieldError]:
    """default_member_permissions: null, or a permission bit set as a string of its integer (discord.py
    sends the integer itself, which Discord also takes)."""
    value = cmd.get("default_member_permissions")
    if value is None:
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.isdecimal() or int(value) >= 2**64:
        return [FieldError(path, "BASE_TYPE_INVALID", "Invalid permission value")]
    return []


def _check_command_like(
    path: tuple[str | int, ...], item: dict[str, Any], *, slash: bool
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = item.get("name", "")
    if slash and (not COMMAND_NAME.match(name) or name != name.lower()):
        errors.append(
            FieldError(path + ("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        )
    description = item.get("description", "")
    if slash and not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
        errors.append(
            FieldError(
                path + ("description",),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_COMMAND_DESCRIPTION} in length.",
            )
        )
    options = item.get("options") or []
    if len(options) > MAX_OPTIONS:
        errors.append(
            FieldError(
                path + ("options",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_OPTIONS} or fewer in length."
            )
        )
    seen_optional = False
    for n, opt in enumerate(options):
        opt_path = path + ("options", n)
        errors.extend(_check_command_like(opt_path, opt, slash=True))
        if opt.get("type") not in (1, 2):
            if opt.get("required"):
                if seen_optional:
                    errors.append(
                        FieldError(
                            opt_path + ("required",),
                            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                            "Required options must be placed before non-required options",
                        )
                    )
            else:
                seen_optional = True
        choices = opt.get("choices") or []
        errors.extend(check_choices(choices, opt_path + ("choices",)))
        if choices and opt.get("autocomplete"):
            errors.append(
                FieldError(
                    opt_path + ("autocomplete",),
                    "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                    "Autocomplete cannot be set when choices are given",
                )
            )
    return errors
