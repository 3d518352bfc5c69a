"""The stand-in against the real, unmodified discord.py client."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from standin._snowflake import snowflake_time
from standin.constants import ChannelType, ErrorCode, Intents, Permissions
from standin.harness import running_client
from standin.interactions import CommandNotRegistered, InvalidInvocation
from standin.models import Channel, Guild, Member
from standin.server import StandIn


def make_client(*, content: bool = True, members: bool = False, **options: Any) -> discord.Client:
    intents = discord.Intents.default()
    intents.message_content = content
    intents.members = members
    return discord.Client(intents=intents, guild_ready_timeout=0.1, **options)


def world(standin: StandIn) -> tuple[Guild, Channel, Member]:
    guild = standin.add_guild("Guild")
    channel = standin.add_channel(guild, "general")
    alice = standin.add_member(guild, "alice")
    return guild, channel, alice


# ---- login, ready, gateway -------------------------------------------------------------------------


async def test_login_and_ready(standin: StandIn) -> None:
    guild = standin.add_guild("Guild")
    standin.add_channel(guild, "general")
    standin.add_channel(guild, "Voice", ChannelType.GUILD_VOICE)
    client = make_client()
    async with running_client(standin, client):
        assert client.user is not None and client.user.id == standin.bot.id
        assert client.application_id == standin.application_id
        (seen,) = client.guilds
        assert seen.id == guild.id and seen.me is not None
        assert {c.name for c in seen.channels} == {"general", "Voice"}
        assert seen.default_role.id == guild.id
        connection = await standin.wait_for_ready(timeout=1)
        assert connection.start == "identify"
        assert connection.intents & Intents.MESSAGE_CONTENT
    await standin.wait_for_disconnect(timeout=5)
    paths = [r.path for r in standin.requests.requests]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]


async def test_wrong_token_is_rejected(standin: StandIn) -> None:
    with pytest.raises(discord.LoginFailure):
        async with running_client(standin, make_client(), token="not-the-token"):
            pass
    assert standin.requests.requests[0].status == 401


async def test_disallowed_privileged_intent_closes_with_4014() -> None:
    async with StandIn(privileged_intents=Intents(0)) as standin:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running_client(standin, make_client(content=True)):
                pass
        assert standin.connections[0].close_code == 4014


async def test_member_chunking_with_members_intent(standin: StandIn) -> None:
    guild = standin.add_guild("Guild")
    for index in range(5):
        standin.add_member(guild, f"user{index}")
    client = make_client(members=True)
    async with running_client(standin, client):
        seen = client.get_guild(guild.id)
        assert seen is not None and seen.chunked
        assert seen.member_count == len(guild.members) == 7  # owner, bot, five users
        assert any(p.get("op") == 8 for p in standin.connections[-1].received)
        joined = asyncio.ensure_future(client.wait_for("member_join", timeout=5))
        new = standin.add_member(guild, "late")
        assert (await joined).id == new.id
        assert seen.get_member(new.id) is not None


async def test_member_events_need_the_members_intent(standin: StandIn) -> None:
    guild, _, alice = world(standin)
    async with running_client(standin, make_client(members=False)):
        standin.add_member(guild, "newcomer")
        await standin.member_leave(guild, alice)
        await standin.flush()
        events = {f.get("t") for f in standin.connections[-1].sent}
        assert "GUILD_MEMBER_ADD" not in events and "GUILD_MEMBER_REMOVE" not in events
        members = next(p for p in standin.connections[-1].sent if p.get("t") == "GUILD_CREATE")["d"]["members"]
        assert [m["user"]["id"] for m in members] == [str(standin.bot.id)]  # no presences intent: only the bot


async def test_reconnect_resumes_and_replays_missed_events(standin: StandIn) -> None:
    _, channel, alice = world(standin)
    client = make_client()
    received: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_queue_handler("on_message", received))
    async with running_client(standin, client):
        await standin.drop_connections(4000)
        # Sent while the client is away: buffered, then replayed on RESUME.
        await standin.send_message(channel, alice, "while you were out")
        message = await asyncio.wait_for(received.get(), 10)
        assert message.content == "while you were out"
        connection = await standin.wait_for_ready(timeout=5)
        assert connection.start == "resume"
        assert connection.path == "/gateway-resume"


async def test_restarted_client_identifies_again(standin: StandIn) -> None:
    world(standin)
    async with running_client(standin, make_client()):
        pass
    async with running_client(standin, make_client()):
        connection = await standin.wait_for_ready(timeout=1)
    assert [c.start for c in standin.connections] == ["identify", "identify"]
    assert connection.session is not standin.connections[0].session


# ---- messages ----------------------------------------------------------------------------------------


def _queue_handler(name: str, queue: asyncio.Queue[Any]) -> Any:
    async def handler(*args: Any) -> None:
        await queue.put(args[0] if len(args) == 1 else args)

    handler.__name__ = name
    return handler


async def test_on_message_and_reply(standin: StandIn) -> None:
    _, channel, alice = world(standin)
    client = make_client()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        await message.reply(f"you said {message.content!r}", mention_author=False)

    async with running_client(standin, client):
        sent = await standin.send_message(channel, alice, "follow me back")
        request = await standin.wait_for("POST", rf"/channels/{channel.id}/messages")
        assert request.json["message_reference"]["message_id"] == sent.id
        assert request.json["allowed_mentions"]["replied_user"] is False
        reply = await standin.wait_for_bot_message(channel)
        assert reply.content == "you said 'follow me back'"
        assert reply.referenced is sent
        assert reply.mentions == []  # mention_author=False: nobody pinged
        assert standin.bot_messages(channel) == [reply]


async def test_message_content_needs_the_intent_unless_mentioned(standin: StandIn) -> None:
    _, channel, alice = world(standin)
    client = make_client(content=False)
    received: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_queue_handler("on_message", received))
    async with running_client(standin, client):
        await standin.send_message(channel, alice, "secret")
        assert (await asyncio.wait_for(received.get(), 3)).content == ""
        await standin.send_message(channel, alice, f"{standin.bot.mention} hi")
        mentioned = await asyncio.wait_for(received.get(), 3)
        assert mentioned.content == f"{standin.bot.mention} hi"
        assert client.user in mentioned.mentions


async def test_history_paging_before(standin: StandIn) -> None:
    _, channel, alice = world(standin)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    seeded = [
        standin.add_message(channel, alice, f"m{i}", timestamp=start + dt.timedelta(minutes=i)) for i in range(250)
    ]
    assert seeded[0].timestamp == start.replace(microsecond=start.microsecond // 1000 * 1000)
    client = make_client()
    async with running_client(standin, client):
        text = client.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        history = [m.content async for m in text.history(limit=None)]
        assert history == [f"m{i}" for i in reversed(range(250))]
        pages = standin.requests.filter("GET", rf"/channels/{channel.id}/messages")
        assert [r.query.get("limit") for r in pages] == ["100", "100", "100"]
        assert "before" not in pages[0].query
        assert pages[1].query["before"] == str(seeded[150].id)
        assert len(pages[2].response) == 50

        older = [m.content async for m in text.history(limit=3, before=seeded[10])]
        assert older == ["m9", "m8", "m7"]
        newer = [m.content async for m in text.history(limit=3, after=seeded[10])]
        assert newer == ["m11", "m12", "m13"]
        raw = await client.http.logs_from(channel.id, 5, after=seeded[100].id)
        assert [m["content"] for m in raw] == ["m105", "m104", "m103", "m102", "m101"]
        with pytest.raises(discord.HTTPException) as too_many:
            await client.http.logs_from(channel.id, 101)
        assert too_many.value.code == ErrorCode.INVALID_FORM_BODY


async def test_reactions_both_ways(standin: StandIn) -> None:
    _, channel, alice = world(standin)
    client = make_client()
    reactions: asyncio.Queue[discord.RawReactionActionEvent] = asyncio.Queue()
    client.event(_queue_handler("on_raw_reaction_add", reactions))
    async with running_client(standin, client):
        message = await standin.send_message(channel, alice, "react to me")
        await standin.add_reaction(message, alice, "👍")
        event = await asyncio.wait_for(reactions.get(), 3)
        assert (event.user_id, event.message_id, str(event.emoji)) == (alice.id, message.id, "👍")
        text = client.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        await text.get_partial_message(message.id).add_reaction("✅")
        reaction = message.reaction("✅")
        assert reaction is not None and reaction.users == [standin.bot]
        with pytest.raises(discord.HTTPException) as unknown:
            await text.get_partial_message(message.id).add_reaction("not-an-emoji")
        assert unknown.value.code == ErrorCode.UNKNOWN_EMOJI


async def test_dm_both_ways(standin: StandIn) -> None:
    _, _, alice = world(standin)
    client = make_client()
    received: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_queue_handler("on_message", received))
    async with running_client(standin, client):
        user = await client.fetch_user(alice.id)
        await user.send("a private verdict")
        dm = standin.dm_channel(alice)
        (sent,) = standin.bot_messages(dm)
        assert sent.content == "a private verdict"
        assert (await asyncio.wait_for(received.get(), 3)).author.id == standin.bot.id
        await standin.send_message(dm, alice, "thanks")
        incoming = await asyncio.wait_for(received.get(), 3)
        assert isinstance(incoming.channel, discord.DMChannel) and incoming.content == "thanks"
        loner = standin.add_user("no-mutual-guild")
        with pytest.raises(discord.Forbidden) as refused:
            await (await client.fetch_user(loner.id)).send("hi")
        assert refused.value.code == ErrorCode.CANNOT_SEND_MESSAGES_TO_USER


async def test_files_and_components_round_trip(standin: StandIn) -> None:
    _, channel, _ = world(standin)
    client = make_client()
    async with running_client(standin, client):
        text = client.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Go", custom_id="go"))
        import io

        sent = await text.send("report", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "report.csv"), view=view)
        assert sent.attachments[0].filename == "report.csv"
        assert await sent.attachments[0].read() == b"a,b\n1,2\n"
        (stored,) = standin.bot_messages(channel)
        assert stored.custom_ids == ["go"]
        assert stored.attachments[0].content_type == "text/csv"
        edited = await sent.edit(content="report v2")
        assert edited.content == "report v2" and stored.edits[0]["content"] == "report"
        await sent.delete()
        assert stored.deleted


# ---- failures ------------------------------------------------------------------------------------------


async def test_ratelimit_is_retried(standin: StandIn) -> None:
    _, channel, _ = world(standin)
    client = make_client()
    async with running_client(standin, client):
        injection = standin.inject_ratelimit("POST", rf"/channels/{channel.id}/messages", retry_after=0.2)
        text = client.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await text.send("eventually")
        assert loop.time() - started >= 0.2
        attempts = standin.requests.filter("POST", rf"/channels/{channel.id}/messages")
        assert [r.status for r in attempts] == [429, 200]
        assert injection.hits == attempts[:1] and not injection.active
        assert [m.content for m in standin.bot_messages(channel)] == ["eventually"]


async def test_refused_channel_raises_forbidden(standin: StandIn) -> None:
    guild, channel, _ = world(standin)
    client = make_client()
    async with running_client(standin, client):
        refusal = standin.refuse_posts(channel)
        text = client.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        with pytest.raises(discord.Forbidden) as forbidden:
            await text.send("nope")
        assert forbidden.value.code == ErrorCode.MISSING_PERMISSIONS
        refusal.cancel()
        await text.send("now it works")

        # The realistic way: a permission overwrite the client also sees.
        updated = asyncio.ensure_future(client.wait_for("guild_channel_update", timeout=5))
        standin.set_overwrite(channel, standin.bot, deny=Permissions.SEND_MESSAGES)
        await updated
        me = client.get_guild(guild.id).me  # type: ignore[union-attr]
        assert not text.permissions_for(me).send_messages
        with pytest.raises(discord.Forbidden):
            await text.send("still no")


async def test_unknown_route_is_404_and_reported() -> None:
    standin = StandIn()
    async with standin:
        world(standin)
        client = make_client()
        async with running_client(standin, client):
            with pytest.raises(discord.NotFound):
                await client.fetch_guild_preview(123)
        assert [r.path for r in standin.unknown_requests] == ["/guilds/123/preview"]
        standin.rest.unknown.clear()


# ---- interactions ----------------------------------------------------------------------------------------


class VerdictView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Why?", custom_id="verdict:why")
    async def why(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_message(f"because, {interaction.user.name}", ephemeral=True)


async def test_button_reaches_persistent_view(standin: StandIn) -> None:
    _, channel, alice = world(standin)

    class Bot(commands.Bot):
        async def setup_hook(self) -> None:
            self.add_view(VerdictView())

    intents = discord.Intents.default()
    bot = Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.1)
    async with running_client(standin, bot):
        text = bot.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        await text.send("Verdict: no.", view=VerdictView())
        posted = await standin.wait_for_bot_message(channel)
        click = await standin.click_button(posted, "verdict:why", alice)
        response = await click.wait_response(timeout=3)
        assert response.type == 4 and response.ephemeral
        assert response.content == "because, alice"
        assert response.message is not None and response.message not in standin.bot_messages(channel)
        with pytest.raises(InvalidInvocation):
            await standin.click_button(posted, "no-such-button", alice)


async def test_slash_command_with_subcommands(standin: StandIn) -> None:
    guild, channel, alice = world(standin)
    moderator = standin.add_member(guild, "mod", permissions=Permissions.MANAGE_GUILD)
    seen: list[tuple[str, int]] = []

    quidpro = app_commands.Group(
        name="quidpro", description="Quid Pro No", default_permissions=discord.Permissions(manage_guild=True)
    )
    policy = app_commands.Group(name="policy", description="Policy", parent=quidpro)

    @policy.command(name="set", description="Set a policy")
    async def policy_set(interaction: discord.Interaction, mode: str, target: discord.Member) -> None:
        seen.append((mode, target.id))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"{mode} for {target.display_name}", ephemeral=True)
        await interaction.edit_original_response(content="done")

    @app_commands.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    class Bot(commands.Bot):
        async def setup_hook(self) -> None:
            self.tree.add_command(quidpro, guild=discord.Object(guild.id))
            self.tree.add_command(ping)
            await self.tree.sync(guild=discord.Object(guild.id))
            await self.tree.sync()

    bot = Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1)
    async with running_client(standin, bot):
        put = await standin.wait_for("PUT", rf"/applications/{standin.application_id}/guilds/{guild.id}/commands")
        assert put.response[0]["name"] == "quidpro" and put.response[0]["id"]
        assert [c["name"] for c in standin.commands[None]] == ["ping"]

        run = await standin.slash_command(channel, moderator, "quidpro policy set", {"mode": "strict", "target": alice})
        response = await run.wait_response(timeout=3)
        assert response.type == 5 and response.ephemeral
        followup = await run.wait_followup(timeout=3)
        assert followup.content == "strict for alice" and followup.ephemeral
        assert (await run.wait_edit(timeout=3))["content"] == "done"
        assert run.final_content() == "done"
        assert seen == [("strict", alice.id)]

        with pytest.raises(InvalidInvocation):  # alice lacks Manage Server
            await standin.slash_command(channel, alice, "quidpro policy set", {"mode": "x", "target": alice})
        with pytest.raises(CommandNotRegistered):
            await standin.slash_command(channel, alice, "nope")

        pong = await standin.slash_command(channel, alice, "ping")
        assert (await pong.wait_response(timeout=3)).content == "pong"
        (public,) = standin.bot_messages(channel)
        assert public.content == "pong" and public.interaction is not None

        in_dm = await standin.slash_command(standin.dm_channel(alice), alice, "ping")
        assert (await in_dm.wait_response(timeout=3)).content == "pong"
        with pytest.raises(CommandNotRegistered):  # guild commands don't exist in DMs
            await standin.slash_command(standin.dm_channel(alice), alice, "quidpro policy set")


async def test_autocomplete(standin: StandIn) -> None:
    guild, channel, alice = world(standin)

    @app_commands.command(name="lookup", description="Look up")
    async def lookup(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    @lookup.autocomplete("name")
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in ("alpha", "alps", "beta") if n.startswith(current)]

    class Bot(commands.Bot):
        async def setup_hook(self) -> None:
            self.tree.add_command(lookup, guild=discord.Object(guild.id))
            await self.tree.sync(guild=discord.Object(guild.id))

    bot = Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1)
    async with running_client(standin, bot):
        typing = await standin.autocomplete(channel, alice, "lookup", {"name": "al"}, focused="name")
        response = await typing.wait_response(timeout=3)
        assert [c["value"] for c in response.choices] == ["alpha", "alps"]


async def test_late_interaction_response_is_unknown(standin: StandIn) -> None:
    guild, channel, alice = world(standin)
    standin.rest.response_deadline = 0.05
    errors: list[BaseException] = []

    @app_commands.command(name="slow", description="Slow")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.2)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            errors.append(exc)

    class Bot(commands.Bot):
        async def setup_hook(self) -> None:
            self.tree.add_command(slow, guild=discord.Object(guild.id))
            await self.tree.sync(guild=discord.Object(guild.id))

    bot = Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1)
    async with running_client(standin, bot):
        run = await standin.slash_command(channel, alice, "slow")
        with pytest.raises(TimeoutError):
            await run.wait_response(timeout=0.5)
        assert errors and getattr(errors[0], "code", None) == ErrorCode.UNKNOWN_INTERACTION


# ---- ids ------------------------------------------------------------------------------------------------


def test_snowflakes_are_increasing_and_carry_time() -> None:
    standin = StandIn()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=1)
    ids = [standin.state.ids.next() for _ in range(10_000)]
    assert ids == sorted(set(ids))
    assert before <= snowflake_time(ids[0]) <= dt.datetime.now(dt.UTC)
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    assert snowflake_time(standin.state.ids.at(when)) == when
    assert discord.utils.snowflake_time(ids[-1]) == snowflake_time(ids[-1])


class TriageView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.select(
        custom_id="triage:pick",
        options=[discord.SelectOption(label="Keep", value="keep"), discord.SelectOption(label="Drop", value="drop")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.edit_message(content=f"picked {select.values[0]}", view=None)

    @discord.ui.button(label="Note", custom_id="triage:note")
    async def note(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(NoteModal())


class NoteModal(discord.ui.Modal, title="Add a note"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Note", custom_id="note:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.text.value}", ephemeral=True)


async def test_select_updates_message_and_modal_round_trip(standin: StandIn) -> None:
    _, channel, alice = world(standin)
    bot = make_client()
    async with running_client(standin, bot):
        bot.add_view(TriageView())
        text = bot.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)
        await text.send("Triage", view=TriageView())
        posted = await standin.wait_for_bot_message(channel)

        note = await standin.click_button(posted, "triage:note", alice)
        modal = await note.wait_response(timeout=3)
        assert modal.type == 9 and modal.data["custom_id"]
        submitted = await standin.submit_modal(note, {"note:text": "be nice"})
        assert (await submitted.wait_response(timeout=3)).content == "noted: be nice"

        picked = await standin.select(posted, "triage:pick", alice, ["drop"])
        update = await picked.wait_response(timeout=3)
        assert update.type == 7 and update.message is posted
        assert posted.content == "picked drop" and posted.components == []


async def test_guild_join_and_removal_events(standin: StandIn) -> None:
    world(standin)
    client = make_client()
    joined: asyncio.Queue[discord.Guild] = asyncio.Queue()
    removed: asyncio.Queue[discord.Guild] = asyncio.Queue()
    client.event(_queue_handler("on_guild_join", joined))
    client.event(_queue_handler("on_guild_remove", removed))
    async with running_client(standin, client):
        new = standin.add_guild("New Guild")
        assert (await asyncio.wait_for(joined.get(), 3)).id == new.id
        await standin.remove_guild(new)
        assert (await asyncio.wait_for(removed.get(), 3)).id == new.id
        with pytest.raises(discord.Forbidden):
            await client.fetch_guild(new.id)


async def test_heartbeats_are_acknowledged() -> None:
    async with StandIn(heartbeat_interval_ms=50) as standin:
        world(standin)
        client = make_client()
        async with running_client(standin, client):
            await asyncio.sleep(0.3)
            connection = standin.connections[-1]
            beats = [p for p in connection.received if p.get("op") == 1]
            acks = [f for f in connection.sent if f.get("op") == 11]
            assert len(beats) >= 3 and len(acks) == len(beats)
            assert client.latency < 1


async def test_repeated_nonce_is_not_posted_twice(standin: StandIn) -> None:
    _, channel, _ = world(standin)
    import aiohttp

    body = {"content": "once", "nonce": "42", "enforce_nonce": True}
    headers = {"Authorization": f"Bot {standin.token}"}
    async with aiohttp.ClientSession() as http:
        ids = []
        for _ in range(2):
            async with http.post(
                f"{standin.api_base}/channels/{channel.id}/messages", json=body, headers=headers
            ) as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == "application/json"
                ids.append((await response.json())["id"])
    assert ids[0] == ids[1] and len(standin.bot_messages(channel)) == 1


SUBPROCESS_BOT = """
import os, discord, yarl
discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
intents = discord.Intents.default()
intents.message_content = True
client = discord.Client(intents=intents, guild_ready_timeout=0.1)

@client.event
async def on_ready():
    print("ready", flush=True)

@client.event
async def on_message(message):
    if message.content == "ping":
        await message.channel.send("pong")

client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
"""


async def test_client_in_a_subprocess(standin: StandIn) -> None:
    import os
    import sys

    _, channel, alice = world(standin)
    env = os.environ | standin.env() | {"DISCORD_TOKEN": standin.token}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SUBPROCESS_BOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 20) == b"ready\n"  # its on_ready
        await standin.send_message(channel, alice, "ping")
        reply = await standin.wait_for_bot_message(channel, timeout=5)
        assert reply.content == "pong"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
    await standin.wait_for_disconnect(timeout=5)
