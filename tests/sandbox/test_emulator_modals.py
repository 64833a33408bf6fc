"""Modals in the Discord emulator: a real discord.py bot opens them (Label and the older Action Row shape),
a member fills them in, and raw callbacks Discord would refuse are refused with its 400 answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from bot.sandbox.discord import DiscordEmulator, Interaction, InvalidInvocation
from tests.sandbox.conftest import CommandBot, World, serving

SUBMITTED: dict[str, dict[str, str]] = {}


class Feedback(discord.ui.Modal, title="Feedback"):
    """The shape Discord recommends: each text input in a Label."""

    topic: discord.ui.Label[Feedback] = discord.ui.Label(
        text="Topic", component=discord.ui.TextInput(custom_id="topic", max_length=20)
    )
    details: discord.ui.Label[Feedback] = discord.ui.Label(
        text="Details",
        description="As much as you like",
        component=discord.ui.TextInput(
            custom_id="details", style=discord.TextStyle.paragraph, required=False, max_length=4000
        ),
    )

    def __init__(self, topic: str | None = None) -> None:
        super().__init__(custom_id="feedback", timeout=None)
        assert isinstance(self.topic.component, discord.ui.TextInput)
        self.topic.component.default = topic

    async def on_submit(self, interaction: discord.Interaction) -> None:
        topic, details = self.topic.component, self.details.component
        assert isinstance(topic, discord.ui.TextInput) and isinstance(details, discord.ui.TextInput)
        SUBMITTED["feedback"] = {"topic": topic.value, "details": details.value}
        await interaction.response.send_message(f"thanks for {topic.value!r}", ephemeral=True)


class Legacy(discord.ui.Modal, title="Legacy"):
    """The deprecated shape: a TextInput with its own label, which discord.py wraps in an Action Row."""

    name: discord.ui.TextInput[Legacy] = discord.ui.TextInput(label="Name", custom_id="name")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hello {self.name.value}")


class Opener(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Write", custom_id="write")
    async def write(self, interaction: discord.Interaction, button: discord.ui.Button[Opener]) -> None:
        await interaction.response.send_modal(Legacy(custom_id="legacy-from-button", timeout=None))


@app_commands.command(description="Open the feedback modal")
async def feedback(interaction: discord.Interaction, topic: str | None = None) -> None:
    await interaction.response.send_modal(Feedback(topic))


@app_commands.command(description="Open the legacy modal")
async def legacy(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Legacy(custom_id="legacy", timeout=None))


@app_commands.command(description="A message with a button that opens a modal")
async def panel(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Write something?", view=Opener())


@app_commands.command(description="Never answers: the test answers with raw callbacks")
async def silent(interaction: discord.Interaction) -> None:
    return None


@pytest.fixture
async def modal_bot(emulator: DiscordEmulator, world: World) -> AsyncIterator[CommandBot]:
    async with serving(CommandBot(feedback, legacy, panel, silent), emulator) as bot:
        yield bot


async def raw_callback(
    emu: DiscordEmulator, interaction: Interaction, body: dict[str, Any]
) -> tuple[int, Any]:
    url = f"{emu.base_url}/interactions/{interaction.id}/{interaction.token}/callback?with_response=true"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as answer:
        return answer.status, await answer.json()


def text_input(**fields: Any) -> dict[str, Any]:
    return {"type": 4, "custom_id": "t", "style": 1, **fields}


def modal(*components: dict[str, Any], title: str = "Title", custom_id: str = "m") -> dict[str, Any]:
    return {"type": 9, "data": {"custom_id": custom_id, "title": title, "components": list(components)}}


def labelled(child: dict[str, Any], label: str = "Field") -> dict[str, Any]:
    return {"type": 18, "label": label, "component": child}


async def silent_interaction(emu: DiscordEmulator, world: World) -> Interaction:
    """An interaction the bot leaves unanswered, for the test to answer with raw callbacks."""
    return await emu.invoke(world.alice, "silent")


async def test_a_labelled_modal_opens_and_its_submission_reaches_on_submit(
    emulator: DiscordEmulator, world: World, modal_bot: CommandBot
) -> None:
    opened = await emulator.invoke(world.alice, "feedback", topic="pricing")
    shown = await opened.wait_for_modal()
    assert (shown.custom_id, shown.title) == ("feedback", "Feedback")
    assert [(f.custom_id, f.label, f.paragraph, f.value, f.required) for f in shown.fields] == [
        ("topic", "Topic", False, "pricing", True),
        ("details", "Details", True, None, False),
    ]
    assert shown.fields[1].description == "As much as you like"
    with pytest.raises(TypeError, match="opened a modal"):
        await opened.final()

    submit = await emulator.submit_modal(opened, details="line one\nline two")
    answer = await submit.final()
    assert (answer.content, answer.ephemeral) == ("thanks for 'pricing'", True)
    assert SUBMITTED["feedback"] == {"topic": "pricing", "details": "line one\nline two"}
    data = submit.payload["data"]
    assert submit.payload["type"] == 5 and data["custom_id"] == "feedback"
    first = data["components"][0]
    assert first["type"] == 18 and isinstance(first["id"], int)
    assert {k: first["component"][k] for k in ("type", "custom_id", "value")} == {
        "type": 4,
        "custom_id": "topic",
        "value": "pricing",
    }
    with pytest.raises(InvalidInvocation, match="already submitted"):
        await emulator.submit_modal(opened, topic="again")
    emulator.assert_no_violations()


async def test_the_action_row_shape_and_a_modal_opened_by_a_button(
    emulator: DiscordEmulator, world: World, modal_bot: CommandBot
) -> None:
    opened = await emulator.invoke(world.alice, "legacy")
    assert [f.label for f in (await opened.wait_for_modal()).fields] == ["Name"]
    submit = await emulator.submit_modal(opened, {"Name": "Ada"})
    assert (await submit.final()).content == "hello Ada"
    (row,) = submit.payload["data"]["components"]
    assert row["type"] == 1 and row["components"][0]["value"] == "Ada"

    panel_message = await (await emulator.invoke(world.alice, "panel")).final()
    pressed = await emulator.press(world.alice, panel_message, "write")
    submit = await emulator.submit_modal(pressed, name="Grace")
    assert submit.payload["message"]["id"] == str(panel_message.id)  # a button's modal carries its message
    assert (await submit.final()).content == "hello Grace"
    emulator.assert_no_violations()


async def test_the_form_refuses_what_discord_would_not_submit(
    emulator: DiscordEmulator, world: World, modal_bot: CommandBot
) -> None:
    opened = await emulator.invoke(world.alice, "feedback")
    await opened.wait_for_modal()
    with pytest.raises(InvalidInvocation, match="'Topic' is required"):
        await emulator.submit_modal(opened)
    with pytest.raises(InvalidInvocation, match="at most 20 characters"):
        await emulator.submit_modal(opened, topic="x" * 21)
    with pytest.raises(InvalidInvocation, match="no field 'nope'"):
        await emulator.submit_modal(opened, nope="x", topic="ok")
    submit = await emulator.submit_modal(opened, topic="t", details="d" * 4000)
    assert (await submit.final()).content == "thanks for 't'"
    assert len(SUBMITTED["feedback"]["details"]) == 4000


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (modal(labelled(text_input()), title="t" * 46), "data.title"),
        (modal(labelled(text_input()), custom_id="c" * 101), "data.custom_id"),
        (modal(), "data.components"),
        (modal(*[labelled(text_input(custom_id=f"t{n}")) for n in range(6)]), "data.components"),
        (modal(labelled(text_input(max_length=4001))), "data.components.0.component.max_length"),
        (modal(labelled(text_input(min_length=10, max_length=5))), "data.components.0.component.min_length"),
        (modal(labelled(text_input(max_length=5, value="123456"))), "data.components.0.component.value"),
        (modal(labelled(text_input(value="v" * 4001))), "data.components.0.component.value"),
        (modal(labelled(text_input(style=3))), "data.components.0.component.style"),
        (modal(labelled(text_input(), label="l" * 46)), "data.components.0.label"),
        (modal(labelled(text_input()), labelled(text_input())), "data.components.1.component.custom_id"),
        (modal({"type": 1, "components": [text_input()]}), "data.components.0.components.0.label"),
        (
            modal({"type": 1, "components": [{"type": 2, "custom_id": "b", "style": 1}]}),
            "data.components.0.components.0",
        ),
    ],
)
async def test_an_invalid_modal_is_refused_with_discords_400(
    emulator: DiscordEmulator, world: World, modal_bot: CommandBot, body: dict[str, Any], where: str
) -> None:
    interaction = await silent_interaction(emulator, world)
    status, answer = await raw_callback(emulator, interaction, body)
    assert (status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body")
    node = answer["errors"]
    for part in where.split("."):
        node = node[part]
    assert node["_errors"]
    (violation,) = emulator.violations_of("invalid-body")
    assert where in violation.detail
    assert interaction.modal is None and not interaction.acknowledged


async def test_a_modal_cannot_follow_a_deferral_nor_answer_a_modal_submit(
    emulator: DiscordEmulator, world: World, modal_bot: CommandBot
) -> None:
    good = modal(labelled(text_input()))
    deferred = await silent_interaction(emulator, world)
    assert (await raw_callback(emulator, deferred, {"type": 5}))[0] == 200
    status, answer = await raw_callback(emulator, deferred, good)
    assert (status, answer["code"]) == (400, 40060)

    opened = await silent_interaction(emulator, world)
    status, answer = await raw_callback(emulator, opened, good)
    assert status == 200 and answer["resource"] is None and opened.modal is not None
    submit = await emulator.submit_modal(opened, t="x")
    status, answer = await raw_callback(emulator, submit, good)
    assert (status, answer["code"]) == (400, 50035)
    # Nor can it update a message: this modal came from a command, not from a message's button.
    assert (await raw_callback(emulator, submit, {"type": 7, "data": {"content": "x"}}))[0] == 400
    assert (await raw_callback(emulator, submit, {"type": 4, "data": {"content": "got it"}}))[0] == 200
    assert [v.kind for v in emulator.violations] == ["double-ack", "bad-callback-type", "bad-callback-type"]
