"""Where the bot listens and answers."""

from __future__ import annotations

from bot.core.scope import in_scope
from bot.core.settings import Scope


def test_everywhere_by_default() -> None:
    assert in_scope(Scope(), 1, None) and in_scope(Scope(), 1, 9)


def test_denials_win_over_allowances() -> None:
    scope = Scope(allow_categories=(9,), deny_channels=(2,))
    assert in_scope(scope, 1, 9)
    assert not in_scope(scope, 2, 9)  # denied channel inside an allowed category
    assert not in_scope(scope, 3, 8)  # an allow list exists and names neither
    assert not in_scope(Scope(deny_categories=(9,)), 1, 9)
    assert in_scope(Scope(allow_channels=(3,)), 3, None)
