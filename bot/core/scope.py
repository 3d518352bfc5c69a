"""Where the bot listens and answers: a server's allow and deny lists of channels and categories."""

from __future__ import annotations

from bot.core.settings import Scope


def in_scope(scope: Scope, channel_id: int, category_id: int | None) -> bool:
    """Denials win; then an allow list, when there is one, must name the channel or its category."""
    if channel_id in scope.deny_channels or (category_id is not None and category_id in scope.deny_categories):
        return False
    if not scope.allow_channels and not scope.allow_categories:
        return True
    return channel_id in scope.allow_channels or (category_id is not None and category_id in scope.allow_categories)
