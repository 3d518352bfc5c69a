"""Reading ids out of discord.py messages: the only place that knows their shape."""

from __future__ import annotations

import logging

import discord

from bot.core.detect import Context, detector_for
from bot.core.ingest import MessageFacts
from bot.core.settings import Settings

log = logging.getLogger(__name__)
MAX_ID = 2**63  # snowflakes are 64-bit; the database's integers are signed
MAX_MENTIONS = 100  # more is a flood, not a conversation: the first hundred count


def replied_to_author(message: discord.Message) -> discord.abc.User | None:
    reference = message.reference
    resolved = reference.resolved if reference is not None else None
    return resolved.author if isinstance(resolved, discord.Message) else None


def facts_from(message: discord.Message) -> MessageFacts | None:
    """The ids worth recording, or None for messages that are not members talking in a guild."""
    if message.guild is None or message.author.bot or message.webhook_id is not None:
        return None
    if not ids_fit(message):
        return None
    reply_to = replied_to_author(message)
    return MessageFacts(
        guild_id=message.guild.id,
        channel_id=message.channel.id,
        message_id=message.id,
        author_id=message.author.id,
        created_at=message.created_at,
        reply_to_author_id=reply_to.id if reply_to is not None and not reply_to.bot else None,
        mentioned_ids=tuple(dict.fromkeys(user.id for user in message.mentions if not user.bot))[:MAX_MENTIONS],
    )


def ids_fit(message: discord.Message) -> bool:
    """Whether every id the bot would store fits the database: Discord's never exceed 63 bits, so one that
    does is a forged or broken payload, skipped here rather than refused by the database later."""
    ids = [message.id, message.channel.id, message.author.id, *(user.id for user in message.mentions)]
    if message.guild is not None:
        ids.append(message.guild.id)
    reply_to = replied_to_author(message)
    if reply_to is not None:
        ids.append(reply_to.id)
    if all(valid_id(value) for value in ids):
        return True
    log.warning("event=message_skipped reason=id_out_of_range guild_id=%s channel_id=%s message_id=%s",
                *(value if valid_id(value) else "invalid" for value in (
                    message.guild and message.guild.id, message.channel.id, message.id)))
    return False


def valid_id(value: object) -> bool:
    return isinstance(value, int) and 0 < value < MAX_ID


def channel_and_category(channel: object) -> tuple[int, int | None]:
    """The channel that scope lists name (a thread's parent) and its category."""
    if isinstance(channel, discord.Thread) and channel.parent is not None:
        channel = channel.parent
    channel_id = getattr(channel, "id", 0)
    return channel_id, getattr(channel, "category_id", None)


def addresses_bot(message: discord.Message, bot_user: discord.abc.User, member_mentions: bool) -> bool:
    """Whether the bot should look at this message for a demand at all."""
    if message.guild is None or message.author.bot or message.webhook_id is not None:
        return False
    if any(user.id == bot_user.id for user in message.mentions):
        return True
    return member_mentions and any(not user.bot for user in message.mentions)


def is_demand(message: discord.Message, bot_user: discord.abc.User, settings: Settings) -> bool:
    """A demand is not engagement: ingestion records nothing for it (the demand path records the demand)."""
    if not message.mentions or not addresses_bot(message, bot_user, settings.listen.member_mentions):
        return False
    return detector_for(settings.detection).classify(message.content).demand


def context_of(message: discord.Message) -> Context:
    """Whom the message is addressed to, as Discord tells it: mentions, a reply, a mention first."""
    return Context(addressed=bool(message.mentions) or message.reference is not None,
                   mention_first=message.content.lstrip().startswith("<@"))
