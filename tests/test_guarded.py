"""Every button, view and modal of the bot goes through the one error path (bot/adapter/errors.py)."""

from __future__ import annotations

import importlib
import pkgutil

import discord

from bot.adapter import exts
from bot.adapter.errors import GuardedItem, GuardedModal, GuardedView


def _all_subclasses(base: type) -> set[type]:
    found: set[type] = set()
    subclasses: list[type] = base.__subclasses__()
    for sub in subclasses:
        found |= {sub} | _all_subclasses(sub)
    return found


def _ours(base: type) -> set[type]:
    for module in pkgutil.walk_packages(exts.__path__, f"{exts.__name__}."):
        importlib.import_module(module.name)
    return {cls for cls in _all_subclasses(base) if cls.__module__.startswith("bot.")}


def test_every_component_of_the_bot_is_guarded() -> None:
    items, views, modals = (_ours(discord.ui.DynamicItem), _ours(discord.ui.View) - {GuardedView},
                            _ours(discord.ui.Modal) - {GuardedModal})
    assert items and views and modals  # the walk found the bot's components
    unguarded = sorted(cls.__qualname__ for cls in items if not issubclass(cls, GuardedItem))
    unguarded += sorted(cls.__qualname__ for cls in views if not issubclass(cls, GuardedView))
    unguarded += sorted(cls.__qualname__ for cls in modals if not issubclass(cls, GuardedModal))
    assert not unguarded, f"use GuardedItem/GuardedView/GuardedModal from bot.adapter.errors: {unguarded}"
