"""Reading ids out of discord.py messages: the only place that knows their shape."""

from __future__ import annotations

import discord

from bot.core.detect import Context
from bot.core.ingest import MessageFacts


def replied_to_author(message: discord.Message) -> discord.abc.User | None:
    reference = message.reference
    resolved = reference.resolved if reference is not None else None
    return resolved.author if isinstance(resolved, discord.Message) else None


def facts_from(message: discord.Message) -> MessageFacts | None:
    """The ids worth recording, or None for messages that are not members talking in a guild."""
    if message.guild is None or message.author.bot or message.webhook_id is not None:
        return None
    reply_to = replied_to_author(message)
    return MessageFacts(
        guild_id=message.guild.id,
        channel_id=message.channel.id,
        message_id=message.id,
        author_id=message.author.id,
        created_at=message.created_at,
        reply_to_author_id=reply_to.id if reply_to is not None and not reply_to.bot else None,
        mentioned_ids=tuple(user.id for user in message.mentions if not user.bot),
    )


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


def context_of(message: discord.Message) -> Context:
    """Whom the message is addressed to, as Discord tells it: mentions, a reply, a mention first."""
    return Context(addressed=bool(message.mentions) or message.reference is not None,
                   mention_first=message.content.lstrip().startswith("<@"))
