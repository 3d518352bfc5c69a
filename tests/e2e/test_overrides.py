"""Stored overrides this version rejects: only the rejected key is dropped, and the moderators hear it once."""

from __future__ import annotations

from bot.adapter.app import QuidProNo
from tests.e2e.conftest import World, settle


async def test_a_rejected_override_is_dropped_alone_and_told_once(world: World, bot: QuidProNo) -> None:
    s = world.standin
    mods = s.add_channel(world.guild, "mods")
    stored = {"scope": {"deny_channels": [world.art.id]}, "audit": {"channel_id": mods.id},
              "policy": {"renamed_long_ago": 3}}
    await bot.store.set_guild_overrides(world.guild.id, stored, bot.now())
    for author in (world.dave, world.carol):
        await s.send_message(world.art, author, f"{world.bot_mention} <@{world.alice.id}> follow me back")
    await s.send_message(world.general, world.dave, f"{world.bot_mention} <@{world.bob.id}> follow me back")
    await settle(world)
    # Reloaded after another change (as after a dashboard edit): still told only once.
    await bot.store.set_guild_overrides(world.guild.id, {**stored, "policy": {"renamed_long_ago": 4}},
                                        bot.now().replace(microsecond=0))
    await s.send_message(world.general, world.carol, f"{world.bot_mention} <@{world.bob.id}> follow me back")
    await settle(world)

    assert s.bot_messages(world.art) == []  # the denied channel stays denied
    assert len(s.bot_messages(world.general)) == 2  # the others are answered
    notices = [m.content for m in s.bot_messages(mods) if "ignored" in m.content]
    assert len(notices) == 1, notices
    assert "`policy.renamed_long_ago`: unknown key" in notices[0]
    assert (await bot.settings_for(world.guild.id)).audit.channel_id == mods.id
