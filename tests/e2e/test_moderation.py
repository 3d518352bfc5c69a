"""/quidpro policy, stats and the audit channel, with the real bot in-process against the stand-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapter.app import QuidProNo
from bot.core.model import Outcome, Verdict
from standin import Member, Message, Permissions
from standin.interactions import InvalidInvocation
from tests.clock import Clock
from tests.e2e.conftest import World, settle
from tests.test_charts import decoded

REFUSAL = "Only members with the **Manage Server** permission"


@pytest.fixture
async def mod(world: World) -> Member:
    return world.standin.add_member(world.guild, "mod", permissions=Permissions.MANAGE_GUILD)


def quidpro_command(world: World) -> dict[str, Any]:
    return next(c for c in world.standin.commands[None] if c["name"] == "quidpro")


async def run(world: World, user: Any, command: str, options: dict[str, Any] | None = None) -> str:
    """Run a /quidpro command; the text the user sees (the followup's, when the bot deferred)."""
    handle = await world.standin.slash_command(world.general, user, command, options or {})
    response = await handle.wait_response(timeout=5)
    assert response.ephemeral, "moderator tools answer privately"
    if response.type == 5:  # deferred: the answer is the followup
        return (await handle.wait_followup(timeout=10)).content
    return response.content or ""


async def test_discord_hides_the_tools_from_members_without_manage_server(world: World, bot: QuidProNo) -> None:
    assert int(quidpro_command(world)["default_member_permissions"]) == Permissions.MANAGE_GUILD
    with pytest.raises(InvalidInvocation, match="lacks the permissions"):
        await world.standin.slash_command(world.general, world.alice, "quidpro policy show")


async def test_a_member_without_manage_server_is_refused_politely_and_nothing_changes(
    world: World, bot: QuidProNo, mod: Member,
) -> None:
    # A server admin may open the command to everyone in Discord's integration settings: the bot checks itself.
    quidpro_command(world)["default_member_permissions"] = None
    alice = world.alice
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("quidpro policy set", {"key": "policy.mutual_min_score", "value": "0"}),
        ("quidpro policy reset", {}),
        ("quidpro policy show", {}),
        ("quidpro policy simulate", {"key": "policy.mutual_min_score", "value": "0"}),
        ("quidpro stats", {}),
        ("quidpro backfill", {"days": 3}),
    ]
    for command, options in attempts:
        answer = await run(world, alice, command, options)
        assert answer.startswith(REFUSAL) and "Nothing was changed" in answer, command
    completion = await world.standin.autocomplete(world.general, alice, "quidpro policy set",
                                                  {"key": "policy", "value": ""}, focused="key")
    assert (await completion.wait_response()).choices == []
    assert await bot.store.guild_overrides(world.guild.id) == {}
    assert await bot.store.audit_entries(world.guild.id) == []
    assert (await bot.settings_for(world.guild.id)).policy.mutual_min_score == 4.0
    # The moderator, same command, same server: it works.
    assert (await run(world, mod, "quidpro policy set", {"key": "policy.mutual_min_score", "value": "5"})
            ).startswith("Done")


async def test_a_moderators_change_is_validated_applied_and_audited(world: World, bot: QuidProNo, mod: Member) -> None:
    s = world.standin
    mods_channel = s.add_channel(world.guild, "mods")
    answer = await run(world, mod, "quidpro policy set", {"key": "audit.channel_id", "value": f"<#{mods_channel.id}>"})
    assert answer.startswith("Done: `audit.channel_id` is now")

    answer = await run(world, mod, "quidpro policy set", {"key": "policy.mutual_min_score", "value": "5"})
    assert answer == ("Done: `policy.mutual_min_score` is now `5.0` here (was `4.0`). The change is in the audit log.")
    assert (await bot.settings_for(world.guild.id)).policy.mutual_min_score == 5.0
    posted = await s.wait_for_bot_message(mods_channel, lambda m: "mutual_min_score" in m.content, timeout=5)
    assert posted.content == (f"Setting changed: <@{mod.id}> set `policy.mutual_min_score` to `5.0` (was `4.0`).")

    entries = await bot.store.audit_entries(world.guild.id)
    assert (entries[0].action, entries[0].actor_id, entries[0].detail) == (
        "policy_set", mod.id,
        {"changes": [{"key": "policy.mutual_min_score", "old": "4.0", "new": "5.0"}], "via": "discord"})

    # Lists and the reply mode go through the same generic mechanism (the scope section).
    await run(world, mod, "quidpro policy set", {"key": "scope.deny_channels", "value": f"[{world.art.id}]"})
    await run(world, mod, "quidpro policy set", {"key": "scope.reply_mode", "value": "thread"})
    scope = (await bot.settings_for(world.guild.id)).scope
    assert scope.deny_channels == (world.art.id,) and scope.reply_mode == "thread"

    show = await run(world, mod, "quidpro policy show")
    assert f"`scope.deny_channels` = `[{world.art.id}]`" in show and "`policy.mutual_min_score` = `5.0`" in show

    assert (await run(world, mod, "quidpro policy reset", {"key": "policy.mutual_min_score"})).startswith("Done")
    assert (await bot.settings_for(world.guild.id)).policy.mutual_min_score == 4.0
    assert "policy" not in await bot.store.guild_overrides(world.guild.id)
    await run(world, mod, "quidpro policy reset")
    assert await bot.store.guild_overrides(world.guild.id) == {}
    actions = [e.action for e in await bot.store.audit_entries(world.guild.id)]
    assert actions == ["policy_reset", "policy_reset", "policy_set", "policy_set", "policy_set", "policy_set"]


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("policy.window_days", "lots", "That value doesn't fit: policy.window_days: Input should be a valid integer."),
    ("policy.mutual_min_score", "-1", "That value doesn't fit: policy.mutual_min_score: Input should be greater"),
    ("scope.reply_mode", "carrier pigeon", "That value doesn't fit: scope.reply_mode: Input should be 'channel'"),
    ("replies.public.decline", "{nobody}", "template names unknown field(s) {nobody}"),
    ("policy.windowdays", "3", "There is no setting `policy.windowdays`."),
    ("discord.max_targets", "9", "`discord` settings apply to the whole bot"),
    ("listen.member_mentions", "true", "a server can turn it off, not on"),
    ("audit.channel_id", "12345", "`12345` is not a channel of this server"),
    ("scope.deny_channels", "[1, 2", "I couldn't read `[1, 2` as a value"),
])
async def test_bad_values_get_a_clear_polite_answer_and_change_nothing(
    world: World, bot: QuidProNo, mod: Member, *, key: str, value: str, expected: str,
) -> None:
    answer = await run(world, mod, "quidpro policy set", {"key": key, "value": value})
    assert expected in answer and answer.endswith("Nothing was changed.")
    assert await bot.store.guild_overrides(world.guild.id) == {}
    assert await bot.store.audit_entries(world.guild.id) == []


async def test_an_audit_channel_in_another_server_is_refused(world: World, bot: QuidProNo, mod: Member) -> None:
    other = world.standin.add_guild("Elsewhere")
    foreign = world.standin.add_channel(other, "their-mods")
    answer = await run(world, mod, "quidpro policy set", {"key": "audit.channel_id", "value": str(foreign.id)})
    assert "is not a channel of this server" in answer
    assert await bot.store.guild_overrides(world.guild.id) == {}


async def test_keys_autocomplete(world: World, bot: QuidProNo, mod: Member) -> None:
    handle = await world.standin.autocomplete(world.general, mod, "quidpro policy set",
                                              {"key": "policy.we", "value": ""}, focused="key")
    names = [choice["name"] for choice in (await handle.wait_response()).choices]
    assert names == ["policy.weights.conversation", "policy.weights.mention", "policy.weights.reaction",
                     "policy.weights.reply"]
    handle = await world.standin.autocomplete(world.general, mod, "quidpro policy set",
                                              {"key": "deny", "value": ""}, focused="key")
    offered = {choice["name"] for choice in (await handle.wait_response()).choices}
    assert {"scope.deny_channels", "scope.deny_categories"} <= offered
    handle = await world.standin.autocomplete(world.general, mod, "quidpro policy set",
                                              {"key": "discord", "value": ""}, focused="key")
    assert (await handle.wait_response()).choices == []  # the whole bot's settings are not offered


def answers(demand: Message) -> Callable[[Message], bool]:
    return lambda message: message.referenced is demand


async def test_audit_entries_and_a_digest_under_a_burst_of_demands(world: World, bot: QuidProNo, mod: Member,
                                                                    clock: Clock) -> None:
    s = world.standin
    mods_channel = s.add_channel(world.guild, "mods")
    await run(world, mod, "quidpro policy set", {"key": "audit.digest_threshold", "value": "3"})
    # A window far longer than the burst takes, however slow the machine: the clock closes it.
    await run(world, mod, "quidpro policy set", {"key": "audit.digest_window_seconds", "value": "60"})
    await run(world, mod, "quidpro policy set", {"key": "audit.channel_id", "value": str(mods_channel.id)})
    await settle(world)  # the setting change is audited...
    clock.advance(seconds=61)  # ...and its window closes: the burst starts a fresh one
    for message in s.bot_messages(mods_channel):
        assert message.content.startswith(("Setting changed", "**Digest**"))
    before = len(s.bot_messages(mods_channel))

    requesters = [s.add_member(world.guild, f"member{n}") for n in range(10)]
    demands = [await s.send_message(world.general, member, f"{world.bot_mention} <@{world.alice.id}> f4f?")
               for member in requesters]
    for demand in demands:  # every demand is answered in the channel...
        await s.wait_for_bot_message(world.general, answers(demand), timeout=10)
    await settle(world)  # every verdict is in the audit cog's hands
    assert len(s.bot_messages(mods_channel)[before:]) == 3  # ...the first three at once, the rest held
    clock.advance(seconds=61)
    digest = await s.wait_for_bot_message(mods_channel, lambda m: m.content.startswith("**Digest**"), timeout=5)

    audit = s.bot_messages(mods_channel)[before:]
    singles = [m for m in audit if m.content.startswith("Verdict #")]
    assert len(singles) == 3 and len(audit) == 4  # ...but the moderators get 3 entries and one digest
    for single in singles:  # requester, target, outcome, reasons and a link to the demand
        requester = next(m for m in requesters if f"<@{m.id}> → <@{world.alice.id}>: **decline** (" in single.content)
        demand = demands[requesters.index(requester)]
        assert single.content.endswith(f"/channels/{world.guild.id}/{world.general.id}/{demand.id}")
        assert "not_enough_engagement" in single.content
    assert digest.content.startswith("**Digest**: 7 more audit entries in the last 60 s.")
    assert "Outcomes: decline 7." in digest.content
    assert sum(line.startswith("- Verdict #") for line in digest.content.splitlines()) == 7
    assert all(not m.mentions for m in audit)  # audit posts ping nobody

    # Quiet again: the next entry is posted on its own.
    clock.advance(seconds=61)
    late = await s.send_message(world.general, world.carol, f"{world.bot_mention} <@{world.bob.id}> follow back")
    entry = await s.wait_for_bot_message(mods_channel, lambda m: str(late.id) in m.content, timeout=5)
    assert entry.content.startswith("Verdict #")


async def test_stats_reports_and_attaches_a_png_chart(world: World, bot: QuidProNo, mod: Member) -> None:
    now = datetime.now(UTC)
    plan = [(world.alice, Outcome.CONNECT, 0), (world.alice, Outcome.DECLINE, 1), (world.carol, Outcome.DECLINE, 1),
            (world.carol, Outcome.DECLINE, 3), (world.dave, Outcome.PROPOSE, 40)]  # 40 days ago: outside
    for requester, outcome, days_ago in plan:
        await bot.store.record_demand(world.guild.id, requester.id, world.bob.id, kind="f4f",
                                      verdict=Verdict(outcome, (), {}), now=now - timedelta(days=days_ago))
    await bot.store.record_demand(world.guild.id + 1, world.dave.id, world.bob.id, kind="f4f",  # another guild
                                  verdict=Verdict(Outcome.CONNECT, (), {}), now=now)
    handle = await world.standin.slash_command(world.general, mod, "quidpro stats")
    assert (await handle.wait_response()).ephemeral
    followup = await handle.wait_followup(timeout=15)
    assert "Demands from" in followup.content and ": 4" in followup.content.splitlines()[0]
    assert "decline 3 (75%)" in followup.content and "connect 1 (25%)" in followup.content
    assert f"Top requesters: <@{world.alice.id}> (2), <@{world.carol.id}> (2)" in followup.content  # ties by id
    assert "Connections made: 1 (1 on the spot, 0 accepted when asked)" in followup.content
    [chart] = followup.attachments
    assert chart.filename == "quidpro-stats.png" and decoded(chart.content).size == (900, 400)


async def test_simulate_reports_without_applying(world: World, bot: QuidProNo, mod: Member) -> None:
    s = world.standin
    post = await s.send_message(world.art, world.alice, "my drawing")
    reply = await s.send_message(world.art, world.carol, "nice", reply_to=post)  # carol → alice: reply 3 + turn 2
    await s.send_message(world.art, world.alice, "thanks!", reply_to=reply)  # alice → carol: reply 3 + turn 2
    await settle(world)
    await s.send_message(world.general, world.carol, f"{world.bot_mention} <@{world.alice.id}> f4f?")
    assert "real connection" in (await s.wait_for_bot_message(world.general, timeout=10)).content
    # 5 each way meets mutual 4; with mutual 6 it would not, and Carol, new here, could not even be proposed.
    answer = await run(world, mod, "quidpro policy simulate", {"key": "policy.mutual_min_score", "value": "6",
                                                               "days": 1})
    assert answer.splitlines() == [
        "Dry run of **policy.mutual_min_score = 6.0** over the 1 demands of the last 1 days:",
        "- 1 connection would become a decline",
        "0 answers would stay the same. Nothing has been applied.",
    ]
    assert await bot.store.guild_overrides(world.guild.id) == {}
    assert (await bot.settings_for(world.guild.id)).policy.mutual_min_score == 4.0
    refused = await run(world, mod, "quidpro policy simulate", {"key": "scope.reply_mode", "value": "dm"})
    assert "does not change how demands are decided" in refused


async def test_10_2_ingestion_sees_a_new_scope_at_once(world: World, bot: QuidProNo, mod: Member) -> None:
    """Right after /quidpro policy set, the settings ingestion reads without waiting are the new ones."""
    await bot.settings_for(world.guild.id)
    handle = await world.standin.slash_command(world.general, mod, "quidpro policy set",
                                               {"key": "scope.deny_channels", "value": f"[{world.art.id}]"})
    assert "Done" in ((await handle.wait_response(5)).content or "")
    assert bot.settings_now(world.guild.id).scope.deny_channels == (world.art.id,)
