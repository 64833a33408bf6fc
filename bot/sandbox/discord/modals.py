"""Modals: the checks Discord makes on a MODAL callback (type 9), the form a member then sees, and the
MODAL_SUBMIT data (interaction type 5) the form sends back when it is filled in.

Built to Discord's component reference: a modal has a custom_id (1-100), a title (1-45) and 1-5 top-level
components. A Text Input (type 4) sits in a Label (type 18: label 1-45, description up to 100), or, in the
deprecated shape discord.py still sends for a `TextInput` added without a Label, alone in an Action Row
(type 1) carrying its own `label`. Text Display (type 10) shows text. A text input's min_length is 0-4000,
max_length 1-4000 and at least min_length, its pre-filled value at most max_length (4000), its placeholder
up to 100; `required` defaults to true. The submission mirrors the modal's shape, each component with the
`id` Discord numbered it with, each text input with its `custom_id` and `value`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.discord.payload_limits import MAX_CUSTOM_ID, FieldError

ACTION_ROW, TEXT_INPUT, TEXT_DISPLAY, LABEL = 1, 4, 10, 18
SHORT, PARAGRAPH = 1, 2
MAX_TITLE = 45
MAX_COMPONENTS = 5
MAX_LABEL = 45
MAX_LABEL_DESCRIPTION = 100
MAX_TEXT = 4000
MAX_PLACEHOLDER = 100
MAX_TEXT_DISPLAY = 4000
# What a Label may hold in a modal: text input, the five selects, file upload, radio and checkbox groups,
# checkbox. Only text inputs can be filled in through the emulator (see Modal.submission).
LABEL_CHILDREN = {4, 3, 5, 6, 7, 8, 19, 21, 22, 23}
SELECTS = {3, 5, 6, 7, 8}

Path = tuple[str | int, ...]


def _error(path: Path, code: str, message: str) -> FieldError:
    return FieldError(path, code, message)


def _length(path: Path, value: Any, low: int, high: int, *, required: bool = True) -> list[FieldError]:
    if value is None:
        return [_error(path, "BASE_TYPE_REQUIRED", "This field is required")] if required else []
    if not isinstance(value, str):
        return [_error(path, "BASE_TYPE_STRING", "Must be a string.")]
    if not low <= len(value) <= high:
        return [_error(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")]
    return []


def _bound(path: Path, value: Any, low: int, high: int) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        return [_error(path, "NUMBER_TYPE_OUT_OF_RANGE", f"Must be between {low} and {high}.")]
    return []


def check_modal(data: dict[str, Any]) -> list[FieldError]:
    """Errors Discord answers (400, code 50035) for the `data` of a MODAL callback."""
    base: Path = ("data",)
    errors = _length(base + ("custom_id",), data.get("custom_id"), 1, MAX_CUSTOM_ID)
    errors += _length(base + ("title",), data.get("title"), 1, MAX_TITLE)
    components = data.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= MAX_COMPONENTS:
        errors.append(
            _error(
                base + ("components",),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_COMPONENTS} in length.",
            )
        )
        return errors
    seen: set[str] = set()
    for n, component in enumerate(components):
        errors += _check_top_level(base + ("components", n), component, seen)
    return errors


def _check_top_level(path: Path, component: Any, seen: set[str]) -> list[FieldError]:
    kind = component.get("type") if isinstance(component, dict) else None
    if kind == LABEL:
        errors = _length(path + ("label",), component.get("label"), 1, MAX_LABEL)
        errors += _length(
            path + ("description",), component.get("description"), 1, MAX_LABEL_DESCRIPTION, required=False
        )
        child = component.get("component")
        child_kind = child.get("type") if isinstance(child, dict) else None
        if child_kind not in LABEL_CHILDREN:
            return errors + [
                _error(path + ("component",), "COMPONENT_TYPE_INVALID", "Invalid component type")
            ]
        return errors + _check_interactive(path + ("component",), child, seen, in_label=True)
    if kind == ACTION_ROW:
        children = component.get("components")
        if not isinstance(children, list) or len(children) != 1:
            # In a modal an Action Row holds exactly one text input or select.
            return [
                _error(path + ("components",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length.")
            ]
        child = children[0]
        if not isinstance(child, dict) or child.get("type") not in {TEXT_INPUT, *SELECTS}:
            return [_error(path + ("components", 0), "COMPONENT_TYPE_INVALID", "Invalid component type")]
        return _check_interactive(path + ("components", 0), child, seen, in_label=False)
    if kind == TEXT_DISPLAY:
        return _length(path + ("content",), component.get("content"), 1, MAX_TEXT_DISPLAY)
    return [_error(path + ("type",), "COMPONENT_TYPE_INVALID", "Invalid component type")]


def _check_interactive(
    path: Path, item: dict[str, Any], seen: set[str], *, in_label: bool
) -> list[FieldError]:
    custom_id = item.get("custom_id")
    errors = _length(path + ("custom_id",), custom_id, 1, MAX_CUSTOM_ID)
    if isinstance(custom_id, str):
        if custom_id in seen:
            errors.append(
                _error(path + ("custom_id",), "COMPONENT_CUSTOM_ID_DUPLICATED", "Duplicate custom_id")
            )
        seen.add(custom_id)
    if item.get("type") != TEXT_INPUT:
        return errors
    if item.get("style") not in (SHORT, PARAGRAPH):
        errors.append(_error(path + ("style",), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}."))
    # The deprecated Action Row shape needs the input's own label; inside a Label the Label has it.
    errors += _length(path + ("label",), item.get("label"), 1, MAX_LABEL, required=not in_label)
    errors += _length(path + ("placeholder",), item.get("placeholder"), 0, MAX_PLACEHOLDER, required=False)
    low, high = item.get("min_length"), item.get("max_length")
    errors += _bound(path + ("min_length",), low, 0, MAX_TEXT)
    errors += _bound(path + ("max_length",), high, 1, MAX_TEXT)
    if isinstance(low, int) and isinstance(high, int) and low > high:
        errors.append(
            _error(path + ("min_length",), "BASE_TYPE_BAD_LENGTH", "min_length must not exceed max_length.")
        )
    limit = high if isinstance(high, int) and 1 <= high <= MAX_TEXT else MAX_TEXT
    errors += _length(path + ("value",), item.get("value"), 0, limit, required=False)
    return errors


@dataclass
class ModalField:
    """One text input of an open modal, as the member sees it."""

    custom_id: str
    label: str
    style: int = SHORT
    value: str | None = None  # pre-filled
    placeholder: str | None = None
    description: str | None = None
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None

    @property
    def paragraph(self) -> bool:
        return self.style == PARAGRAPH

    def check(self, value: str) -> str | None:
        """Why Discord's form would not let `value` be submitted, or None."""
        if not value:
            return f"{self.label!r} is required" if self.required else None
        low, high = self.min_length or 0, self.max_length or MAX_TEXT
        if len(value) < low:
            return f"{self.label!r} needs at least {low} characters (got {len(value)})"
        if len(value) > high:
            return f"{self.label!r} takes at most {high} characters (got {len(value)})"
        return None


@dataclass
class Modal:
    """A modal a callback opened: its title, its fields, and the components as Discord numbered them."""

    custom_id: str
    title: str
    components: list[dict[str, Any]]
    fields: list[ModalField] = field(default_factory=list)
    submitted: bool = False

    @classmethod
    def from_callback(cls, data: dict[str, Any]) -> Modal:
        """The modal of an accepted MODAL callback; components without an `id` get the next free one."""
        components = _numbered(data["components"])
        fields = []
        for top in components:
            for item, label in _inputs(top):
                fields.append(
                    ModalField(
                        custom_id=item["custom_id"],
                        label=label.get("label") or item.get("label") or item["custom_id"],
                        description=label.get("description"),
                        style=item.get("style", SHORT),
                        value=item.get("value"),
                        placeholder=item.get("placeholder"),
                        required=item.get("required", True),
                        min_length=item.get("min_length"),
                        max_length=item.get("max_length"),
                    )
                )
        return cls(custom_id=data["custom_id"], title=data["title"], components=components, fields=fields)

    def field(self, key: str) -> ModalField:
        """The field whose custom_id or label is `key` (labels compare case-insensitively)."""
        for f in self.fields:
            if key == f.custom_id or key.lower() == f.label.lower():
                return f
        known = ", ".join(f"{f.label} ({f.custom_id})" for f in self.fields)
        raise InvalidInvocation(f"the modal {self.title!r} has no field {key!r} (it has: {known})")

    def values(self, given: dict[str, str]) -> dict[str, str]:
        """What the form holds once `given` (by custom_id or label) is typed over the pre-filled values;
        InvalidInvocation when Discord's form would not submit it."""
        typed = {self.field(key).custom_id: value for key, value in given.items()}
        out = {}
        for f in self.fields:
            value = typed.get(f.custom_id, f.value or "")
            problem = f.check(value)
            if problem is not None:
                raise InvalidInvocation(f"the modal {self.title!r} cannot be submitted: {problem}")
            out[f.custom_id] = value
        return out

    def submission(self, values: dict[str, str]) -> list[dict[str, Any]]:
        """MODAL_SUBMIT's `data.components` for the filled form `values` (by custom_id)."""

        def answer(item: dict[str, Any]) -> dict[str, Any]:
            if item.get("type") != TEXT_INPUT:
                raise InvalidInvocation(
                    f"the emulator fills in text inputs only, not component type {item.get('type')}"
                )
            return {
                "type": TEXT_INPUT,
                "id": item["id"],
                "custom_id": item["custom_id"],
                "value": values[item["custom_id"]],
            }

        out: list[dict[str, Any]] = []
        for top in self.components:
            if top["type"] == LABEL:
                out.append({"type": LABEL, "id": top["id"], "component": answer(top["component"])})
            elif top["type"] == ACTION_ROW:
                out.append(
                    {"type": ACTION_ROW, "id": top["id"], "components": [answer(top["components"][0])]}
                )
            else:
                out.append({"type": top["type"], "id": top["id"]})
        return out


def _walk(component: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield component
    if isinstance(component.get("component"), dict):
        yield from _walk(component["component"])
    for child in component.get("components") or []:
        yield from _walk(child)


def _numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy where every component has an `id`: given ones kept (0 counts as none), the others numbered
    in order with ids not otherwise in use, as Discord does."""
    copied = [_copy(c) for c in components]
    everything = [c for top in copied for c in _walk(top)]
    used = {c["id"] for c in everything if c.get("id")}
    next_id = 1
    for c in everything:
        if not c.get("id"):
            while next_id in used:
                next_id += 1
            c["id"] = next_id
            used.add(next_id)
    return copied


def _copy(component: dict[str, Any]) -> dict[str, Any]:
    out = dict(component)
    if isinstance(out.get("component"), dict):
        out["component"] = _copy(out["component"])
    if isinstance(out.get("components"), list):
        out["components"] = [_copy(c) for c in out["components"]]
    return out


def _inputs(top: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """The text inputs of a top-level component, each with the Label around it (or {})."""
    if top.get("type") == LABEL and top["component"].get("type") == TEXT_INPUT:
        yield top["component"], top
    elif top.get("type") == ACTION_ROW:
        for item in top["components"]:
            if item.get("type") == TEXT_INPUT:
                yield item, {}
