"""Stated terms: shown as written, but never a ping, a link, an invite, or longer than the limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.terms import MAX_TERMS, TermsError, check_terms, shown_terms

ART = "I follow people who comment on my art; I never follow back just for a follow"


def test_plain_terms_are_kept_with_whitespace_folded() -> None:
    assert check_terms(ART) == ART
    assert check_terms("  I follow\n\nartists   🎨👩‍🎨  ") == "I follow artists 🎨👩‍🎨"
    assert check_terms("e.g. painters, not spammers. Thanks!") == "e.g. painters, not spammers. Thanks!"


@pytest.mark.parametrize("text", [
    "<@123456789012345678> is my friend", "<@!123456789012345678>", "ask <@&987654321098765432>",
    "see <#123456789012345678>", "@everyone follow me", "hi @here", "\uff20everyone", "</follow:123456789012345678>",
])
def test_mentions_and_pings_are_refused(text: str) -> None:
    with pytest.raises(TermsError, match="ping"):
        check_terms(text)


@pytest.mark.parametrize("text", [
    "https://example.org", "visit www.myart.site", "join discord.gg/abcdef", "discord . gg / abc",
    "discord.com/invite/abc", "\uff44\uff49\uff53\uff43\uff4f\uff52\uff44\uff0e\uff47\uff47/x",
    "my site: art.com", "hxxp://x.y", "mailto://me",
])
def test_links_and_invites_are_refused(text: str) -> None:
    with pytest.raises(TermsError, match="links"):
        check_terms(text)


def test_invisible_and_control_characters_and_length_are_refused() -> None:
    for hostile in ("disc\u200bord.gg/x", "\u202eevil", "a\x00b", "\x1b[31mred"):
        with pytest.raises(TermsError):
            check_terms(hostile)
    assert len(check_terms("a" * MAX_TERMS)) == MAX_TERMS
    with pytest.raises(TermsError, match="limit is 200"):
        check_terms("a" * (MAX_TERMS + 1))
    with pytest.raises(TermsError, match="empty"):
        check_terms(" \n ")


@given(st.text(max_size=300))
def test_whatever_passes_is_short_and_cannot_ping(text: str) -> None:
    try:
        shown = check_terms(text)
    except TermsError:
        return
    assert len(shown) <= MAX_TERMS and "<@" not in shown and "@everyone" not in shown.lower()
    assert shown_terms(shown) == shown


def test_stored_terms_that_fail_todays_checks_are_not_shown() -> None:
    assert shown_terms(None) is None
    assert shown_terms("ping <@123>") is None
