"""Message templates: create and edit with checked placeholders, list, remove, and render (counting each use)."""

from __future__ import annotations

import string

import asyncpg

from bot.clock import Clocked
from bot.errors import AccountNotFound, InvalidInput, InvalidTemplate, TemplateNotFound
from db import accounts as db_accounts
from db import templates as db_templates
from db.templates import Template

# The fixed set of placeholders a template may use, and what each becomes when it is rendered.
PLACEHOLDERS: dict[str, str] = {
    "username": "the recipient's TikTok username",
    "display_name": "the recipient's display name (their username when it is not known)",
    "video_title": "the title (caption) of the video the message is about",
    "account": "our account's username",
}
# What /templates preview fills in, so a template can be checked before any real message uses it.
SAMPLE_VALUES: dict[str, str | None] = {
    "username": "sample_user",
    "display_name": "Sample User",
    "video_title": "My latest video",
    "account": "our_account",
}
CATEGORIES = ("welcome", "follow_up", "thank_you", "promo", "custom")
MAX_NAME = 255
MAX_TEXT = 4000


def placeholders_in(text: str) -> list[str]:
    """The placeholders `text` uses, in first-use order; InvalidTemplate names anything else.

    Only bare `{name}` fields of PLACEHOLDERS are allowed: no positional `{}`, no attribute or index
    access (`{username.upper}`, `{x[0]}`, which str.format would evaluate), no conversions or format
    specs. `{{` and `}}` are literal braces.
    """
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InvalidTemplate(f"malformed braces ({exc}); write {{{{ or }}}} for a literal brace") from None
    used: list[str] = []
    problems: list[str] = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if field == "" or field.isdigit():
            problems.append(f"{shown} (positional fields are not allowed)")
        elif any(ch in field for ch in ".["):
            problems.append(f"{shown} (attribute or index access is not allowed)")
        elif conversion or spec:
            problems.append(f"{shown} (conversions and format specs are not allowed)")
        elif field not in PLACEHOLDERS:
            problems.append(f"{shown} (unknown placeholder)")
        elif field not in used:
            used.append(field)
    if problems:
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise InvalidTemplate(f"{'; '.join(problems)}. Allowed: {allowed}")
    return used


class TemplateService(Clocked):
    """Templates belong to one account (by username) or, with account None, to every account."""

    async def create(
        self, name: str, text: str, *, account: str | None = None, category: str = "custom"
    ) -> Template:
        name, variables = _checked(name, text)
        if category not in CATEGORIES:
            raise InvalidInput(f"unknown category {category!r}; one of {', '.join(CATEGORIES)}")
        async with self._pool.acquire() as conn:
            account_id = await _account_id(conn, account)
            created = await db_templates.create_template(
                conn,
                account_id=account_id,
                name=name,
                category=category,
                template_text=text,
                variables=variables,
            )
        if created is None:
            raise _name_taken(name, account)
        return created

    async def edit(self, template_id: int, *, name: str, text: str) -> Template:
        """Renames and rewrites the template, checked as create checks a new one; its scope (account or
        global) and category stay. TemplateNotFound when it is gone, InvalidTemplate when another template
        of its scope has the new name."""
        name, variables = _checked(name, text)
        async with self._pool.acquire() as conn:
            updated = await db_templates.update_template(
                conn, template_id, name=name, template_text=text, variables=variables
            )
        if updated == "missing":
            raise TemplateNotFound(name)
        if updated == "taken":
            current = await self.get_by_id(template_id)
            raise _name_taken(name, current.account_username)
        return updated

    async def get_for_edit(self, name: str, *, account: str | None = None) -> Template:
        """The template `get` finds, to edit in a form; InvalidTemplate when its text is longer than a form
        holds (a row written by another tool), since Discord refuses a form filled with more."""
        template = await self.get(name, account=account)
        if len(template.template_text) > MAX_TEXT:
            raise InvalidTemplate(
                f"{template.name!r} is {len(template.template_text)} characters long, more than the "
                f"{MAX_TEXT} a form holds: remove it and add it again shorter"
            )
        return template

    async def get_by_id(self, template_id: int) -> Template:
        async with self._pool.acquire() as conn:
            found = await db_templates.get_template_by_id(conn, template_id)
        if found is None:
            raise TemplateNotFound(f"#{template_id}")
        return found

    async def account_scope(self, account: str | None) -> str | None:
        """The stored username of `account` (None: the global scope); AccountNotFound when unknown. Lets a
        command check the account before asking for the text."""
        if account is None:
            return None
        async with self._pool.acquire() as conn:
            await _account_id(conn, account)
        return db_accounts.normalise_username(account)

    async def list(self, account: str | None = None, *, category: str | None = None) -> list[Template]:
        """With an account: its templates and the global ones; without: every template."""
        async with self._pool.acquire() as conn:
            account_id = await _account_id(conn, account)
            return await db_templates.list_templates(conn, account_id=account_id, category=category)

    async def remove(self, name: str, *, account: str | None = None) -> None:
        async with self._pool.acquire() as conn:
            account_id = await _account_id(conn, account)
            if not await db_templates.delete_template(conn, account_id, name.strip()):
                raise TemplateNotFound(name if account is None else f"{name} (account {account})")

    async def get(self, name: str, *, account: str | None = None) -> Template:
        """The account's own template of that name, else the global one."""
        async with self._pool.acquire() as conn:
            account_id = await _account_id(conn, account)
            found = await db_templates.find_template(conn, account_id, name.strip())
        if found is None:
            raise TemplateNotFound(name)
        return found

    async def preview(self, name: str, *, account: str | None = None) -> tuple[Template, str]:
        """The template filled with SAMPLE_VALUES (the account's name when given); counts no use."""
        template = await self.get(name, account=account)
        return template, sample_text(template.template_text, account)

    async def render(
        self,
        name: str,
        *,
        account: str,
        username: str,
        display_name: str | None = None,
        video_title: str | None = None,
    ) -> str:
        """The text with its placeholders filled in; counts a use (times_used, last_used_at)."""
        async with self._pool.acquire() as conn:
            acc = await db_accounts.get_account_by_username(conn, account)
            if acc is None:
                raise AccountNotFound(account)
            template = await db_templates.find_template(conn, acc.id, name.strip())
            if template is None:
                raise TemplateNotFound(name)
            values = {
                "username": db_accounts.normalise_username(username),
                "display_name": display_name or db_accounts.normalise_username(username),
                "video_title": video_title,
                "account": acc.username,
            }
            text = render_text(template.template_text, values)
            await db_templates.mark_used(conn, template.id, self._clock.now())
        return text


def sample_text(text: str, account: str | None = None) -> str:
    """`text` filled with SAMPLE_VALUES (`account`'s name for {account} when given): what a preview shows."""
    values = dict(SAMPLE_VALUES)
    if account is not None:
        values["account"] = db_accounts.normalise_username(account)
    return render_text(text, values)


def render_text(text: str, values: dict[str, str | None]) -> str:
    """Fills the placeholders; checked again here because rows may come from tools other than ours."""
    used = placeholders_in(text)
    missing = [p for p in used if values.get(p) is None]
    if missing:
        raise InvalidInput(f"the template needs {', '.join(missing)} to be given")
    return text.format_map({p: values[p] for p in used})


def _checked(name: str, text: str) -> tuple[str, list[str]]:
    """The name as stored and the placeholders the text uses; InvalidInput/InvalidTemplate when not valid."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"a template name must be 1-{MAX_NAME} characters")
    if not text.strip() or len(text) > MAX_TEXT:
        raise InvalidTemplate(f"the text must be 1-{MAX_TEXT} characters")
    if "\x00" in name + text:  # Postgres text cannot hold it
        raise InvalidTemplate("the name or text contains a NUL character (U+0000), which cannot be stored")
    return name, placeholders_in(text)


def _name_taken(name: str, account: str | None) -> InvalidTemplate:
    scope = f"for {account}" if account else "among the global templates"
    return InvalidTemplate(f"a template named {name!r} already exists {scope}")


async def _account_id(conn: asyncpg.Connection, account: str | None) -> int | None:
    if account is None:
        return None
    found = await db_accounts.get_account_by_username(conn, account)
    if found is None:
        raise AccountNotFound(account)
    return found.id
